// What the person, the UI and other planes see of negotiation: tasks and their states, the leader's mechanism terms, the
// followers' offers, and the failures attributed to the clause that allowed them (mechanisms §6). Peers are 32-byte agent keys.

/** Task states as in A2A; auth-required means awaiting the provider person's approval. */
export const TASK_STATES = ['submitted', 'working', 'input-required', 'auth-required', 'completed', 'canceled', 'failed', 'rejected'] as const
export type TaskState = typeof TASK_STATES[number]

/** States a task never leaves. */
export const TERMINAL_STATES = ['completed', 'canceled', 'failed', 'rejected'] as const satisfies readonly TaskState[]

/** Which side of a task this agent is on: the leader asks, a follower serves. */
export type TaskRole = 'requester' | 'provider'

/** T0 nothing checked, T1 result schema, T2 live challenge-response (quality measured), T3 evidence package (every tool call receipted). */
export const VERIFICATION_TIERS = ['T0', 'T1', 'T2', 'T3'] as const
export type VerificationTier = typeof VERIFICATION_TIERS[number]

/** Payment on an accepted result: the offer's price (at most `base`) plus `qualityBonus` × the quality paid for. */
export interface RewardRule {
  readonly base: number
  readonly qualityBonus: number
}

/** What a provider loses, in credits, and when. */
export interface Penalties {
  /** A failed task pays nothing (otherwise its price is paid for the attempt). */
  readonly forfeitOnFailure: boolean
  /** Charged for a result delivered after the deadline. */
  readonly lateFee: number
  /** Slashed from a provider caught returning a wrong result (a failed canary or evidence check). */
  readonly fraudSlash: number
  /** Charged per unit of measured quality below the offer's commitment (measured at T2 and above). */
  readonly shortfall: number
}

/** What may leave the device with the task's input. */
export interface EgressTerms {
  readonly allowedDataClasses: readonly string[]
  readonly redactionRequired: boolean
}

/** The leader's mechanism as published with one task. */
export interface MechanismTerms {
  readonly reward: RewardRule
  readonly tier: VerificationTier
  /** Milliseconds since the epoch. */
  readonly deadline: number
  readonly penalties: Penalties
  readonly egress: EgressTerms
  /** Known-answer items are mixed into the work. */
  readonly canary: boolean
}

export interface TaskInput {
  /** sha-256 of the input; the input itself travels only to the awarded provider. */
  readonly digest: Uint8Array
  readonly size: number
  readonly dataClasses: readonly string[]
}

export interface TaskRequest {
  readonly task: string
  /** A semantic domain: trust is looked up in it. */
  readonly topic: string
  readonly capability: string
  readonly intent: string
  readonly input: TaskInput
  readonly terms: MechanismTerms
  readonly requester: Uint8Array
  readonly createdAt: number
}

/** A follower's best response; a decline carries its reason. */
export interface Offer {
  readonly task: string
  readonly provider: Uint8Array
  readonly decision: 'accept' | 'decline'
  readonly reason?: string
  /** Credits asked (at most the terms' base). */
  readonly price: number
  readonly etaMs: number
  /** Quality committed to, 0–1. */
  readonly quality: number
}

export interface Award {
  readonly task: string
  readonly requester: Uint8Array
  readonly provider: Uint8Array
  readonly price: number
  /** Providers to try next, in order, if this one times out, refuses or fails. */
  readonly failover: readonly Uint8Array[]
}

export interface TaskResult {
  readonly task: string
  readonly provider: Uint8Array
  readonly status: 'completed' | 'failed'
  readonly output?: { readonly digest: Uint8Array, readonly size: number }
  /** A small output inline; larger ones travel separately, named by digest. */
  readonly inline?: Uint8Array
  readonly reason?: string
  /** A completed task's receipt, signed by the provider in advance (satisfied, for this output): the requester completes it on acceptance. */
  readonly receipt?: Uint8Array
  readonly deliveredAt: number
}

export interface Cancel {
  readonly task: string
  readonly by: Uint8Array
  readonly reason: string
}

/** A T2 canary: a known-answer call the requester sends to a provider that offered, before awarding it the task. */
export interface TaskProbe {
  readonly task: string
  readonly requester: Uint8Array
  /** The tool input, DAG-CBOR. */
  readonly input: Uint8Array
}

/** The requester's half of the task receipt: its signature over the receipt, for the provider to countersign. */
export interface ReceiptSignature {
  readonly task: string
  readonly requester: Uint8Array
  readonly topic: string
  readonly satisfied: boolean
  /** SHA-256 of the delivered output the receipt vouches for (the signed result's digest). */
  readonly output?: Uint8Array
  readonly signature: Uint8Array
}

export interface TaskTransition {
  readonly task: string
  /** Undefined for the first state. */
  readonly from: TaskState | undefined
  readonly to: TaskState
  readonly at: number
  readonly reason: string
  /** Who moved it: `self`, `person`, `system`, or `peer:<hex key>`. */
  readonly actor: string
}

export interface TaskRecord {
  readonly task: string
  readonly role: TaskRole
  readonly topic: string
  readonly capability: string
  readonly state: TaskState
  readonly deadline: number
  /** The other side once known: the awarded provider, or the requester. */
  readonly peer: Uint8Array | undefined
  readonly createdAt: number
  readonly updatedAt: number
}

/** A delegation as kept (this agent the requester): what an A2A client reads back, after a restart too. */
export interface DelegationRecord {
  readonly task: string
  readonly state: TaskState
  /** The reason of its latest state change: why it ended, once it has. */
  readonly reason: string
  /** Who asked, when not the person here (e.g. `a2a:<context id>`). */
  readonly origin: string | undefined
  readonly intent: string | undefined
  /** The delivered tool result, when it was small enough to keep whole. */
  readonly result: { readonly content: readonly unknown[], readonly structured?: unknown } | undefined
  /** The delivered result as text (bounded), when one was delivered. */
  readonly output: string | undefined
  readonly updatedAt: number
}

/** What a leader observed going wrong; each is attributed to a clause of the mechanism. */
export const FAILURE_KINDS = ['late_delivery', 'wrong_result', 'unverifiable_result', 'over_charging', 'quality_free_ride', 'egress_violation'] as const
export type FailureKind = typeof FAILURE_KINDS[number]

/** The mechanism's clauses a failure can be blamed on. */
export const MECHANISM_CLAUSES = ['deadline', 'canary', 'reward', 'tier', 'penalty', 'egress'] as const
export type MechanismClause = typeof MECHANISM_CLAUSES[number]

/** Events for the live timeline. Providers are hex agent keys. */
export interface NegotiationEvents extends Record<string, unknown> {
  'task:state': TaskTransition
  'task:offer': { task: string, provider: string, decision: 'accept' | 'decline', price: number, etaMs: number, quality: number }
  'task:selected': { task: string, order: Array<{ provider: string, score: number }> }
}
