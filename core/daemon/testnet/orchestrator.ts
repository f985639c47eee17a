import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { build } from 'esbuild'
import { basename, dirname, join } from 'node:path'
import { TOPICS } from '../../discovery/descriptor.ts'
import type { GossipMode } from '../../discovery/gossip.ts'
import { APP_ROOT } from '../../common/paths.ts'
import { createRandom } from '../../common/random.ts'
import { createHost } from '../../host.ts'
import { callControl } from '../control.ts'
import { diagnose, type Announcement } from './diagnosis.ts'
import { allowTasks, runTasks, taskCapabilities, type TaskFigures } from './tasks.ts'
import { Attack, type AttackFigures } from './adversaries/attack.ts'
import type { AdversaryKind } from './adversaries/kinds.ts'

// `hearth testnet`: N real daemons (separate OS processes, own data directory and key, file keystore, mDNS off) on
// 127.0.0.1, joined through a bootstrap node; the same announcement workload, churn included, is run twice —
// bodyless gossip, then the full-body broadcast baseline — and measured the same way. Under attack, a third time first:
// bodyless without the adversaries, the same-run baseline of the attacked run's delivery.

export interface TestnetOptions {
  readonly nodes: number
  /** Fraction of nodes killed (SIGKILL) and restarted during the announcement window. */
  readonly churn: number
  readonly announcements: number
  readonly seed?: number
  /** Time between announcements. */
  readonly intervalMs?: number
  /** How long an announcement has to arrive to count as delivered. */
  readonly deadlineMs?: number
  readonly log?: (line: string) => void
  /** Delegations to run between random peers once discovery settles (bodyless run only); 0 = none. */
  readonly tasks?: number
  /** Hostile nodes (one process per kind) joined to the bodyless run; the result gains `attack`. */
  readonly adversaries?: readonly AdversaryKind[]
}

/**
 * `delivery`: within the deadline; `delivery_eventual`: by the end of the run (late ones too), so a late announcement tells
 * from a lost one; `cores`: CPU the honest daemons used while announcing (cores of the machine: every daemon shares it).
 */
export interface ModeResult { delivery: number, delivery_eventual: number, bytes_per_announcement: number, p50_ms: number, p95_ms: number, deliveries: number, expected: number, cores: number }
export interface TestnetResult { nodes: number, churn: number, announcements: number, bodyless: ModeResult, full_body: ModeResult, tasks?: TaskFigures, attack?: AttackFigures }

export const PASSPHRASE = 'hearth-testnet'
/** Packages with native addons, and esbuild (which finds its binary beside its package): required from node_modules at run time. */
const NATIVE_PACKAGES = ['better-sqlite3', '@napi-rs/keyring', 'electron', 'esbuild']
export const THROWAWAY_KDF = { N: 2 ** 14, r: 8, p: 1 }
const SETTLE_MS = 3_000
const DOWNTIME_MS = 2_000
const START_TIMEOUT_MS = 60_000
const MESH_TIMEOUT_MS = 120_000

export interface Node {
  readonly index: number
  readonly dataDir: string
  readonly interests: readonly string[]
  child: ChildProcess | undefined
  /** Where it listens while up (a restart picks a new port). */
  addr: string | undefined
  agent: string
  /** What the node's processes saw and wrote, kept across kills. */
  received: Array<{ agent: string, id: string, at: number }>
  bytes: number
  /** CPU time the node's processes used, kept across kills (a diagnostic: 2 cores are shared by every node). */
  cpuMs: number
  /** The longest its event loop was blocked since the last look. */
  lagMaxMs: number
  /** Why descriptors were refused, and headers whose bodies never came (diagnostics for the log). */
  rejected: Record<string, number>
  bodiesMissing: number
  /** [from, to] periods the node was up. */
  up: Array<[number, number]>
}

