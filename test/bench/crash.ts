import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import BetterSqlite3 from 'better-sqlite3'
import { APP_ROOT } from '../../core/common/paths.ts'
import { createRandom } from '../../core/common/random.ts'
import { DATABASE_FILE } from '../../core/host.ts'
import { bundleScript } from '../../core/daemon/testnet/orchestrator.ts'

// `bench crash` (issue 7 §3): a real child process (test/bench/crash-worker.ts: the app core over a real data directory)
// writes approvals, decisions, receipts and ratings and acknowledges each once the app has committed it; it is SIGKILLed at a
// seeded random moment, restarted, and checked: every acknowledged write present, `PRAGMA integrity_check` ok, the approval
// queue exactly what was left pending, and no decision half-applied (its grant and audit line with it, a receipt with its rating).

export interface CrashOptions {
  readonly kills: number
  readonly seed?: number
  /** The kill lands this long after the child starts writing: uniform in [min, max] ms. */
  readonly minDelayMs?: number
  readonly maxDelayMs?: number
  readonly log?: (line: string) => void
  /** Plant a durability bug in the child (receipts and ratings acknowledged before they are written): the harness's self-check. */
  readonly fault?: 'ack-before-write'
}

export interface CrashResult {
  kills: number
  /** Writes the child acknowledged (requests queued, decisions, receipts, ratings). */
  acknowledged: number
  /** Acknowledged writes missing, or not as acknowledged, after a restart. */
  lost: number
  integrity_failures: number
  /** Restarts after which the app's approval queue (`inbox.list`) was exactly the requests left pending. */
  queue_restored: number
  restarts: number
  seconds: number
  /** Decisions or receipts found partly written: a decision (anyone's) without its audit line or grant, a grant or audit line without its decision, a receipt without its rating. */
  half_applied: number
  /** Acknowledged while the connection was not at synchronous = FULL: safe from a crash, not from a power cut. */
  soft_acks: number
  /** The write in progress at a kill (begun, never acknowledged) turned out committed / not committed: both are allowed. */
  in_flight_committed: number
  in_flight_rolled_back: number
  acknowledged_by_kind: Record<WriteKind, number>
  /** The longest approval queue a restart had to restore. */
  queue_max: number
  kill_delay_ms: { min: number, max: number }
  startup_p50_ms: number
  rows: { approvals: number, receipts: number, ratings: number }
  target_lost: number
  target_integrity_failures: number
  target_met: boolean
}

type WriteKind = 'enqueue' | 'decide' | 'receipt' | 'rating'

interface Begin { begin: WriteKind, task?: string, id?: string, hash?: string }
interface Ack { ack: WriteKind, task?: string, id?: string, hash?: string, status?: string, decision?: string, grantId?: string, sync: number }
interface Ready { ready: true, pending: Array<{ id: string, task: string }>, startup_ms: number }

/** What an approval should look like now: pending, or decided as acknowledged. */
interface ExpectedApproval { status: string, decidedBy: 'person' | 'auto' | undefined, grantId: string | undefined, acked: boolean }

type Worker = ChildProcessByStdio<Writable, Readable, Readable>

const READY_TIMEOUT_MS = 120_000
const SYNCHRONOUS_FULL = 2

