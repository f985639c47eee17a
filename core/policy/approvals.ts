import { randomUUID } from 'node:crypto'
import { ApprovalAlreadyDecidedError, InvalidPolicySettingError, UnknownApprovalError, UnknownGrantError } from '../api/errors.ts'
import type { ApprovalRecord, ApprovalRule, Decision, Grant, PendingApproval, TaskDirection } from '../api/policy.ts'
import { TypedEvents } from '../common/events.ts'
import { genesisHashOf } from '../identity/ids.ts'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import { ApprovalStore, type ApprovalSubject, type NewApproval, type StoredDecision } from './approval-store.ts'
import { GrantStore } from './grant-store.ts'

// The approval queue (issue 5 §2): ask the person by default; a grant or the person's standing rule may answer instead;
// with no person attached and nothing that answers, the answer is deny — never an automatic yes.

export interface PolicyEvents extends Record<string, unknown> {
  'approval:requested': PendingApproval
  'approval:decided': ApprovalRecord
  'grant:created': Grant
  'grant:revoked': Grant
}

/** What the plane needs to ask: the task, the other party, and what would be sent or served. */
export interface ApprovalAsk extends ApprovalSubject {
  readonly direction?: TaskDirection
  readonly payload: unknown
  /** When an unanswered request is denied as expired; the default timeout from now when absent. */
  readonly deadline?: number
}

export interface ApprovalsOptions {
  readonly now: () => number
  /** Whether a person is attached to answer; read at each request. */
  readonly interactive: () => boolean
  readonly timeoutMs: number
}

export interface GrantScope {
  readonly direction?: TaskDirection
  readonly peer: Uint8Array
  readonly capability: string
  readonly topic?: string
}

const PREVIEW_CHARS = 2048
const MAX_TIMER_MS = 2 ** 31 - 1

interface Waiter { resolve: (record: ApprovalRecord) => void, reject: (reason: unknown) => void }

export class Approvals {
  readonly events = new TypedEvents<PolicyEvents>()
  readonly store: ApprovalStore
  readonly grantStore: GrantStore
  private readonly db: Database
  private readonly options: ApprovalsOptions
  private readonly waiters = new Map<string, Set<Waiter>>()
  private readonly journals = new Set<(record: ApprovalRecord) => void>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  /** Opening reloads the queue: requests still pending from before a restart wait again; those past their deadline expire. */
  constructor (db: Database, options: ApprovalsOptions) {
    this.db = db
    this.options = options
    this.store = new ApprovalStore(db)
    this.grantStore = new GrantStore(db)
    this.expireOverdue()
  }

