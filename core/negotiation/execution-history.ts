import { softTransaction, type Database } from '../store/database.ts'
import type { ProviderProfile } from './best-response.ts'

// The provider's memory of its own work (migration 12): each awarded execution, how long it took and whether it delivered.
// Its offers' ETA and quality come from the recent executions of the capability asked for, not from fixed defaults.

export interface Execution {
  readonly task: string
  readonly capability: string
  readonly startedAt: number
  readonly durationMs: number
  readonly ok: boolean
}

export interface MeasuredCapability {
  /** Executions considered (the most recent, at most RECENT). */
  readonly samples: number
  /** Median duration of the ones that delivered; undefined when none did. */
  readonly p50Ms: number | undefined
  readonly successRate: number
}

/** How many recent executions an offer looks at. */
export const RECENT_EXECUTIONS = 50
/** Rows kept per capability: the window, with room to spare; older ones are dropped on insert. */
const KEPT_PER_CAPABILITY = 200
const PRUNE_EVERY = 32
/** Capabilities whose recent executions are kept in memory (an agent serves a handful). */
const MAX_CACHED_CAPABILITIES = 256
/** Below this many executions the ETA stays the configured one: one fast run says little. */
const MIN_SAMPLES_FOR_ETA = 3
/** How many pseudo-executions at the configured quality the measured success rate is blended with (a newcomer's few runs move it gently). */
const PRIOR_WEIGHT = 4

type Row = Record<string, unknown>

export class ExecutionHistory {
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>
  /** The recent executions per capability, newest first, read once from the store: every offer asks, every award adds one. */
  private readonly recent = new Map<string, Array<{ durationMs: number, ok: boolean }>>()
  private inserts = 0

  constructor (db: Database) {
    this.db = db
    this.sql = prepare(db)
  }

  /** Soft: a measurement, not a decision; losing the last few to a power cut only makes the next quotes a little older. */
  record (e: Execution): void {
    const durationMs = Math.max(0, Math.round(e.durationMs))
    softTransaction(this.db, () => {
      this.sql.insert.run(e.task, e.capability, e.startedAt, durationMs, e.ok ? 1 : 0)
      // Pruning scans the capability's rows: once in a while is enough to keep the table near its size.
      if (++this.inserts % PRUNE_EVERY === 0) this.sql.prune.run(e.capability, e.capability, KEPT_PER_CAPABILITY)
    })
    const recent = this.recent.get(e.capability)
    if (recent !== undefined) {
      recent.unshift({ durationMs, ok: e.ok })
      if (recent.length > RECENT_EXECUTIONS) recent.pop()
    }
  }

  /** The recent executions of a capability: how many, their median duration when delivered, the share delivered. */
  measured (capability: string): MeasuredCapability {
    let rows = this.recent.get(capability)
    if (rows === undefined) {
      rows = (this.sql.recent.all(capability, RECENT_EXECUTIONS) as Row[]).map(r => ({ durationMs: r.duration_ms as number, ok: r.ok === 1 }))
      if (this.recent.size >= MAX_CACHED_CAPABILITIES) this.recent.delete(this.recent.keys().next().value as string)
      this.recent.set(capability, rows)
    }
    const durations = rows.filter(r => r.ok).map(r => r.durationMs).sort((a, b) => a - b)
    return {
      samples: rows.length,
      p50Ms: durations.length === 0 ? undefined : durations[(durations.length - 1) >> 1],
      successRate: rows.length === 0 ? 0 : durations.length / rows.length
    }
  }

  /** The configured profile with ETA, quality and failure rate taken from what this provider measured of itself. */
  profileFor<P extends Pick<ProviderProfile, 'etaMs' | 'quality' | 'failureRate'>> (capability: string, configured: P): P {
    const m = this.measured(capability)
    if (m.samples === 0) return configured
    const quality = (m.successRate * m.samples + configured.quality * PRIOR_WEIGHT) / (m.samples + PRIOR_WEIGHT)
    const failures = ((1 - m.successRate) * m.samples + configured.failureRate * PRIOR_WEIGHT) / (m.samples + PRIOR_WEIGHT)
    const etaMs = m.p50Ms !== undefined && m.samples >= MIN_SAMPLES_FOR_ETA ? Math.max(1, m.p50Ms) : configured.etaMs
    return { ...configured, etaMs, quality: round3(quality), failureRate: round3(failures) }
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000

function prepare (db: Database) {
  return {
    insert: db.prepare('INSERT OR REPLACE INTO task_executions (task, capability, started_at, duration_ms, ok) VALUES (?, ?, ?, ?, ?)'),
    prune: db.prepare(`DELETE FROM task_executions WHERE capability = ? AND task NOT IN (
      SELECT task FROM task_executions WHERE capability = ? ORDER BY started_at DESC, task LIMIT ?)`),
    recent: db.prepare('SELECT duration_ms, ok FROM task_executions WHERE capability = ? ORDER BY started_at DESC, task LIMIT ?')
  }
}
