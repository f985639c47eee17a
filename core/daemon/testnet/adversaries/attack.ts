import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { APP_ROOT } from '../../../common/paths.ts'
import { callControl } from '../../control.ts'
import { coresUsed, type ModeResult } from '../orchestrator.ts'
import type { AdversaryKind, AttackEvent } from './kinds.ts'

// The orchestrator's side of `hearth testnet --adversaries`: start one hostile process per kind once the honest mesh has
// formed, note what each says it did, and at the end ask every honest node what of it got through.

/** What `testnet.attack` answers about one adversary peer, on one honest node. */
export interface OffenderView { peerId: string, met: boolean, saw: boolean, witnessed: boolean, gossipScore: number, gossipPenalised: boolean, gossipRecord: boolean, connected: boolean, reputationPenalised: boolean, shunned: boolean, points: number, appScore: number, conduct: Record<string, number>, baidKnown: boolean, verdicts: Record<string, number> }
export interface AttackReport { offenders: OffenderView[], honestPenalised: Array<{ peerId: string, score: number, verdicts: Record<string, number> }>, honestMisconduct: Array<{ peerId: string, points: number, counts: Record<string, number> }>, forgedAccepted: number, replayedAccepted: number, replayedFirstCopies: number, drifts: number, maxRssMb: number }

export interface AttackFigures {
  /** Forged headers held, descriptors naming another agent or config indexed, and receipts with a forged co-signature stored, over honest nodes. */
  forged_accepted: number
  /** Replayed headers an honest node took as new although it already had them (a first copy of a missed entry is a relay, not counted). */
  replayed_accepted: number
  honest_delivery: number
  /** The same announcements delivered by the end of the run, late ones included: what the attack delayed rather than lost. */
  honest_delivery_eventual: number
  /** The same workload's bodyless delivery without the adversaries, run just before on the same machine: honest_delivery's baseline. */
  honest_delivery_unattacked: number
  /** Offenders scored down by gossipsub and shunned by reputation on every honest node that met them and witnessed their offence. */
  offenders_penalised: number
  offenders_gossip_penalised: number
  offenders_reputation_penalised: number
  /** Kinds with a peer that some honest node witnessed offend and did not penalise both ways. */
  offenders_escaped: AdversaryKind[]
  /**
   * Kinds with a peer that honest nodes saw act (it sent or relayed them something) but none had evidence against: an offence no
   * single node can see, such as many identities each behaving well, or praise signed by both parties. Neither caught nor escaped.
   */
  offenders_unwitnessed: AdversaryKind[]
  /**
   * Per kind, over (adversary peer, honest node) pairs: how many met, how many of those saw it act, how many of those witnessed its
   * offence, and how many of those penalised it each way.
   */
  offenders_by_kind: Partial<Record<AdversaryKind, { met: number, saw: number, witnessed: number, gossip_penalised: number, reputation_penalised: number }>>
  /** Honest nodes that flagged the drifter's changing descriptor (drift raised to the person). */
  drift_detected: number
  /** (honest node, honest peer) pairs where the node's gossipsub score of the peer is below zero: collateral damage of the attack. */
  honest_penalised: number
  /** (honest node, honest peer) pairs where the node noted misconduct against the peer (a diagnostic: each point lowers its gossip score). */
  honest_misconduct: number
  honest_max_rss_mb: number
  /** The machine's cores, shared by every honest daemon, every adversary and the orchestrator. */
  machine_cores: number
  /** CPU the honest daemons used while announcing under attack, and in the unattacked run (cores). */
  honest_cores: number
  honest_cores_unattacked: number
  /** CPU the adversaries' processes used from joining to the end of the announcement window (cores). */
  adversary_cores: number
}

/** CPU time of each adversary's process (ms, in `adversaries` order) at one moment. */
interface CpuReadings { at: number, cpuMs: number[] }
type RunFigures = Pick<ModeResult, 'delivery' | 'delivery_eventual' | 'cores'>

interface Adversary { kind: AdversaryKind, child: ChildProcess, peers: Array<{ peerId: string, agent: string }>, sent: Record<string, number> }

const READY_TIMEOUT_MS = 60_000
/** However the run ends, no adversary outlives it. */
const running = new Set<ChildProcess>()
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