export async function runTestnet (options: TestnetOptions): Promise<TestnetResult> {
  const began = Date.now()
  const log = (line: string): void => options.log?.(`[${((Date.now() - began) / 1000).toFixed(1)} s] ${line}`)
  const root = mkdtempSync(join(tmpdir(), 'hearth-testnet-'))
  try {
    log(`preparing ${options.nodes} identities in ${root}`)
    const { template, interests } = await prepareIdentities(root, options.nodes, options.tasks ?? 0)
    const daemon = await bundleDaemon(root)
    let tasks: TaskFigures | undefined
    const afterwards = (options.tasks ?? 0) > 0 ? async (nodes: readonly Node[]) => { tasks = await runTasks(nodes.filter(n => n.child !== undefined), options.tasks!, createRandom(options.seed ?? 1), line => log(`bodyless: ${line}`)) } : undefined
    const adversaries = options.adversaries ?? []
    const attack = adversaries.length === 0 ? undefined : new Attack(adversaries, await bundleScript(join(APP_ROOT, 'core/daemon/testnet/adversaries/adversary.ts'), join(APP_ROOT, '.hearth-test', basename(root), 'adversary.mjs')), join(root, 'adversaries'), line => log(`bodyless: ${line}`))
    // Under attack, the same workload first runs without the adversaries: the baseline honest delivery is judged against.
    const unattacked = attack === undefined ? undefined : await runMode('bodyless', 'bodyless-unattacked', daemon, root, template, interests, options, log)
    const bodyless = await runMode('bodyless', 'bodyless', daemon, root, template, interests, options, log, afterwards, attack)
    const fullBody = await runMode('full-body', 'full-body', daemon, root, template, interests, options, log)
    return { nodes: options.nodes, churn: options.churn, announcements: options.announcements, bodyless, full_body: fullBody, ...(tasks === undefined ? {} : { tasks }), ...(attack === undefined || unattacked === undefined ? {} : { attack: attack.figures(bodyless, unattacked) }) }
  } finally {
    rmSync(root, { recursive: true, force: true })
    rmSync(join(APP_ROOT, '.hearth-test', basename(root)), { recursive: true, force: true })
  }
}

/** `nodes` data directories under `root/template`, each with its identity and two interests; with `tasks` > 0 each serves the word count. */
export async function prepareIdentities (root: string, nodes: number, tasks: number): Promise<{ template: string, interests: string[][] }> {
  const template = join(root, 'template')
  const interests = Array.from({ length: nodes }, (_, i) => [TOPICS[i % TOPICS.length]!, TOPICS[(i + 2) % TOPICS.length]!])
  for (let i = 0; i < nodes; i++) {
    const dataDir = join(template, `node-${i}`)
    const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => PASSPHRASE, kdfCost: THROWAWAY_KDF })
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ capabilities: taskCapabilities(tasks, interests[i]!), interests: interests[i] }))
    if (tasks > 0) allowTasks(host.db)
    await host.identity.create(host.digests())
    await host.stop()
  }
  return { template, interests }
}

/**
 * The daemon's code and its packages bundled once for the run, so each of the N processes loads one file instead of
 * compiling TypeScript through a loader and resolving hundreds of package modules: on a 2-core machine that start-up
 * cost, times N, is most of the CPU a testnet uses. Native addons stay outside, loaded from node_modules.
 */
export async function bundleDaemon (root: string): Promise<string> {
  // Inside the app folder, so the bundle's package imports resolve to its node_modules.
  return await bundleScript(join(APP_ROOT, 'core/daemon/main.ts'), join(APP_ROOT, '.hearth-test', basename(root), 'daemon.mjs'))
}

/** `entry` and the packages it imports in one ES module at `outfile` (inside the app folder); native addons stay outside. */
export async function bundleScript (entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: NATIVE_PACKAGES,
    // Bundled CommonJS packages call require(): give the ES module one.
    banner: { js: 'import { createRequire as hearthCreateRequire } from \'node:module\'; const require = hearthCreateRequire(import.meta.url);' },
    logLevel: 'silent'
  })
  return outfile
}