export async function benchCrash (options: CrashOptions): Promise<CrashResult> {
  const began = performance.now()
  const log = options.log ?? (() => {})
  const random = createRandom(options.seed ?? 1)
  const minDelay = options.minDelayMs ?? 5
  const maxDelay = options.maxDelayMs ?? 600
  const root = mkdtempSync(join(tmpdir(), 'hearth-crash-'))
  const bundleDir = join(APP_ROOT, '.hearth-test', basename(root))
  const dataDir = join(root, 'data')
  const passphrase = randomBytes(16).toString('hex')
  const epoch = Date.now()

  const approvals = new Map<string, ExpectedApproval>()
  const queue = new Set<string>()
  const receipts = new Set<string>()
  const lost = new Set<string>()
  const byKind: Record<WriteKind, number> = { enqueue: 0, decide: 0, receipt: 0, rating: 0 }
  const startups: number[] = []
  let acknowledged = 0
  let softAcks = 0
  let integrityFailures = 0
  let halfApplied = 0
  let queueRestored = 0
  let restarts = 0
  let inFlightCommitted = 0
  let inFlightRolledBack = 0
  let rows = { approvals: 0, receipts: 0, ratings: 0 }
  let queueMax = 0
  // The write in progress when the child died (begun, never acknowledged): reconciled at the next check.
  let previousInFlight: Begin | undefined

  const onAck = (a: Ack): void => {
    acknowledged++
    byKind[a.ack]++
    if (a.sync !== SYNCHRONOUS_FULL) softAcks++
    if (a.ack === 'enqueue') {
      approvals.set(a.id!, { status: a.status!, decidedBy: a.status === 'pending' ? undefined : 'auto', grantId: undefined, acked: true })
      if (a.status === 'pending') queue.add(a.id!)
    } else if (a.ack === 'decide') {
      approvals.set(a.id!, { status: a.status!, decidedBy: 'person', grantId: a.grantId, acked: true })
      queue.delete(a.id!)
    } else {
      receipts.add(a.hash!)
    }
  }

  try {
    log(`bundling the worker; data directory ${dataDir}`)
    // One bundled file, so each of the many restarts loads one module instead of compiling TypeScript.
    const worker = await bundleScript(join(APP_ROOT, 'test/bench/crash-worker.ts'), join(bundleDir, 'crash-worker.mjs'))
    for (let run = 0; run <= options.kills; run++) {
      const child = startWorker(worker, { dataDir, passphrase, epoch, seed: options.seed ?? 1, run, fault: options.fault })
      const lines = createInterface({ input: child.stdout })
      const stderr: string[] = []
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr.push(chunk); if (stderr.length > 50) stderr.shift() })
      const exited = new Promise<number | string>(resolve => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)))
      let inFlight: Begin | undefined
      let ready: Ready | undefined
      let resolveReady!: (r: Ready) => void
      const readyPromise = new Promise<Ready>(resolve => { resolveReady = resolve })
      const closed = new Promise<void>(resolve => lines.once('close', resolve))
      lines.on('line', text => {
        let message: Partial<Begin & Ack & Ready>
        try { message = JSON.parse(text) } catch { return }
        if (message.ready === true) { ready = message as Ready; resolveReady(ready); return }
        if (message.begin !== undefined) inFlight = message as Begin
        if (message.ack !== undefined) { onAck(message as Ack); inFlight = undefined }
      })
      const failure = (what: string): Error => new Error(`crash worker (run ${run}) ${what}: ${stderr.join('').trim().split('\n').slice(-8).join('\n')}`)
      const first = await Promise.race([readyPromise, exited.then(code => ({ exit: code })), sleep(READY_TIMEOUT_MS).then(() => ({ timeout: true }))])
      if (!('ready' in first)) {
        child.kill('SIGKILL')
        throw failure('exit' in first ? `exited (${first.exit}) before it was ready` : `was not ready within ${READY_TIMEOUT_MS / 1000} s`)
      }
      startups.push(first.startup_ms)
      if (run > 0) {
        restarts++
        // The app reopened the queue from the database: it must be exactly the requests left pending.
        const shown = new Set(first.pending.map(p => p.id))
        queueMax = Math.max(queueMax, shown.size)
        const check = checkDatabase(join(dataDir, DATABASE_FILE), approvals, receipts, lost, previousInFlight)
        if (check.inFlight === 'committed') inFlightCommitted++
        if (check.inFlight === 'rolled-back') inFlightRolledBack++
        for (const id of check.adoptedPending) queue.add(id)
        for (const id of check.adoptedDecided) queue.delete(id)
        if (!check.integrityOk) integrityFailures++
        halfApplied += check.halfApplied
        rows = check.rows
        const exact = sameSet(shown, queue) && sameSet(check.pendingInDatabase, queue)
        if (exact) queueRestored++
        else log(`run ${run}: queue not restored: app shows ${shown.size}, database has ${check.pendingInDatabase.size}, expected ${queue.size}`)
        if (!check.integrityOk) log(`run ${run}: integrity_check: ${check.integrity}`)
      }
      if (run === options.kills) {
        child.stdin.write('stop\n')
        const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout')])
        if (code !== 0) { child.kill('SIGKILL'); throw failure(`did not stop cleanly (${String(code)})`) }
        break
      }
      child.stdin.write('go\n')
      await sleep(minDelay + random() * (maxDelay - minDelay))
      child.kill('SIGKILL')
      const how = await exited
      await closed
      if (how !== 'SIGKILL') throw failure(`ended (${String(how)}) before it was killed`)
      previousInFlight = inFlight
      if ((run + 1) % 10 === 0 || run === 0) log(`kill ${run + 1}/${options.kills}: ${acknowledged} acknowledged, ${lost.size} lost, ${integrityFailures} integrity failures, queue ${queue.size}`)
    }
    // After the clean stop: the file as the app left it, checked once more.
    const final = checkDatabase(join(dataDir, DATABASE_FILE), approvals, receipts, lost, undefined)
    if (!final.integrityOk) integrityFailures++
    halfApplied += final.halfApplied
    rows = final.rows
  } finally {
    rmSync(root, { recursive: true, force: true })
    rmSync(bundleDir, { recursive: true, force: true })
  }
  const sorted = [...startups].sort((a, b) => a - b)
  return {
    kills: options.kills,
    acknowledged,
    lost: lost.size,
    integrity_failures: integrityFailures,
    queue_restored: queueRestored,
    restarts,
    seconds: Math.round((performance.now() - began) / 100) / 10,
    half_applied: halfApplied,
    soft_acks: softAcks,
    in_flight_committed: inFlightCommitted,
    in_flight_rolled_back: inFlightRolledBack,
    acknowledged_by_kind: byKind,
    queue_max: queueMax,
    kill_delay_ms: { min: minDelay, max: maxDelay },
    startup_p50_ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
    rows,
    target_lost: 0,
    target_integrity_failures: 0,
    target_met: lost.size === 0 && integrityFailures === 0 && halfApplied === 0 && queueRestored === restarts
  }
}