  /**
   * Have `write` called inside every decision's transaction, whoever decided (the app's audit line): what it writes commits or
   * rolls back with the decision, so no decision is ever without its line, even across a crash.
   */
  journal (write: (record: ApprovalRecord) => void): () => void {
    this.journals.add(write)
    return () => { this.journals.delete(write) }
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * Ask whether a task may go ahead; resolves with the decided record. A grant, a standing rule or the headless rule answers
   * at once; otherwise the request waits in the queue for the person or its deadline. Asking again for the same task joins the
   * request already made (after a restart too). Aborting stops waiting and withdraws the request if nobody else waits on it.
   */
  async request (ask: ApprovalAsk, { signal }: { signal?: AbortSignal } = {}): Promise<ApprovalRecord> {
    signal?.throwIfAborted()
    const direction = ask.direction ?? 'serve'
    const known = this.store.byTask(direction, ask.task)
    const record = known ?? this.ask(ask, direction)
    if (record.status !== 'pending') return record
    return await this.wait(record.id, signal)
  }

  /**
   * The answer when something other than the person gives it (a grant, a standing rule, the headless rule, or an answer already
   * given), recorded soft and so joining the caller's transaction; undefined, recording nothing, when only the person can answer.
   */
  decideNow (ask: ApprovalAsk): ApprovalRecord | undefined {
    const direction = ask.direction ?? 'serve'
    const known = this.store.byTask(direction, ask.task)
    if (known !== undefined) return known.status === 'pending' ? undefined : known
    const approval = this.newApproval(ask, direction)
    const decision = this.automatic(approval, approval.requestedAt)
    return decision === undefined ? undefined : this.insert(approval, decision)
  }

  /** The person's answer to a pending request: one transaction, whose grant (for `allow-grant`) lasts `ttlMs`. */
  decide (id: string, decision: Decision, options: { ttlMs?: number, anyTopic?: boolean } = {}): ApprovalRecord {
    const now = this.options.now()
    if (decision === 'allow-grant' && !(options.ttlMs !== undefined && Number.isSafeInteger(options.ttlMs) && options.ttlMs > 0)) {
      throw new InvalidPolicySettingError('a grant needs a lifetime: a positive whole number of milliseconds')
    }
    const { record, grant } = transaction(this.db, () => {
      const current = this.store.get(id)
      if (current === undefined) throw new UnknownApprovalError(`no approval request ${id}`, { hint: 'List the pending requests with `hearth inbox`.' })
      if (current.status !== 'pending') {
        throw new ApprovalAlreadyDecidedError(`approval request ${id} was already ${current.status} (${current.decidedBy ?? ''})`)
      }
      if (current.deadline <= now) return { record: this.settle(id, { status: 'denied', decidedBy: 'expired', decidedAt: now }), grant: undefined }
      const grant = decision === 'allow-grant' ? this.insertGrant(this.scopeOf(current, options.anyTopic === true), now, options.ttlMs as number, id) : undefined
      const settled = this.settle(id, { status: decision === 'deny' ? 'denied' : 'allowed', decidedBy: 'person', decidedAt: now, ...(grant === undefined ? {} : { grantId: grant.id }) })
      return { record: settled, grant }
    })
    if (grant !== undefined) this.events.emit('grant:created', grant)
    this.announce(record)
    if (record.decidedBy === 'expired') throw new ApprovalAlreadyDecidedError(`approval request ${id} expired at ${new Date(record.deadline).toISOString()}`)
    return record
  }

  get (id: string): ApprovalRecord | undefined {
    return this.store.get(id)
  }

  pending (): ApprovalRecord[] {
    return this.store.pending()
  }

  /** How many wait: the badge's number, without reading the queue. */
  pendingCount (): number {
    return this.store.pendingCount()
  }

  history (limit = 100): ApprovalRecord[] {
    return this.store.history(limit)
  }

  /** A grant the person makes directly (not from a request). */
  grant (scope: GrantScope, ttlMs: number): Grant {
    if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0)) throw new InvalidPolicySettingError('a grant needs a lifetime: a positive whole number of milliseconds')
    const grant = this.insertGrant(scope, this.options.now(), ttlMs, undefined)
    this.events.emit('grant:created', grant)
    return grant
  }

  /** Grants in force now; with `all`, expired and revoked ones too. */
  grants ({ all = false }: { all?: boolean } = {}): Grant[] {
    return this.grantStore.list(all ? undefined : this.options.now())
  }

  revoke (id: string): Grant {
    if (!this.grantStore.revoke(id, this.options.now())) {
      const grant = this.grantStore.get(id)
      if (grant === undefined) throw new UnknownGrantError(`no grant ${id}`, { hint: 'List grants with `hearth grants`.' })
      return grant
    }
    const grant = this.grantStore.get(id) as Grant
    this.events.emit('grant:revoked', grant)
    return grant
  }

  setRule (rule: ApprovalRule): void {
    if (!['ask', 'allow', 'deny'].includes(rule.mode)) throw new InvalidPolicySettingError(`"${rule.mode}" is not an approval mode (ask, allow or deny)`)
    this.grantStore.setRule(rule)
  }

  removeRule (direction: TaskDirection, capability: string, topic?: string): boolean {
    return this.grantStore.removeRule(direction, capability, topic)
  }

  rules (): ApprovalRule[] {
    return this.grantStore.rules()
  }

  /** Deny, as expired, every pending request whose deadline has passed; returns how many. */
  expireOverdue (): number {
    const now = this.options.now()
    let expired = 0
    for (const id of this.store.overdue(now)) {
      const record = transaction(this.db, () => this.settle(id, { status: 'denied', decidedBy: 'expired', decidedAt: now }))
      this.announce(record)
      expired++
    }
    this.schedule()
    return expired
  }

  /** A new request: decided at once when something answers for the person, otherwise queued. */
  private ask (ask: ApprovalAsk, direction: TaskDirection): ApprovalRecord {
    const approval = this.newApproval(ask, direction)
    return this.insert(approval, this.automatic(approval, approval.requestedAt))
  }

  private newApproval (ask: ApprovalAsk, direction: TaskDirection): NewApproval {
    const now = this.options.now()
    return {
      id: randomUUID(),
      task: ask.task,
      direction,
      peer: ask.peer,
      ...(ask.peerId === undefined ? {} : { peerId: ask.peerId }),
      ...(ask.peerName === undefined ? {} : { peerName: ask.peerName.slice(0, 256) }),
      ...(ask.trust === undefined ? {} : { trust: ask.trust }),
      capability: ask.capability,
      topic: ask.topic,
      price: ask.price,
      payloadPreview: previewText(ask.payload),
      ...(ask.egress === undefined ? {} : { egress: ask.egress }),
      requestedAt: now,
      deadline: ask.deadline ?? now + this.options.timeoutMs
    }
  }

  private insert (approval: NewApproval, decision: StoredDecision | undefined): ApprovalRecord {
    // A request waiting for the person is durable (the queue survives a power cut); one a grant or rule answered follows from
    // durable settings, like the soft task steps around it, and is synced by the task's next durable commit.
    const record = (decision === undefined ? transaction : softTransaction)(this.db, () => {
      const inserted = this.store.insert(approval, decision)
      if (decision !== undefined) this.journalled(inserted)
      return inserted
    })
    if (decision === undefined) {
      this.events.emit('approval:requested', record)
      this.schedule()
    } else {
      this.announce(record)
    }
    return record
  }

  /** What answers without the person: their deny rule, a grant in force, their allow rule; with nobody to ask, deny. */
  private automatic (approval: NewApproval, now: number): StoredDecision | undefined {
    if (approval.deadline <= now) return { status: 'denied', decidedBy: 'expired', decidedAt: now }
    const rule = this.grantStore.closestRule(approval.direction, approval.capability, approval.topic)
    if (rule === 'deny') return { status: 'denied', decidedBy: 'rule', decidedAt: now }
    const grant = this.grantStore.match(approval.direction, approval.peer, approval.capability, approval.topic, now)
    if (grant !== undefined) return { status: 'allowed', decidedBy: 'grant', decidedAt: now, grantId: grant.id }
    if (rule === 'allow') return { status: 'allowed', decidedBy: 'rule', decidedAt: now }
    if (!this.options.interactive()) return { status: 'denied', decidedBy: 'headless', decidedAt: now }
    return undefined
  }

  private async wait (id: string, signal: AbortSignal | undefined): Promise<ApprovalRecord> {
    return await new Promise<ApprovalRecord>((resolve, reject) => {
      let waiters = this.waiters.get(id)
      if (waiters === undefined) this.waiters.set(id, waiters = new Set())
      const onAbort = (): void => {
        waiters.delete(waiter)
        reject(signal?.reason)
        if (waiters.size === 0) this.withdraw(id)
      }
      const waiter: Waiter = {
        resolve: record => { signal?.removeEventListener('abort', onAbort); resolve(record) },
        reject
      }
      waiters.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Nobody waits for the answer any more: the request leaves the queue as withdrawn. */
  private withdraw (id: string): void {
    this.waiters.delete(id)
    const now = this.options.now()
    const record = transaction(this.db, () => this.store.get(id)?.status === 'pending' ? this.settle(id, { status: 'denied', decidedBy: 'withdrawn', decidedAt: now }) : undefined)
    if (record !== undefined) this.announce(record)
  }

  /** Inside a transaction: decide, and journal the decision with it. */
  private settle (id: string, decision: StoredDecision): ApprovalRecord {
    this.store.decide(id, decision)
    return this.journalled(this.store.get(id) as ApprovalRecord)
  }

  private journalled (record: ApprovalRecord): ApprovalRecord {
    for (const write of this.journals) write(record)
    return record
  }

  /** After the decision is committed: tell the UI, and whoever waits. */
  private announce (record: ApprovalRecord): void {
    this.events.emit('approval:decided', record)
    const waiters = this.waiters.get(record.id)
    this.waiters.delete(record.id)
    for (const waiter of waiters ?? []) waiter.resolve(record)
  }

  private scopeOf (record: ApprovalRecord, anyTopic: boolean): GrantScope {
    return { direction: record.direction, peer: genesisHashOf(record.peer.baidId), capability: record.capability, ...(anyTopic ? {} : { topic: record.topic }) }
  }

  private insertGrant (scope: GrantScope, now: number, ttlMs: number, approval: string | undefined): Grant {
    return this.grantStore.insert({
      id: randomUUID(),
      direction: scope.direction ?? 'serve',
      peer: scope.peer,
      capability: scope.capability,
      ...(scope.topic === undefined ? {} : { topic: scope.topic }),
      createdAt: now,
      expiresAt: now + ttlMs,
      ...(approval === undefined ? {} : { approval })
    })
  }

  /** One timer, for the soonest deadline in the queue. */
  private schedule (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const next = this.store.nextDeadline()
    if (next === undefined || this.stopped) return
    this.timer = setTimeout(() => { this.timer = undefined; this.expireOverdue() }, Math.min(MAX_TIMER_MS, Math.max(0, next - this.options.now())))
    this.timer.unref()
  }
}

function previewText (payload: unknown): string {
  let text: string
  try {
    text = typeof payload === 'string' ? payload : JSON.stringify(payload) ?? String(payload)
  } catch {
    text = String(payload)
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text
}