async function runMode (mode: GossipMode, name: string, daemon: string, root: string, template: string, interests: readonly string[][], options: TestnetOptions, log: (line: string) => void, afterwards?: (nodes: readonly Node[]) => Promise<void>, attack?: Attack): Promise<ModeResult> {
  // Seeded, so every run sees the same announcers, topics and churn.
  const random = createRandom(options.seed ?? 1)
  const modeDir = join(root, name)
  cpSync(template, modeDir, { recursive: true })
  const nodes: Node[] = interests.map((topics, index) => ({ index, dataDir: join(modeDir, `node-${index}`), interests: topics, child: undefined, addr: undefined, agent: '', received: [], bytes: 0, cpuMs: 0, lagMaxMs: 0, rejected: {}, bodiesMissing: 0, up: [] }))
  try {
    log(`${name}: starting ${nodes.length} daemons`)
    // Every peer joins through the bootstrap node; the DHT (every testnet peer serves it) and rendezvous connect the rest.
    const launch = async (node: Node): Promise<void> => {
      node.addr = await start(daemon, node, mode, node.index === 0 ? [] : [nodes[0]!.addr!], log)
    }
    await launch(nodes[0]!)
    const rest = nodes.slice(1)
    for (let i = 0; i < rest.length; i += 6) await Promise.all(rest.slice(i, i + 6).map(async n => await launch(n)))
    log(`${name}: all daemons up; waiting for the gossip mesh`)
    await waitForMesh(nodes, mode)
    // The adversaries join the formed mesh and attack through the whole announcement window.
    await attack?.start(nodes[0]!.addr!, nodes.map(n => n.agent))
    log(`${name}: mesh formed; announcing`)
    // HEARTH_TESTNET_CPU_PROF=<dir>: a V8 CPU profile of each daemon from here to the end (a killed one's is lost).
    const profileDir = process.env.HEARTH_TESTNET_CPU_PROF
    if (profileDir !== undefined) {
      mkdirSync(join(profileDir, name), { recursive: true })
      await Promise.all(nodes.map(async n => await callControl(n.dataDir, 'testnet.profile.start')))
    }
    const idleFrom = await usageOf(nodes)
    await sleep(SETTLE_MS)
    const idle = await usageOf(nodes)
    // Not yet idle: start-up work is still settling (and, under attack, the adversaries are joining).
    log(`${name}: before announcing (the ${SETTLE_MS / 1000} s after the mesh formed${attack === undefined ? '' : ' and the adversaries joined'}), the daemons use ${coresUsed(idleFrom, idle).toFixed(2)} cores and write ${Math.round((idle.bytes - idleFrom.bytes) / Math.max(0.001, (idle.at - idleFrom.at) / 1000) / nodes.length)} bytes/s each; event loops blocked up to ${idle.lagMaxMs.toFixed(0)} ms`)

    // The measured window starts here: warm-up (start-up, BAID announcements, mesh building) is excluded.
    for (const n of nodes) n.bytes -= (await processUsage(n)).bytes
    const windowFrom = Date.now()
    // Capability announcements are low-rate; each peer spends several ms on each one it receives, so on a 2-core
    // machine running every peer, the rate — not the protocol — is what saturates first.
    const interval = options.intervalMs ?? 500
    const deadline = options.deadlineMs ?? 5_000
    const windowMs = options.announcements * interval
    const churned = pickChurned(nodes, options.churn, random, windowMs)
    const announcements: Announcement[] = []
    const churnDone = Promise.all(churned.map(async ({ node, atMs }) => {
      await sleep(atMs)
      await kill(node)
      await sleep(DOWNTIME_MS)
      await launch(node)
    }))
    // On a fixed schedule, not one after another: a slow announcer must not stretch the window.
    const calls: Array<Promise<void>> = []
    for (let k = 0; k < options.announcements; k++) {
      const live = nodes.filter(n => n.child !== undefined)
      const announcer = live[Math.floor(random() * live.length)]!
      const topic = TOPICS[Math.floor(random() * TOPICS.length)]!
      calls.push(callControl(announcer.dataDir, 'testnet.announce', { i: k, topic })
        .then(a => { announcements.push(a as typeof announcements[number]) })
        .catch(() => undefined)) // the announcer was killed a moment ago: that announcement did not happen
      await sleep(interval)
    }
    await Promise.all(calls)
    log(`${name}: ${announcements.length} announcements made`)
    await churnDone
    await sleep(deadline)
    if (profileDir !== undefined) await Promise.all(nodes.map(async n => await callControl(n.dataDir, 'testnet.profile.stop', { dir: join(profileDir, name) })))
    await attack?.inspect(nodes.filter(n => n.child !== undefined).map(n => n.dataDir))
    for (const n of nodes) await collect(n)
    const end = Date.now()
    const honestCores = coresUsed(idle, { at: end, cpuMs: nodes.reduce((sum, n) => sum + n.cpuMs, 0) })
    log(`${name}: while announcing (${((end - windowFrom) / 1000).toFixed(1)} s), the daemons wrote ${Math.round(nodes.reduce((sum, n) => sum + n.bytes, 0) / ((end - windowFrom) / 1000) / nodes.length)} bytes/s each and used ${honestCores.toFixed(2)} cores; event loops blocked up to ${Math.max(...nodes.map(n => n.lagMaxMs)).toFixed(0)} ms`)
    const busiest = [...nodes].sort((x, y) => y.cpuMs - x.cpuMs).slice(0, 3)
    if (attack !== undefined) log(`${name}: the adversaries' processes used ${attack.cores().toFixed(2)} cores from joining to here (${attack.coresByKind()})`)
    log(`${name}: busiest daemons (CPU since start): ${busiest.map(n => `node ${n.index} ${(n.cpuMs / 1000).toFixed(1)} s`).join(', ')}; median ${(nodes.map(n => n.cpuMs).sort((x, y) => x - y)[nodes.length >> 1]! / 1000).toFixed(1)} s`)
    for (const n of nodes) n.up.at(-1)![1] = end
    const rejected: Record<string, number> = {}
    for (const n of nodes) for (const [why, k] of Object.entries(n.rejected)) rejected[why] = (rejected[why] ?? 0) + k
    log(`${name}: bodies still missing ${nodes.reduce((s, n) => s + n.bodiesMissing, 0)}; descriptors refused ${JSON.stringify(rejected)}`)

    for (const line of await diagnose(nodes.map(n => ({ ...n, alive: n.child !== undefined, expects: (a: Announcement) => expects(n, a, deadline) })), announcements, deadline)) log(`${name}: ${line}`)
    await afterwards?.(nodes)
    return measure(nodes, announcements, deadline, honestCores)
  } finally {
    await attack?.stop()
    await Promise.all(nodes.map(async n => await stop(n)))
  }
}

