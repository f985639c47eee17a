import { InvalidPolicySettingError } from '../api/errors.ts'
import type { RefusalReason } from '../api/policy.ts'
import type { Database } from '../store/database.ts'

// Whether this agent serves at all (the person may pause it or take it offline) and how many tasks each capability may
// serve in a day. Both survive restarts; both answer before the constraints count a request.

export const SERVING_STATES = ['on', 'paused', 'offline'] as const
export type ServingState = typeof SERVING_STATES[number]

/** Midnight of `now`'s day on this machine's clock: a daily limit resets when the person's day does. */
export function startOfDay (now: number): number {
  const day = new Date(now)
  day.setHours(0, 0, 0, 0)
  return day.getTime()
}

export class Serving {
  private readonly db: Database
  private readonly now: () => number

  constructor (db: Database, now: () => number) {
    this.db = db
    this.now = now
  }

  state (): ServingState {
    const row = this.db.prepare('SELECT state FROM serving_state WHERE id = 1').get() as { state: ServingState } | undefined
    return row?.state ?? 'on'
  }

  setState (state: ServingState): void {
    if (!(SERVING_STATES as readonly string[]).includes(state)) throw new InvalidPolicySettingError(`"${String(state)}" is not a serving state (on, paused or offline)`)
    this.db.prepare('INSERT INTO serving_state (id, state, changed_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at').run(state, this.now())
  }

  dailyLimit (capability: string): number | undefined {
    const row = this.db.prepare('SELECT max_per_day FROM daily_limits WHERE capability = ?').get(capability) as { max_per_day: number } | undefined
    return row?.max_per_day
  }

  /** Null removes the limit. */
  setDailyLimit (capability: string, limit: number | null): number | undefined {
    if (limit === null) {
      this.db.prepare('DELETE FROM daily_limits WHERE capability = ?').run(capability)
      return undefined
    }
    if (!(Number.isSafeInteger(limit) && limit >= 0)) throw new InvalidPolicySettingError(`a daily limit is a whole number of tasks, 0 or more, not ${limit}`)
    this.db.prepare('INSERT INTO daily_limits (capability, max_per_day) VALUES (?, ?) ON CONFLICT (capability) DO UPDATE SET max_per_day = excluded.max_per_day').run(capability, limit)
    return limit
  }

  /** Tasks of a capability admitted since midnight (every topic, every peer). */
  servedToday (capability: string): number {
    const row = this.db.prepare('SELECT count(*) AS n FROM served_tasks WHERE capability = ? AND at >= ?').get(capability, startOfDay(this.now())) as { n: number }
    return row.n
  }

  /** Why a request for this capability is not served now, or undefined when serving may go on to the constraints. */
  hold (capability: string): RefusalReason | undefined {
    const state = this.state()
    if (state !== 'on') return { code: 'serving-paused', state }
    const limit = this.dailyLimit(capability)
    if (limit === undefined) return undefined
    const used = this.servedToday(capability)
    return used >= limit ? { code: 'daily-limit-reached', limit, used } : undefined
  }
}
