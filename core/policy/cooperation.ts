import type { ConstraintScope, ConstraintSetting, CooperationConstraints, CooperationVerdict, DataClass, EffectiveConstraints } from '../api/policy.ts'
import { softTransaction, type Database } from '../store/database.ts'
import { checkConstraints, DEFAULT_CONSTRAINTS, evaluate } from './constraints.ts'
import { ANY, ConstraintStore, scopeKey, type ScopeKey } from './constraint-store.ts'

// Cooperation constraints as the app runs them: the closest setting for a capability and topic (or the defaults), the
// request's rate-limit counts read from the tasks admitted before, and admission counted in the same transaction.

/** One request to be served, as negotiation knows it once the requester's trust and the input's classes are known. */
export interface ServeRequest {
  readonly peer: Uint8Array
  readonly capability: string
  readonly topic: string
  readonly requesterTrust: number | undefined
  readonly inputBytes: number
  readonly dataClasses: readonly DataClass[]
  readonly price: number
}

const PRUNE_EVERY_MS = 3600_000

export class Cooperation {
  readonly store: ConstraintStore
  private readonly db: Database
  private readonly now: () => number
  private prunedAt = -Infinity

  constructor (db: Database, now: () => number) {
    this.db = db
    this.store = new ConstraintStore(db)
    this.now = now
  }

  /** The constraints a capability serves under in a topic: the person's closest setting, or the defaults. */
  constraints (capability: string, topic: string): EffectiveConstraints {
    const set = this.store.closest(capability, topic)
    return set === undefined ? { scope: { capability: ANY }, constraints: DEFAULT_CONSTRAINTS, isDefault: true } : { ...set, isDefault: false }
  }

  /** Change some constraints of a scope; the rest keep what the scope has now (inherited or default). */
  set (scope: ConstraintScope, change: Partial<CooperationConstraints>): ConstraintSetting {
    const current = this.constraints(scope.capability, scope.topic ?? ANY).constraints
    const constraints = checkConstraints({ ...current, ...change })
    this.store.save(scopeKey(scope), constraints)
    return { scope, constraints }
  }

  remove (scope: ConstraintScope): boolean {
    return this.store.remove(scopeKey(scope))
  }

  settings (): ConstraintSetting[] {
    return this.store.all()
  }

  /** The verdict on a request, counting nothing. */
  check (request: ServeRequest): CooperationVerdict {
    return this.judge(request, this.now())
  }

  /**
   * The verdict, and when it is ok the task counts toward the rate limits: one transaction, so two racing requests cannot both
   * take the last slot. Soft: a count, not a decision; the approval asked right after is durable and syncs it.
   */
  admit (request: ServeRequest): CooperationVerdict {
    const now = this.now()
    const verdict = softTransaction(this.db, () => {
      const verdict = this.judge(request, now)
      if (verdict.verdict === 'ok') this.store.recordServed(request.capability, request.topic, request.peer, now)
      return verdict
    })
    if (now - this.prunedAt >= PRUNE_EVERY_MS) this.prune(now)
    return verdict
  }

  private judge (request: ServeRequest, now: number): CooperationVerdict {
    const { scope, constraints } = this.constraints(request.capability, request.topic)
    const key: ScopeKey = scopeKey(scope)
    return evaluate(constraints, {
      requesterTrust: request.requesterTrust,
      inputBytes: request.inputBytes,
      dataClasses: request.dataClasses,
      price: request.price,
      servedFromPeer: this.store.countServed(key, now - constraints.perPeer.windowMs, request.peer),
      servedOverall: this.store.countServed(key, now - constraints.overall.windowMs)
    })
  }

  private prune (now: number): void {
    const windows = [DEFAULT_CONSTRAINTS, ...this.store.all().map(s => s.constraints)].flatMap(c => [c.perPeer.windowMs, c.overall.windowMs])
    this.store.pruneServed(now - Math.max(...windows))
    this.prunedAt = now
  }
}
