// What the person and the UI see of the policy plane: cooperation constraints, privacy rules, the egress preview, the
// approval queue, grants and the credit ledger. Plain data only; peers are named by BAID id (`baid:z…`).

/**
 * The closed set of data classes, what each covers, and how it is recognised:
 * - public: anything no marked path or detector recognises
 * - personal: names, birth dates, ids about a person (marked paths only)
 * - contact: email addresses and phone numbers (detected)
 * - financial: card numbers (detected, Luhn-checked), account data (marked)
 * - health: medical data (marked paths only)
 * - credential: API keys, tokens, passwords, private keys (detected, and values of secret-named fields)
 * - location: addresses and coordinates (marked paths only)
 * - internal: the person's private work material: unreleased code, internal docs (marked paths only)
 */
export const DATA_CLASSES = ['public', 'personal', 'contact', 'financial', 'health', 'credential', 'location', 'internal'] as const
export type DataClass = typeof DATA_CLASSES[number]

/** What may leave the device for one data class: as is, masked, or not at all (the whole payload stays home). */
export type EgressAction = 'allow' | 'redact' | 'block'

/** Which approvals: a peer asking us to serve a task, or our agent delegating one to a peer. */
export type TaskDirection = 'serve' | 'delegate'

// --- cooperation constraints ---

/** At most `limit` tasks within any `windowMs`. */
export interface RateLimit {
  readonly limit: number
  readonly windowMs: number
}

/** What a requester must meet before a capability serves it. */
export interface CooperationConstraints {
  /** Lowest relative trust (0–1) of the requester in the task's topic. */
  readonly minRequesterTrust: number
  readonly maxInputBytes: number
  readonly perPeer: RateLimit
  /** Over all requesters, counted within the scope these constraints are set for. */
  readonly overall: RateLimit
  readonly allowedDataClasses: readonly DataClass[]
  /** Fewest credits a task must offer. */
  readonly priceFloor: number
}

/** Where constraints apply: one capability (or `*`, every one), in one topic or (none) every topic. */
export interface ConstraintScope {
  readonly capability: string
  readonly topic?: string
}

export interface ConstraintSetting {
  readonly scope: ConstraintScope
  readonly constraints: CooperationConstraints
}

/** The constraints a capability serves under in a topic, and whether they are the built-in defaults (the person set nothing). */
export interface EffectiveConstraints extends ConstraintSetting {
  readonly isDefault: boolean
}

/** Why a task was refused, one entry per constraint it failed; `code` is stable for the UI to branch on. */
export type RefusalReason =
  /** `actual` is null when the requester is not to be offered work at all (blocked, slashed, under a threshold). */
  | { readonly code: 'trust-below-minimum', readonly minimum: number, readonly actual: number | null }
  | { readonly code: 'input-too-large', readonly limit: number, readonly actual: number }
  | { readonly code: 'peer-rate-limited', readonly limit: number, readonly windowMs: number, readonly used: number }
  | { readonly code: 'overall-rate-limited', readonly limit: number, readonly windowMs: number, readonly used: number }
  | { readonly code: 'data-class-not-allowed', readonly classes: readonly DataClass[] }
  | { readonly code: 'price-below-floor', readonly floor: number, readonly offered: number }
  /** The person paused serving or took the agent offline. */
  | { readonly code: 'serving-paused', readonly state: 'paused' | 'offline' }
  /** The capability already served its daily limit today. */
  | { readonly code: 'daily-limit-reached', readonly limit: number, readonly used: number }

export type CooperationVerdict =
  | { readonly verdict: 'ok' }
  | { readonly verdict: 'refuse', readonly reasons: readonly RefusalReason[] }

// --- privacy ---

/** A JSON field the person marks as holding a data class: `$.user.email`, `$.items[*].card`, `$.patient.*`. */
export interface MarkedPath {
  readonly path: string
  readonly dataClass: DataClass
}

export interface PrivacyRules {
  readonly actions: Readonly<Record<DataClass, EgressAction>>
  readonly marked: readonly MarkedPath[]
}

/**
 * The data-egress clause of a task's terms, as the policy plane reads it (negotiation's `EgressTerms` fits it): the classes
 * the terms let leave, whether every recognised class must be masked regardless, and at most how many bytes.
 */