export class Attack {
  private readonly adversaries: Adversary[] = []
  private readonly forgedHeaders = new Set<string>()
  private readonly forgedReceipts = new Set<string>()
  private readonly replayed = new Map<string, number>()
  private reports: AttackReport[] = []
  /** When the adversaries had joined and when the honest nodes were inspected, with their CPU time then: the attack's window. */
  private window: { from: CpuReadings, to?: CpuReadings } | undefined

  private readonly kinds: readonly AdversaryKind[]
  private readonly script: string
  private readonly dir: string
  private readonly log: (line: string) => void

  /** `script` is the bundled adversaries/adversary.ts; each kind gets a folder under `dir` for its identities. */
  constructor (kinds: readonly AdversaryKind[], script: string, dir: string, log: (line: string) => void) {
    this.kinds = kinds
    this.script = script
    this.dir = dir
    this.log = log
  }

  /** One process per kind, joined through `bootstrap`, impersonating or replaying `victims` (honest agents' keys, hex). */
  async start (bootstrap: string, victims: readonly string[]): Promise<void> {
    await Promise.all(this.kinds.map(async kind => {
      const dir = join(this.dir, kind)
      mkdirSync(dir, { recursive: true })
      const logs = process.env.HEARTH_TESTNET_LOGS
      const stderr = logs === undefined ? 'ignore' : openSync(join(logs, `adversary-${kind}.log`), 'a')
      // HEARTH_TESTNET_CPU_PROF=<dir>: each adversary's V8 CPU profile too, written when it stops.
      const profileDir = process.env.HEARTH_TESTNET_CPU_PROF
      const profile = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, 'adversaries'), '--cpu-prof-name', `${kind}.cpuprofile`]
      const child = spawn(process.execPath, [...profile, this.script, '--kind', kind, '--dir', dir, '--bootstrap', bootstrap, '--victims', victims.join(',')], { cwd: APP_ROOT, env: { ...process.env, HEARTH_APP_ROOT: APP_ROOT }, stdio: ['ignore', 'pipe', stderr] })
      if (typeof stderr === 'number') closeSync(stderr)
      running.add(child)
      child.once('exit', () => running.delete(child))
      const adversary: Adversary = { kind, child, peers: [], sent: {} }
      this.adversaries.push(adversary)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the ${kind} adversary did not join within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS)
        child.once('exit', code => { clearTimeout(timer); reject(new Error(`the ${kind} adversary exited with ${code}`)) })
        createInterface({ input: child.stdout! }).on('line', line => {
          if (!line.startsWith('{')) return
          const event = JSON.parse(line) as AttackEvent | { ready: true }
          if ('ready' in event) { clearTimeout(timer); resolve() } else this.note(adversary, event)
        })
      })
    }))
    this.log(`adversaries joined: ${this.adversaries.map(a => `${a.kind} (${a.peers.length})`).join(', ')}`)
    // From here: their start-up (loading, keys, joining) is no part of the attack.
    this.window = { from: this.cpuReadings() }
  }

  private note (adversary: Adversary, event: AttackEvent): void {
    if ('joined' in event) adversary.peers.push(event.joined)
    else if ('forgedHeader' in event) this.forgedHeaders.add(event.forgedHeader)
    else if ('forgedReceipt' in event) this.forgedReceipts.add(event.forgedReceipt)
    else if ('replayed' in event) { if (!this.replayed.has(event.replayed)) this.replayed.set(event.replayed, event.at) }
    else adversary.sent[event.sent] = event.count
  }

  /** Ask every honest node (by data directory) what of the attack it accepted and whom it penalised. */
  async inspect (dataDirs: readonly string[]): Promise<void> {
    if (this.window !== undefined) this.window.to = this.cpuReadings()
    const params = {
      adversaries: this.adversaries.flatMap(a => a.peers),
      forgedHeaders: [...this.forgedHeaders],
      forgedReceipts: [...this.forgedReceipts],
      replayed: [...this.replayed].map(([h, at]) => ({ h, at })),
      replayers: this.adversaries.filter(a => a.kind === 'replayer').flatMap(a => a.peers.map(p => p.peerId))
    }
    this.reports = await Promise.all(dataDirs.map(async d => await callControl(d, 'testnet.attack', params) as AttackReport))
    this.reports.forEach((r, i) => { for (const h of r.honestPenalised) this.log(`attack: honest node ${i} scores honest peer ${h.peerId.slice(-8)} ${h.score}; its messages ${JSON.stringify(h.verdicts)}`) })
    this.reports.forEach((r, i) => { for (const h of r.honestMisconduct) this.log(`attack: honest node ${i} noted misconduct of honest peer ${h.peerId.slice(-8)}: ${h.points} points now, ${JSON.stringify(h.counts)}`) })
    this.log(`attack: ${this.forgedHeaders.size} forged headers, ${this.forgedReceipts.size} forged receipts, ${this.replayed.size} replayed headers sent (the first copy some node got of ${this.reports.reduce((s, r) => s + r.replayedFirstCopies, 0)}: entries it had missed)`)
    for (const a of this.adversaries) {
      if (Object.keys(a.sent).length > 0) this.log(`attack: ${a.kind} sent ${Object.entries(a.sent).map(([what, n]) => `${n} ${what}`).join(', ')}`)
      for (const p of a.peers) {
        const met = this.reports.flatMap(r => r.offenders.filter(o => o.peerId === p.peerId && o.met))
        const views = met.filter(o => o.saw)
        const witnesses = met.filter(o => o.witnessed)
        const verdicts: Record<string, number> = {}
        const conduct: Record<string, number> = {}
        for (const v of views) for (const [k, n] of Object.entries(v.verdicts)) verdicts[k] = (verdicts[k] ?? 0) + n
        for (const v of views) for (const [k, n] of Object.entries(v.conduct)) conduct[k] = (conduct[k] ?? 0) + n
        // A witness whose gossipsub holds no record of it (dropped when it left with a score ≥ 0) scores it as it would return.
        const unscored = witnesses.filter(v => !v.gossipRecord)
        const why = unscored.length === 0 ? '' : `; ${unscored.length} witness(es) hold no gossipsub record of it, so give the score it would return with (${unscored.filter(v => v.connected).length} still connected, ${unscored.filter(v => v.reputationPenalised).length} shunning it)`
        // A witness that let it off one way: what it held against it, to tell a slow verdict from a missing one.
        this.reports.forEach((r, i) => {
          const v = r.offenders.find(o => o.peerId === p.peerId && o.met && o.witnessed && !penalised(o))
          if (v !== undefined) this.log(`attack: ${a.kind} ${p.peerId.slice(-8)} not penalised both ways by honest node ${i}: gossip score ${v.gossipScore.toFixed(2)} (record ${v.gossipRecord}, connected ${v.connected}), application score ${v.appScore}, misconduct points ${v.points} now, shunned ${v.shunned}, reputation-penalised ${v.reputationPenalised}; misconduct seen ${JSON.stringify(v.conduct)}; its messages ${JSON.stringify(v.verdicts)}`)
        })
        this.log(`attack: ${a.kind} ${p.peerId.slice(-8)} met by ${met.length}, seen acting by ${views.length}, seen offending by ${witnesses.length}, gossip-penalised by ${views.filter(v => v.gossipPenalised).length} (scores ${views.map(v => v.gossipScore.toFixed(0)).join(' ')}${why}), reputation-penalised by ${views.filter(v => v.reputationPenalised).length} (its BAID known to ${views.filter(v => v.baidKnown).length}); its messages ${JSON.stringify(verdicts)}; misconduct seen ${JSON.stringify(conduct)}`)
      }
    }
  }

  /** `attacked` and `unattacked`: the bodyless runs with and without the adversaries (delivery, and the honest daemons' cores). */
  figures (attacked: RunFigures, unattacked: RunFigures): AttackFigures {
    // Judged by the honest nodes that met an offender and witnessed its offence (a node with no evidence has nothing to judge).
    const offenders = this.adversaries.flatMap(a => a.peers.map(p => {
      const met = this.reports.flatMap(r => r.offenders.filter(o => o.peerId === p.peerId && o.met))
      return { kind: a.kind, met: met.length, saw: met.filter(o => o.saw), views: met.filter(o => o.witnessed) }
    }))
    // An offender no honest node witnessed did no harm it could be caught for; it counts as neither caught nor escaped.
    const seen = offenders.filter(o => o.views.length > 0)
    const share = (caught: (v: OffenderView) => boolean): number => seen.length === 0 ? 0 : round(seen.filter(o => o.views.every(caught)).length / seen.length)
    const escaped = new Set(seen.filter(o => !o.views.every(penalised)).map(o => o.kind))
    return {
      forged_accepted: this.reports.reduce((s, r) => s + r.forgedAccepted, 0),
      replayed_accepted: this.reports.reduce((s, r) => s + r.replayedAccepted, 0),
      honest_delivery: attacked.delivery,
      honest_delivery_eventual: attacked.delivery_eventual,
      honest_delivery_unattacked: unattacked.delivery,
      offenders_penalised: share(penalised),
      offenders_gossip_penalised: share(v => v.gossipPenalised),
      offenders_reputation_penalised: share(v => v.reputationPenalised),
      offenders_escaped: [...escaped],
      offenders_unwitnessed: [...new Set(offenders.filter(o => o.saw.length > 0 && o.views.length === 0).map(o => o.kind))],
      offenders_by_kind: Object.fromEntries(this.kinds.map(kind => {
        const ofKind = offenders.filter(o => o.kind === kind)
        const views = ofKind.flatMap(o => o.views)
        return [kind, { met: ofKind.reduce((s, o) => s + o.met, 0), saw: ofKind.reduce((s, o) => s + o.saw.length, 0), witnessed: views.length, gossip_penalised: views.filter(v => v.gossipPenalised).length, reputation_penalised: views.filter(v => v.reputationPenalised).length }]
      })),
      drift_detected: this.reports.filter(r => r.drifts > 0).length,
      honest_penalised: this.reports.reduce((s, r) => s + r.honestPenalised.length, 0),
      honest_misconduct: this.reports.reduce((s, r) => s + r.honestMisconduct.length, 0),
      honest_max_rss_mb: Math.max(0, ...this.reports.map(r => r.maxRssMb)),
      machine_cores: availableParallelism(),
      honest_cores: attacked.cores,
      honest_cores_unattacked: unattacked.cores,
      adversary_cores: this.cores()
    }
  }

  /** Cores the adversaries' processes (those of `kind`, or all) used from joining to the inspection (or to now, before it). */
  cores (kind?: AdversaryKind): number {
    if (this.window === undefined) return 0
    const { from, to = this.cpuReadings() } = this.window
    const sum = (r: CpuReadings): number => this.adversaries.reduce((s, a, i) => s + (kind === undefined || a.kind === kind ? r.cpuMs[i]! : 0), 0)
    return coresUsed({ at: from.at, cpuMs: sum(from) }, { at: to.at, cpuMs: sum(to) })
  }

  /** The same figure per kind, for the log: which hostile process loads the shared machine most. */
  coresByKind (): string {
    return this.kinds.map(kind => `${kind} ${this.cores(kind).toFixed(2)}`).join(', ')
  }

  /** CPU time each adversary's process has used so far (Linux: /proc; 0 elsewhere), to tell the machine's load apart. */
  private cpuReadings (): CpuReadings {
    return { at: Date.now(), cpuMs: this.adversaries.map(({ child }) => processCpuMs(child.pid)) }
  }

  async stop (): Promise<void> {
    await Promise.all(this.adversaries.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>(resolve => {
        const hard = setTimeout(() => child.kill('SIGKILL'), 5_000)
        child.once('exit', () => { clearTimeout(hard); resolve() })
        child.kill('SIGTERM')
      })
    }))
  }
}

const round = (x: number): number => Number(x.toFixed(4))

/** The target: an offender scored down by gossipsub and shunned by reputation alike. */
const penalised = (v: OffenderView): boolean => v.gossipPenalised && v.reputationPenalised

/** utime + stime of a process, from /proc/<pid>/stat (in USER_HZ ticks, 100 a second on Linux); 0 when unreadable. */
function processCpuMs (pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    // The fields after the command name (which may hold spaces) start with the state: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return 0
  }
}
