import { softTransaction, type Database } from '../store/database.ts'
import { hex } from '../identity/ids.ts'

// Relative trust over time (migration 9), for the Trust view's chart: a point whenever a recompute changed a peer's relative
// trust in a topic, and at most `maxPoints` per peer and topic — the oldest go first.

export interface TrustHistoryInit {
  /** Points kept per peer and topic. */
  readonly maxPoints?: number
  /** A change smaller than this is not a new point (recomputes jitter in the last digits). */
  readonly minChange?: number
}

export interface TrustPointRow { readonly at: number, readonly relative: number }

export const DEFAULT_MAX_POINTS = 256
const DEFAULT_MIN_CHANGE = 1e-3
/** The in-memory memo of last points is dropped past this many peer-topic pairs (read again from the table). */
const MAX_MEMO = 100_000

export class TrustHistory {
  private readonly sql: ReturnType<typeof prepare>
  private readonly db: Database
  private readonly maxPoints: number
  private readonly minChange: number
  /** The last recorded relative trust per `topic|peer`, so a recompute compares without reading the table. */
  private readonly last = new Map<string, number>()

  constructor (db: Database, init: TrustHistoryInit = {}) {
    this.db = db
    this.sql = prepare(db)
    this.maxPoints = Math.max(1, init.maxPoints ?? DEFAULT_MAX_POINTS)
    this.minChange = init.minChange ?? DEFAULT_MIN_CHANGE
  }

  /** Record the points of a topic's recompute that differ from each peer's last one; returns how many were new. */
  record (topic: string, points: Iterable<{ readonly peer: Uint8Array, readonly relative: number }>, at: number): number {
    return softTransaction(this.db, () => {
      let added = 0
      for (const { peer, relative } of points) {
        const key = `${topic}|${hex(peer)}`
        const previous = this.last.has(key) ? this.last.get(key) : this.sql.last.get(topic, peer) as number | undefined
        // A peer first seen with no trust has no history worth a point.
        if (previous === undefined ? relative === 0 : Math.abs(previous - relative) < this.minChange) {
          if (previous !== undefined) this.remember(key, previous)
          continue
        }
        const value = Math.min(1, Math.max(0, relative))
        this.sql.insert.run(topic, peer, at, value)
        this.sql.trim.run(topic, peer, topic, peer, this.maxPoints)
        this.remember(key, value)
        added++
      }
      return added
    })
  }

  /** A peer's points in a topic, oldest first. */
  points (peer: Uint8Array, topic: string): TrustPointRow[] {
    return this.sql.points.all(topic, peer) as TrustPointRow[]
  }

  private remember (key: string, value: number): void {
    if (this.last.size >= MAX_MEMO && !this.last.has(key)) this.last.clear()
    this.last.set(key, value)
  }
}

function prepare (db: Database) {
  return {
    last: db.prepare('SELECT relative FROM trust_history WHERE topic = ? AND peer = ? ORDER BY at DESC LIMIT 1').pluck(),
    // Two recomputes in one millisecond: the later value stands.
    insert: db.prepare('INSERT INTO trust_history (topic, peer, at, relative) VALUES (?, ?, ?, ?) ON CONFLICT (topic, peer, at) DO UPDATE SET relative = excluded.relative'),
    trim: db.prepare(`DELETE FROM trust_history WHERE topic = ? AND peer = ? AND at <= (
      SELECT at FROM trust_history WHERE topic = ? AND peer = ? ORDER BY at DESC LIMIT 1 OFFSET ?)`),
    points: db.prepare('SELECT at, relative FROM trust_history WHERE topic = ? AND peer = ? ORDER BY at')
  }
}