export interface EgressClause {
  /** Names outside DATA_CLASSES cover nothing here. */
  readonly allowedDataClasses: readonly string[]
  readonly redactionRequired?: boolean
  readonly maxBytes?: number
}

export type Detector = 'email' | 'phone' | 'card-number' | 'api-key' | 'secret-field'

/** One field the rules touched; never the sensitive value itself. */
export interface EgressFinding {
  /** The concrete field, e.g. `$.items[0].card`; `$` is the payload itself. */
  readonly path: string
  readonly dataClass: DataClass
  readonly action: EgressAction
  /** A path the person marked (with the pattern), or a detector (with how many matches in the field). */
  readonly source: { readonly kind: 'marked', readonly pattern: string } | { readonly kind: 'detector', readonly detector: Detector, readonly matches: number }
  /** Set when the terms, not the person's rule, made the action stricter. */
  readonly notInTerms?: true
}

/** Exactly what would leave the device, computed before the person approves. */
export interface EgressPreview {
  readonly outcome: 'send' | 'blocked'
  /** The payload as it would be sent; null when blocked (nothing leaves). */
  readonly payload: unknown
  readonly findings: readonly EgressFinding[]
  /** Why nothing leaves, when blocked. */
  readonly blockedBecause: readonly ('blocked-class' | 'over-terms-size')[]
  /** Classes the payload holds, `public` included when anything is unrecognised. */
  readonly dataClasses: readonly DataClass[]
  readonly bytes: { readonly original: number, readonly outgoing: number }
}

// --- approvals and grants ---

export type ApprovalStatus = 'pending' | 'allowed' | 'denied'

/** Who or what decided: the person, a grant, a standing rule, the headless rule, the deadline, or the requester withdrawing. */
export type DecisionSource = 'person' | 'grant' | 'rule' | 'headless' | 'expired' | 'withdrawn'

export interface Requester {
  readonly baidId: string
  readonly peerId?: string
  /** The name the peer announces; not verified, shown as a hint. */
  readonly name?: string
  /** Relative trust in the task's topic when asked (0–1). */
  readonly trust?: number
}

export interface PendingApproval {
  readonly id: string
  readonly task: string
  readonly direction: TaskDirection
  /** The other party: the requester when serving, the provider when delegating. */
  readonly peer: Requester
  readonly capability: string
  readonly topic: string
  /** Credits the task offers. */
  readonly price: number
  /** The start of the payload as text, for the person to read. */
  readonly payloadPreview: string
  readonly egress?: EgressPreview
  readonly requestedAt: number
  readonly deadline: number
}

export interface ApprovalRecord extends PendingApproval {
  readonly status: ApprovalStatus
  readonly decidedBy?: DecisionSource
  readonly decidedAt?: number
  /** The grant that allowed it, or that deciding it created. */
  readonly grantId?: string
}

export type Decision = 'allow-once' | 'allow-grant' | 'deny'

/** A standing yes to one peer for one capability (and topic), until it expires or is revoked. */
export interface Grant {
  readonly id: string
  readonly direction: TaskDirection
  readonly peer: string
  readonly capability: string
  /** Absent: every topic. */
  readonly topic?: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly revokedAt?: number
}

/** The person's standing answer for a capability when no grant matches. */
export type ApprovalMode = 'ask' | 'allow' | 'deny'

export interface ApprovalRule {
  readonly direction: TaskDirection
  readonly capability: string
  readonly topic?: string
  readonly mode: ApprovalMode
}

// --- ledger ---

/** Offered: what we promised a peer in a task's terms (nothing moved yet); earned: paid to us for serving; spent: paid by us for a delegation. */
export type LedgerKind = 'offered' | 'earned' | 'spent'

export interface LedgerEntry {
  readonly id: number
  readonly task: string
  readonly peer: string
  readonly kind: LedgerKind
  readonly credits: number
  readonly capability?: string
  readonly topic?: string
  readonly at: number
}

export interface CreditTotals {
  readonly offered: number
  readonly earned: number
  readonly spent: number
  /** earned − spent */
  readonly net: number
}

export interface PeerBalance extends CreditTotals {
  readonly peer: string
}
