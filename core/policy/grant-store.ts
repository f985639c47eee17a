import type { ApprovalMode, ApprovalRule, Grant, TaskDirection } from '../api/policy.ts'
import { baidIdOf } from '../identity/ids.ts'
import type { Database } from '../store/database.ts'
import { ANY } from './constraint-store.ts'

// Grants and standing approval rules (migration 6). A grant is one peer's standing yes for a capability (and topic) until it
// expires or is revoked; rows are never deleted, so what was granted stays on record.

export interface NewGrant {
  readonly id: string
  readonly direction: TaskDirection
  readonly peer: Uint8Array
  readonly capability: string
  readonly topic?: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly approval?: string
}

type Row = Record<string, unknown>

export class GrantStore {
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.sql = prepare(db)
  }

  insert (grant: NewGrant): Grant {
    this.sql.insert.run(grant.id, grant.direction, grant.peer, grant.capability, grant.topic ?? null, grant.createdAt, grant.expiresAt, grant.approval ?? null)
    return this.get(grant.id) as Grant
  }

  get (id: string): Grant | undefined {
    const row = this.sql.get.get(id) as Row | undefined
    return row === undefined ? undefined : toGrant(row)
  }

  /** Grants in force at `now`, or every grant ever made (expired and revoked too) when `now` is undefined; newest first. */
  list (now: number | undefined): Grant[] {
    return ((now === undefined ? this.sql.all.all() : this.sql.active.all(now)) as Row[]).map(toGrant)
  }

  /** Revoke a grant still in force; false when it already was revoked. */
  revoke (id: string, at: number): boolean {
    return this.sql.revoke.run(at, id).changes > 0
  }

  /** A grant in force for this peer, capability and topic: one for the topic or for every topic; the longest-lived first. */
  match (direction: TaskDirection, peer: Uint8Array, capability: string, topic: string, now: number): Grant | undefined {
    const row = this.sql.match.get({ direction, peer, capability, topic, now }) as Row | undefined
    return row === undefined ? undefined : toGrant(row)
  }

  setRule (rule: ApprovalRule): void {
    this.sql.setRule.run(rule.direction, rule.capability, rule.topic ?? ANY, rule.mode)
  }

  removeRule (direction: TaskDirection, capability: string, topic?: string): boolean {
    return this.sql.removeRule.run(direction, capability, topic ?? ANY).changes > 0
  }

  rules (): ApprovalRule[] {
    return (this.sql.rules.all() as Row[]).map(row => {
      const base = { direction: row.direction as TaskDirection, capability: row.capability as string, mode: row.mode as ApprovalMode }
      return row.topic === ANY ? base : { ...base, topic: row.topic as string }
    })
  }

  /** The person's most specific standing answer for a capability in a topic, if any. */
  closestRule (direction: TaskDirection, capability: string, topic: string): ApprovalMode | undefined {
    return this.sql.closestRule.get({ direction, capability, topic }) as ApprovalMode | undefined
  }
}

function toGrant (row: Row): Grant {
  return {
    id: row.id as string,
    direction: row.direction as TaskDirection,
    peer: baidIdOf(row.peer as Buffer),
    capability: row.capability as string,
    ...(row.topic === null ? {} : { topic: row.topic as string }),
    createdAt: row.created_at as number,
    expiresAt: row.expires_at as number,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at as number })
  }
}

function prepare (db: Database) {
  const columns = 'id, direction, peer, capability, topic, created_at, expires_at, revoked_at'
  return {
    insert: db.prepare('INSERT INTO grants (id, direction, peer, capability, topic, created_at, expires_at, approval) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    get: db.prepare(`SELECT ${columns} FROM grants WHERE id = ?`),
    all: db.prepare(`SELECT ${columns} FROM grants ORDER BY created_at DESC, id`),
    active: db.prepare(`SELECT ${columns} FROM grants WHERE revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id`),
    revoke: db.prepare('UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    match: db.prepare(`SELECT ${columns} FROM grants WHERE peer = @peer AND capability = @capability AND direction = @direction
      AND (topic IS NULL OR topic = @topic) AND revoked_at IS NULL AND expires_at > @now ORDER BY expires_at DESC LIMIT 1`),
    setRule: db.prepare('INSERT INTO approval_rules (direction, capability, topic, mode) VALUES (?, ?, ?, ?) ON CONFLICT (direction, capability, topic) DO UPDATE SET mode = excluded.mode'),
    removeRule: db.prepare('DELETE FROM approval_rules WHERE direction = ? AND capability = ? AND topic = ?'),
    rules: db.prepare('SELECT direction, capability, topic, mode FROM approval_rules ORDER BY direction, capability, topic'),
    closestRule: db.prepare(`SELECT mode FROM approval_rules WHERE direction = @direction AND capability IN (@capability, '*') AND topic IN (@topic, '*')
      ORDER BY capability = '*', topic = '*' LIMIT 1`).pluck()
  }
}
