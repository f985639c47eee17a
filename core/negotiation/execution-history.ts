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
/** Below this many executions the ETA stays the configured one: one fast run says little. */
const MIN_SAMPLES_FOR_ETA = 3
/** How many pseudo-executions at the configured quality the measured success rate is blended with (a newcomer's few runs move it gently). */
const PRIOR_WEIGHT = 4

type Row = Record<string, unknown>

export class ExecutionHistory {
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.db = db
    this.sql = prepare(db)
  }

  /** Soft: a measurement, not a decision; losing the last few to a power cut only makes the next quotes a little older. */
  record (e: Execution): void {
    softTransaction(this.db, () => {
      this.sql.insert.run(e.task, e.capability, e.startedAt, Math.max(0, Math.round(e.durationMs)), e.ok ? 1 : 0)
      this.sql.prune.run(e.capability, e.capability, KEPT_PER_CAPABILITY)
    })
  }

  /** The recent executions of a capability: how many, their median duration when delivered, the share delivered. */
  measured (capability: string): MeasuredCapability {
    const rows = this.sql.recent.all(capability, RECENT_EXECUTIONS) as Row[]
    const durations = rows.filter(r => r.ok === 1).map(r => r.duration_ms as number).sort((a, b) => a - b)
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
