import type { ActivityEntry } from '../api/app.ts'
import type { Database } from '../store/database.ts'

// The audit log the Activity view reads: one line per decision or outcome, appended in the decision's transaction where
// the app core makes the decision itself.

export type NewActivity = Omit<ActivityEntry, 'id' | 'at'>

const MAX_SUMMARY = 1024
const DEFAULT_LIMIT = 100

interface Row { id: number, at: number, kind: ActivityEntry['kind'], summary: string, ref: string | null }

export class ActivityLog {
  private readonly db: Database
  private readonly now: () => number

  constructor (db: Database, now: () => number) {
    this.db = db
    this.now = now
  }

  append (entry: NewActivity): ActivityEntry {
    const summary = entry.summary.length > MAX_SUMMARY ? `${entry.summary.slice(0, MAX_SUMMARY - 1)}…` : entry.summary
    const at = this.now()
    const ref = entry.ref?.slice(0, 256)
    const { lastInsertRowid } = this.db.prepare('INSERT INTO activity_log (at, kind, summary, ref) VALUES (?, ?, ?, ?)').run(at, entry.kind, summary, ref ?? null)
    return { id: Number(lastInsertRowid), at, kind: entry.kind, summary, ...(ref === undefined ? {} : { ref }) }
  }

  /** Newest first; `before` pages back from an entry id. */
  list ({ limit = DEFAULT_LIMIT, before }: { limit?: number, before?: number } = {}): ActivityEntry[] {
    const rows = this.db.prepare('SELECT id, at, kind, summary, ref FROM activity_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(before ?? Number.MAX_SAFE_INTEGER, limit) as Row[]
    return rows.map(r => ({ id: r.id, at: r.at, kind: r.kind, summary: r.summary, ...(r.ref === null ? {} : { ref: r.ref }) }))
  }
}