function measure (nodes: readonly Node[], announcements: readonly Announcement[], deadline: number, cores: number): ModeResult {
  const latencies: number[] = []
  let expected = 0
  let arrived = 0
  for (const a of announcements) {
    for (const n of nodes) {
      if (!expects(n, a, deadline)) continue
      expected++
      const got = n.received.find(r => r.agent === a.agent && r.id === a.id && r.at >= a.at)
      if (got !== undefined) arrived++
      if (got !== undefined && got.at - a.at <= deadline) latencies.push(got.at - a.at)
    }
  }
  latencies.sort((x, y) => x - y)
  const bytes = nodes.reduce((sum, n) => sum + n.bytes, 0)
  return {
    delivery: expected === 0 ? 0 : round(latencies.length / expected, 4),
    delivery_eventual: expected === 0 ? 0 : round(arrived / expected, 4),
    bytes_per_announcement: announcements.length === 0 ? 0 : Math.round(bytes / announcements.length / nodes.length),
    p50_ms: quantile(latencies, 0.5),
    p95_ms: quantile(latencies, 0.95),
    deliveries: latencies.length,
    expected,
    cores
  }
}

/** Whether `node` should obtain announcement `a`: someone else's, on a topic it follows, and up for its whole delivery window. */
function expects (node: Node, a: Announcement, deadline: number): boolean {
  return node.agent !== a.agent && a.topics.some(t => node.interests.includes(t)) && node.up.some(([from, to]) => from <= a.at && to >= a.at + deadline)
}