interface Check {
  integrityOk: boolean
  integrity: string
  halfApplied: number
  pendingInDatabase: Set<string>
  adoptedPending: string[]
  adoptedDecided: string[]
  inFlight: 'committed' | 'rolled-back' | undefined
  rows: { approvals: number, receipts: number, ratings: number }
}

/**
 * The database as the restarted app opened it, read with our own queries (not the app's): intact, holding every acknowledged
 * write as acknowledged, and with every decision whole. The write in flight at the kill may have committed or not; whichever
 * it did is adopted, but it too must be whole.
 */
function checkDatabase (path: string, approvals: Map<string, ExpectedApproval>, receipts: Set<string>, lost: Set<string>, inFlight: Begin | undefined): Check {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 10000')
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(r => r.integrity_check).join('; ')
    const rows = db.prepare('SELECT id, task, status, decided_by AS decidedBy, grant_id AS grantId FROM approvals').all() as Array<{ id: string, task: string, status: string, decidedBy: string | null, grantId: string | null }>
    const byId = new Map(rows.map(r => [r.id, r]))
    const grants = new Map((db.prepare('SELECT id, approval FROM grants').all() as Array<{ id: string, approval: string | null }>).map(g => [g.id, g.approval]))
    const audited = new Set((db.prepare("SELECT ref FROM activity_log WHERE kind = 'approval' AND ref IS NOT NULL").pluck().all() as string[]))
    const receiptRows = new Set((db.prepare('SELECT hex(hash) FROM receipts').pluck().all() as string[]).map(h => h.toLowerCase()))
    const rated = new Set((db.prepare('SELECT DISTINCT hex(receipt) FROM ratings').pluck().all() as string[]).map(h => h.toLowerCase()))
    const ratingCount = db.prepare('SELECT count(*) FROM ratings').pluck().get() as number

    const adoptedPending: string[] = []
    const adoptedDecided: string[] = []
    let outcome: Check['inFlight']
    if (inFlight?.begin === 'enqueue') {
      const row = rows.find(r => r.task === inFlight.task)
      outcome = row === undefined ? 'rolled-back' : 'committed'
      if (row !== undefined) {
        approvals.set(row.id, { status: row.status, decidedBy: row.status === 'pending' ? undefined : 'auto', grantId: undefined, acked: false })
        if (row.status === 'pending') adoptedPending.push(row.id)
      }
    } else if (inFlight?.begin === 'decide') {
      const row = byId.get(inFlight.id!)
      outcome = row === undefined || row.status === 'pending' ? 'rolled-back' : 'committed'
      if (row !== undefined && row.status !== 'pending') {
        approvals.set(row.id, { status: row.status, decidedBy: 'person', grantId: row.grantId ?? undefined, acked: approvals.get(row.id)?.acked ?? false })
        adoptedDecided.push(row.id)
      }
    } else if (inFlight !== undefined) {
      outcome = receiptRows.has(inFlight.hash!) ? 'committed' : 'rolled-back'
    }

    // Acknowledged writes, each as it was acknowledged.
    for (const [id, expected] of approvals) {
      const row = byId.get(id)
      const asAcked = row !== undefined && row.status === expected.status &&
        (expected.decidedBy === 'person' ? row.decidedBy === 'person' && (row.grantId ?? undefined) === expected.grantId : true)
      if (!asAcked && expected.acked) lost.add(`approval ${id}`)
    }
    for (const hash of receipts) if (!receiptRows.has(hash)) lost.add(`receipt ${hash}`)

    // Whole or not at all: a decision with its audit line (and the person's with its grant), a grant only with its decision, a receipt with its rating.
    let halfApplied = 0
    for (const row of rows) {
      if (row.decidedBy === null) continue
      if (!audited.has(row.id)) halfApplied++
      if (row.decidedBy !== 'person') continue
      // A grant the person made from this request names it; a request a grant answered names that grant, made earlier.
      if (row.grantId !== null && grants.get(row.grantId) !== row.id) halfApplied++
    }
    for (const [grant, approval] of grants) if (approval !== null && byId.get(approval)?.grantId !== grant) halfApplied++
    for (const row of rows) if (row.decidedBy === 'grant' && (row.grantId === null || !grants.has(row.grantId))) halfApplied++
    for (const ref of audited) if (byId.has(ref) && byId.get(ref)!.status === 'pending') halfApplied++
    for (const hash of receiptRows) if (!rated.has(hash)) halfApplied++
    for (const hash of rated) if (!receiptRows.has(hash)) halfApplied++

    return {
      integrityOk: integrity === 'ok',
      integrity,
      halfApplied,
      pendingInDatabase: new Set(rows.filter(r => r.status === 'pending').map(r => r.id)),
      adoptedPending,
      adoptedDecided,
      inFlight: outcome,
      rows: { approvals: rows.length, receipts: receiptRows.size, ratings: ratingCount }
    }
  } finally {
    db.close()
  }
}

function startWorker (file: string, o: { dataDir: string, passphrase: string, epoch: number, seed: number, run: number, fault: CrashOptions['fault'] }): Worker {
  return spawn(process.execPath, [file, '--data-dir', o.dataDir, '--epoch', String(o.epoch), '--seed', String(o.seed), '--run', String(o.run)], {
    cwd: APP_ROOT,
    env: { ...process.env, HEARTH_PASSPHRASE: o.passphrase, HEARTH_APP_ROOT: APP_ROOT, HEARTH_CRASH_FAULT: o.fault },
    stdio: ['pipe', 'pipe', 'pipe']
  })
}

function sameSet (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false
  for (const x of a) if (!b.has(x)) return false
  return true
}

/** A pause that does not keep the process alive on its own (the races below leave their losers running). */
async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms).unref())
}
