import type { ConstraintScope, ConstraintSetting, CooperationConstraints, DataClass } from '../api/policy.ts'
import type { Database } from '../store/database.ts'

// Persistence of cooperation constraints and of the tasks they admitted (migration 6). '*' is every capability or topic.

export const ANY = '*'

type Row = Record<string, unknown>

/** A stored scope row: capability and topic, '*' for any. */
export interface ScopeKey { readonly capability: string, readonly topic: string }

export const scopeKey = (scope: ConstraintScope): ScopeKey => ({ capability: scope.capability, topic: scope.topic ?? ANY })
export const scopeOf = (key: ScopeKey): ConstraintScope => key.topic === ANY ? { capability: key.capability } : { capability: key.capability, topic: key.topic }

export class ConstraintStore {
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.sql = prepare(db)
  }

  save (key: ScopeKey, c: CooperationConstraints): void {
    this.sql.upsert.run({
      capability: key.capability,
      topic: key.topic,
      minTrust: c.minRequesterTrust,
      maxInput: c.maxInputBytes,
      peerLimit: c.perPeer.limit,
      peerWindow: c.perPeer.windowMs,
      overallLimit: c.overall.limit,
      overallWindow: c.overall.windowMs,
      classes: JSON.stringify(c.allowedDataClasses),
      floor: c.priceFloor
    })
  }

  remove (key: ScopeKey): boolean {
    return this.sql.remove.run(key.capability, key.topic).changes > 0
  }

  /** The most specific setting for a capability in a topic: exact, then any topic, then any capability, then both. */
  closest (capability: string, topic: string): ConstraintSetting | undefined {
    const row = this.sql.closest.get({ capability, topic }) as Row | undefined
    return row === undefined ? undefined : setting(row)
  }

  all (): ConstraintSetting[] {
    return (this.sql.all.all() as Row[]).map(setting)
  }

  recordServed (capability: string, topic: string, peer: Uint8Array, at: number): void {
    this.sql.served.run(capability, topic, peer, at)
  }

  /** Tasks admitted since `since` within a scope ('*' matching all), from one peer when given. */
  countServed (key: ScopeKey, since: number, peer?: Uint8Array): number {
    return this.sql.count.get({ capability: key.capability, topic: key.topic, since, peer: peer ?? null }) as number
  }

  /** Forget admitted tasks older than any window can reach. */
  pruneServed (before: number): number {
    return this.sql.prune.run(before).changes
  }
}

function setting (row: Row): ConstraintSetting {
  return {
    scope: scopeOf({ capability: row.capability as string, topic: row.topic as string }),
    constraints: {
      minRequesterTrust: row.min_trust as number,
      maxInputBytes: row.max_input_bytes as number,
      perPeer: { limit: row.peer_limit as number, windowMs: row.peer_window_ms as number },
      overall: { limit: row.overall_limit as number, windowMs: row.overall_window_ms as number },
      allowedDataClasses: JSON.parse(row.data_classes as string) as DataClass[],
      priceFloor: row.price_floor as number
    }
  }
}

function prepare (db: Database) {
  const columns = 'capability, topic, min_trust, max_input_bytes, peer_limit, peer_window_ms, overall_limit, overall_window_ms, data_classes, price_floor'
  return {
    upsert: db.prepare(`INSERT INTO policy_constraints (${columns})
      VALUES (@capability, @topic, @minTrust, @maxInput, @peerLimit, @peerWindow, @overallLimit, @overallWindow, @classes, @floor)
      ON CONFLICT (capability, topic) DO UPDATE SET min_trust = excluded.min_trust, max_input_bytes = excluded.max_input_bytes,
        peer_limit = excluded.peer_limit, peer_window_ms = excluded.peer_window_ms, overall_limit = excluded.overall_limit,
        overall_window_ms = excluded.overall_window_ms, data_classes = excluded.data_classes, price_floor = excluded.price_floor`),
    remove: db.prepare('DELETE FROM policy_constraints WHERE capability = ? AND topic = ?'),
    // The four candidate rows at most; a named capability beats a named topic.
    closest: db.prepare(`SELECT ${columns} FROM policy_constraints WHERE capability IN (@capability, '*') AND topic IN (@topic, '*')
      ORDER BY capability = '*', topic = '*' LIMIT 1`),
    all: db.prepare(`SELECT ${columns} FROM policy_constraints ORDER BY capability, topic`),
    served: db.prepare('INSERT INTO served_tasks (capability, topic, peer, at) VALUES (?, ?, ?, ?)'),
    count: db.prepare(`SELECT count(*) FROM served_tasks WHERE at > @since
      AND (@capability = '*' OR capability = @capability) AND (@topic = '*' OR topic = @topic) AND (@peer IS NULL OR peer = @peer)`).pluck(),
    prune: db.prepare('DELETE FROM served_tasks WHERE at <= ?')
  }
}