/** Every daemon process alive: however the run ends (an error included), none outlives it. */
const running = new Set<ChildProcess>()
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

/** `nodeArgs` go to Node itself, before the daemon's script (e.g. `--expose-gc`). */
export async function start (daemon: string, node: Node, mode: GossipMode, bootstrap: readonly string[], log: (line: string) => void, nodeArgs: readonly string[] = []): Promise<string> {
  // Like desktops at home, only the bootstrap node serves the DHT: 30 servers answering each other's walks cost more CPU than the gossip.
  const args = [...nodeArgs, daemon, 'daemon', '--json', '--testnet', '--gossip', mode, '--no-mdns', '--data-dir', node.dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', ...(bootstrap.length > 0 ? ['--bootstrap', ...bootstrap] : ['--dht-server'])]
  // HEARTH_TESTNET_LOGS=<dir> keeps each daemon's stderr (with DEBUG=hearth:* for its debug log).
  const logs = process.env.HEARTH_TESTNET_LOGS
  const run = basename(dirname(node.dataDir))
  const stderr = logs === undefined ? 'ignore' : openSync(join(logs, `${run}-node-${node.index}.log`), 'a')
  const child = spawn(process.execPath, args, { cwd: APP_ROOT, env: { ...process.env, HEARTH_PASSPHRASE: PASSPHRASE, HEARTH_APP_ROOT: APP_ROOT }, stdio: ['ignore', 'pipe', stderr] })
  if (typeof stderr === 'number') closeSync(stderr)
  node.child = child
  running.add(child)
  child.once('exit', (code, signal) => {
    running.delete(child)
    // Killed or stopped by us, node.child is already cleared; otherwise the daemon died on its own (HEARTH_TESTNET_LOGS says why).
    if (node.child === child) log(`${run}: node ${node.index} exited on its own (${code ?? signal})`)
  })
  const ready = await daemonReady(child, `testnet node ${node.index}`)
  node.up.push([Date.now(), Number.POSITIVE_INFINITY])
  node.agent = (await callControl(node.dataDir, 'testnet.status') as { agent: string }).agent
  return ready.addrs[0]!
}

export async function waitForMesh (nodes: readonly Node[], mode: GossipMode): Promise<void> {
  const deadline = Date.now() + MESH_TIMEOUT_MS
  for (;;) {
    const statuses = await Promise.all(nodes.map(n => callControl(n.dataDir, 'testnet.status') as Promise<{ peers: number, topicPeers: Record<string, number>, broadcastPeers: number }>))
    // A topic only one node listens to has nobody to mesh with; it is not waited for.
    const shared = (t: string): boolean => nodes.filter(n => n.interests.includes(t)).length > 1
    const lonely = nodes.filter((n, i) => {
      const s = statuses[i]!
      return s.peers === 0 || (mode === 'full-body' ? s.broadcastPeers === 0 : n.interests.some(t => shared(t) && (s.topicPeers[t] ?? 0) === 0))
    })
    if (lonely.length === 0) return
    if (Date.now() > deadline) throw new Error(`the testnet did not form a gossip mesh within ${MESH_TIMEOUT_MS / 1000} s (nodes without topic peers: ${lonely.map(n => n.index).join(', ')})`)
    await sleep(500)
  }
}

/** Keep what a node saw and wrote before its process goes away (nothing, if it died on its own: its log says why). */
export async function collect (node: Node): Promise<void> {
  if (node.child === undefined) return
  let report: { received: Node['received'], rejected: Record<string, number>, bodiesMissing: number }
  try {
    report = await callControl(node.dataDir, 'testnet.received') as typeof report
  } catch {
    return
  }
  const { received, rejected, bodiesMissing } = report
  node.received.push(...received)
  for (const [why, n] of Object.entries(rejected)) node.rejected[why] = (node.rejected[why] ?? 0) + n
  node.bodiesMissing += bodiesMissing
  const usage = await processUsage(node)
  node.bytes += usage.bytes
  node.cpuMs += usage.cpuMs
  node.lagMaxMs = Math.max(node.lagMaxMs, usage.lagMaxMs)
}

interface Usage { at: number, bytes: number, cpuMs: number, lagMaxMs: number }

/** Bytes written and CPU used by the running processes of `nodes`, plus what their killed processes used before. */
async function usageOf (nodes: readonly Node[]): Promise<Usage> {
  const usage = { at: 0, bytes: 0, cpuMs: 0, lagMaxMs: 0 }
  for (const node of nodes) {
    const now = await processUsage(node)
    // Read one after another, on a loaded machine over seconds: the usage is as of the mean reading time.
    usage.at += Date.now() / nodes.length
    usage.bytes += now.bytes
    usage.cpuMs += node.cpuMs + now.cpuMs
    usage.lagMaxMs = Math.max(usage.lagMaxMs, now.lagMaxMs)
  }
  return usage
}

export async function processUsage (node: Node): Promise<Omit<Usage, 'at'>> {
  const none = { bytes: 0, cpuMs: 0, lagMaxMs: 0 }
  if (node.child === undefined) return none
  return await (callControl(node.dataDir, 'testnet.usage') as Promise<Omit<Usage, 'at'>>).catch(() => none)
}

/** Cores used between two readings of CPU time (ms of CPU per ms of wall time), to 2 decimals. */
export const coresUsed = (from: Pick<Usage, 'at' | 'cpuMs'>, to: Pick<Usage, 'at' | 'cpuMs'>): number => Number(((to.cpuMs - from.cpuMs) / Math.max(1, to.at - from.at)).toFixed(2))

export async function kill (node: Node): Promise<void> {
  await collect(node)
  const child = node.child!
  node.child = undefined
  node.addr = undefined
  node.up.at(-1)![1] = Date.now()
  await new Promise<void>(resolve => { child.once('exit', () => resolve()); child.kill('SIGKILL') })
}

export async function stop (node: Node): Promise<void> {
  const child = node.child
  if (child === undefined || child.exitCode !== null) return
  node.child = undefined
  await new Promise<void>(resolve => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => { clearTimeout(hard); resolve() })
    child.kill('SIGTERM')
  })
}

