import type { ApprovalRecord, ApprovalStatus, DecisionSource, EgressPreview, PendingApproval, TaskDirection } from '../api/policy.ts'
import { baidIdOf } from '../identity/ids.ts'
import type { Database } from '../store/database.ts'

// Every approval asked (migration 6): the pending rows are the queue, which reloads after a restart; decided rows are its history.

/** The task and the other party as asked: shared by a request and its stored row. */
export interface ApprovalSubject {
  readonly task: string
  /** The other party's BAID (32 bytes). */
  readonly peer: Uint8Array
  readonly peerId?: string
  readonly peerName?: string
  readonly trust?: number
  readonly capability: string
  readonly topic: string
  readonly price: number
  readonly egress?: EgressPreview
}

/** A request as it is stored. */
export interface NewApproval extends ApprovalSubject {
  readonly id: string
  readonly direction: TaskDirection
  readonly payloadPreview: string
  readonly requestedAt: number
  readonly deadline: number
}

export interface StoredDecision {
  readonly status: Exclude<ApprovalStatus, 'pending'>
  readonly decidedBy: DecisionSource
  readonly decidedAt: number
  readonly grantId?: string
}

type Row = Record<string, unknown>

export class ApprovalStore {
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.sql = prepare(db)
  }

  /** Store a request, pending or (decided at once by a grant, a rule or the headless rule) with its decision. */
  insert (approval: NewApproval, decision?: StoredDecision): ApprovalRecord {
    this.sql.insert.run({
      id: approval.id,
      task: approval.task,
      direction: approval.direction,
      peer: approval.peer,
      peerId: approval.peerId ?? null,
      peerName: approval.peerName ?? null,
      trust: approval.trust ?? null,
      capability: approval.capability,
      topic: approval.topic,
      price: approval.price,
      preview: approval.payloadPreview,
      egress: approval.egress === undefined ? null : JSON.stringify(approval.egress),
      requestedAt: approval.requestedAt,
      deadline: approval.deadline,
      status: decision?.status ?? 'pending',
      decidedBy: decision?.decidedBy ?? null,
      decidedAt: decision?.decidedAt ?? null,
      grantId: decision?.grantId ?? null
    })
    return this.get(approval.id) as ApprovalRecord
  }

  get (id: string): ApprovalRecord | undefined {
    const row = this.sql.get.get(id) as Row | undefined
    return row === undefined ? undefined : toRecord(row)
  }

  byTask (direction: TaskDirection, task: string): ApprovalRecord | undefined {
    const row = this.sql.byTask.get(direction, task) as Row | undefined
    return row === undefined ? undefined : toRecord(row)
  }

  /** Decide a pending request; false when it is no longer pending. */
  decide (id: string, decision: StoredDecision): boolean {
    return this.sql.decide.run(decision.status, decision.decidedBy, decision.decidedAt, decision.grantId ?? null, id).changes > 0
  }

  /** The queue, soonest deadline first. */
  pending (): ApprovalRecord[] {
    return (this.sql.pending.all() as Row[]).map(toRecord)
  }

  pendingCount (): number {
    return this.sql.pendingCount.pluck().get() as number
  }

  /** Ids of pending requests whose deadline is at or before `now`. */
  overdue (now: number): string[] {
    return this.sql.overdue.all(now) as string[]
  }

  nextDeadline (): number | undefined {
    return (this.sql.nextDeadline.get() as number | null) ?? undefined
  }

  /** Decided requests, newest first. */
  history (limit: number): ApprovalRecord[] {
    return (this.sql.history.all(limit) as Row[]).map(toRecord)
  }
}

function toRecord (row: Row): ApprovalRecord {
  const peer = {
    baidId: baidIdOf(row.peer as Buffer),
    ...(row.peer_id === null ? {} : { peerId: row.peer_id as string }),
    ...(row.peer_name === null ? {} : { name: row.peer_name as string }),
    ...(row.trust === null ? {} : { trust: row.trust as number })
  }
  const pending: PendingApproval = {
    id: row.id as string,
    task: row.task as string,
    direction: row.direction as TaskDirection,
    peer,
    capability: row.capability as string,
    topic: row.topic as string,
    price: row.price as number,
    payloadPreview: row.payload_preview as string,
    ...(row.egress === null ? {} : { egress: JSON.parse(row.egress as string) as EgressPreview }),
    requestedAt: row.requested_at as number,
    deadline: row.deadline as number
  }
  return {
    ...pending,
    status: row.status as ApprovalStatus,
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by as DecisionSource, decidedAt: row.decided_at as number }),
    ...(row.grant_id === null ? {} : { grantId: row.grant_id as string })
  }
}

function prepare (db: Database) {
  const columns = `id, task, direction, peer, peer_id, peer_name, trust, capability, topic, price, payload_preview, egress, requested_at, deadline,
    status, decided_by, decided_at, grant_id`
  return {
    insert: db.prepare(`INSERT INTO approvals (${columns}) VALUES (@id, @task, @direction, @peer, @peerId, @peerName, @trust, @capability, @topic,
      @price, @preview, @egress, @requestedAt, @deadline, @status, @decidedBy, @decidedAt, @grantId)`),
    get: db.prepare(`SELECT ${columns} FROM approvals WHERE id = ?`),
    byTask: db.prepare(`SELECT ${columns} FROM approvals WHERE direction = ? AND task = ?`),
    decide: db.prepare("UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, grant_id = ? WHERE id = ? AND status = 'pending'"),
    pending: db.prepare(`SELECT ${columns} FROM approvals WHERE status = 'pending' ORDER BY deadline, id`),
    pendingCount: db.prepare("SELECT count(*) FROM approvals WHERE status = 'pending'"),
    overdue: db.prepare("SELECT id FROM approvals WHERE status = 'pending' AND deadline <= ? ORDER BY deadline").pluck(),
    nextDeadline: db.prepare("SELECT min(deadline) FROM approvals WHERE status = 'pending'").pluck(),
    history: db.prepare(`SELECT ${columns} FROM approvals WHERE status != 'pending' ORDER BY decided_at DESC, id LIMIT ?`)
  }
}
