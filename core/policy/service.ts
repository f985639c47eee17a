import type { ApprovalRecord, DataClass, EgressClause, EgressPreview, RefusalReason } from '../api/policy.ts'
import type { Database } from '../store/database.ts'
import { Approvals, type ApprovalAsk } from './approvals.ts'
import { Cooperation } from './cooperation.ts'
import { Ledger } from './ledger.ts'
import { Privacy } from './privacy.ts'
import { Serving } from './serving.ts'

// The policy plane: whether this agent serves a task (constraints, then the person or their grant), what may leave the
// device when it delegates one (privacy rules, previewed), and the credits each side gave and got.

export interface PolicyComponents {
  readonly db: Database
  /** Whether a person is attached to answer approvals now (the app, or a UI on the daemon); headless when false. */
  readonly interactive: () => boolean
}

export interface PolicyInit {
  /** How long a request waits for the person before it is denied as expired. */
  readonly approvalTimeoutMs?: number
  readonly now?: () => number
}

export const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60_000

/** A peer's request to be served, before any check. */
export interface ServeAsk extends Omit<ApprovalAsk, 'direction' | 'egress'> {
  /** The requester's relative trust in the topic (0–1); undefined when it is not to be offered work at all. */
  readonly trust: number | undefined
  /**
   * What the request says of its input when the input itself has not arrived yet (a task offer is decided before the award
   * carries the input): judged instead of measuring `payload`, which is then only the preview the person reads.
   */
  readonly input?: { readonly bytes: number, readonly dataClasses: readonly DataClass[] }
}

export type ServeVerdict =
  | { readonly verdict: 'refuse', readonly reasons: readonly RefusalReason[] }
  | { readonly verdict: 'allowed' | 'denied', readonly approval: ApprovalRecord }

export type DelegateVerdict =
  | { readonly verdict: 'blocked', readonly egress: EgressPreview }
  /** When allowed, `egress.payload` is what to send: the redacted payload, never the original. */
  | { readonly verdict: 'allowed' | 'denied', readonly approval: ApprovalRecord, readonly egress: EgressPreview }

export class Policy {
  readonly cooperation: Cooperation
  readonly privacy: Privacy
  readonly ledger: Ledger
  readonly approvals: Approvals
  /** The person's serving switch and daily limits. */
  readonly serving: Serving

  constructor (components: PolicyComponents, init: PolicyInit = {}) {
    const now = init.now ?? Date.now
    this.cooperation = new Cooperation(components.db, now)
    this.privacy = new Privacy(components.db)
    this.ledger = new Ledger(components.db, now)
    this.serving = new Serving(components.db, now)
    this.approvals = new Approvals(components.db, { now, interactive: components.interactive, timeoutMs: init.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS })
  }

  get events (): Approvals['events'] {
    return this.approvals.events
  }

  stop (): void {
    this.approvals.stop()
  }

  /**
   * The provider's side: refuse by the capability's constraints (with every reason), else ask the person, a grant or a rule.
   * A request the constraints admit counts toward the rate limits whatever the answer: asking is what the limits ration.
   */
  async screenServe (ask: ServeAsk, options: { signal?: AbortSignal } = {}): Promise<ServeVerdict> {
    return this.screenServeNow(ask) ?? await this.askPerson(ask, options)
  }

  /**
   * screenServe's part that needs no person, written soft (joining the caller's transaction): the verdict, or undefined when only
   * the person can answer — then `askPerson`, the constraints having counted the request already.
   */
  screenServeNow (ask: ServeAsk): ServeVerdict | undefined {
    const held = this.serving.hold(ask.capability)
    if (held !== undefined) return { verdict: 'refuse', reasons: [held] }
    // Classified first: it refuses a payload JSON cannot carry before anything counts it.
    const { input } = ask
    const dataClasses = input?.dataClasses ?? this.privacy.classify(ask.payload)
    const verdict = this.cooperation.admit({
      peer: ask.peer,
      capability: ask.capability,
      topic: ask.topic,
      requesterTrust: ask.trust,
      inputBytes: input?.bytes ?? Buffer.byteLength(JSON.stringify(ask.payload) ?? '', 'utf8'),
      dataClasses,
      price: ask.price
    })
    if (verdict.verdict === 'refuse') return verdict
    const approval = this.approvals.decideNow(serveSubject(ask))
    return approval === undefined ? undefined : verdictOf(approval)
  }

  /** The request screenServeNow left to the person: queued durably, answered by them or by its deadline. */
  async askPerson (ask: ServeAsk, options: { signal?: AbortSignal } = {}): Promise<ServeVerdict> {
    return verdictOf(await this.approvals.request(serveSubject(ask), options))
  }

  /** The requester's side: preview what would leave under the terms' egress clause; a blocked payload is never asked about. */
  async screenDelegate (ask: Omit<ApprovalAsk, 'direction' | 'egress'>, clause: EgressClause, options: { signal?: AbortSignal } = {}): Promise<DelegateVerdict> {
    const egress = this.privacy.preview(ask.payload, clause)
    if (egress.outcome === 'blocked') return { verdict: 'blocked', egress }
    const approval = await this.approvals.request({ ...ask, direction: 'delegate', egress }, options)
    return { ...verdictOf(approval), egress }
  }
}

function serveSubject (ask: ServeAsk): ApprovalAsk {
  const { input: _input, ...subject } = ask
  return { ...subject, direction: 'serve' }
}

/** Allowed or denied, as the approval was decided. */
function verdictOf (approval: ApprovalRecord): { verdict: 'allowed' | 'denied', approval: ApprovalRecord } {
  return { verdict: approval.status === 'allowed' ? 'allowed' : 'denied', approval }
}