export interface DaemonReady { peerId: string, addrs: string[] }

/** The ready line a `hearth daemon --json` prints once it is up (a complete line, never a fragment). */
export function daemonReady (child: ChildProcess, what: string, timeoutMs = START_TIMEOUT_MS): Promise<DaemonReady> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs / 1000} s`)), timeoutMs)
    child.stdout!.on('data', d => {
      out += d
      const line = out.split('\n').slice(0, -1).find(l => l.startsWith('{'))
      if (line !== undefined) { clearTimeout(timer); resolve(JSON.parse(line) as DaemonReady) }
    })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}`)) })
  })
}

function pickChurned (nodes: readonly Node[], churn: number, random: () => number, windowMs: number): Array<{ node: Node, atMs: number }> {
  // The bootstrap node stays up, so the restarted ones have somewhere to rejoin.
  const candidates = nodes.slice(1)
  const count = Math.min(candidates.length, Math.round(churn * nodes.length))
  const shuffled = [...candidates].sort(() => random() - 0.5)
  return shuffled.slice(0, count).map(node => ({ node, atMs: Math.floor(random() * Math.max(1, windowMs - DOWNTIME_MS)) }))
}

export function quantile (sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

function round (x: number, digits: number): number {
  return Number(x.toFixed(digits))
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
