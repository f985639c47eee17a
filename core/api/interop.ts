import type { ErrorInfo } from './errors.ts'
import type { TaskState } from './negotiation.ts'

// A2A interop: what an A2A client's task becomes inside Hearth (a delegation), and what checking an AgentCard reports.

/** What an A2A client asked for, read from its message: the text parts are the intent, the first data part the input. */
export interface DelegationRequest {
  readonly intent: string
  /** The first data part of the message, or null when it had none. */
  readonly input: unknown
  /** A semantic domain, from the message's (or request's) metadata `topic`. */
  readonly topic?: string
}

/** The task states a delegation passes through before it ends. */
export type DelegationProgressState = Exclude<TaskState, 'completed' | 'canceled' | 'failed' | 'rejected'>

export interface DelegationUpdate {
  readonly state: DelegationProgressState
  /** One line the A2A client sees beside the state (e.g. "awaiting the provider's approval"). */
  readonly note?: string
}

/** How a delegation ended; each maps onto the A2A task state of the same name. */
export type DelegationOutcome =
  | { readonly state: 'completed', readonly result: unknown, readonly note?: string }
  | { readonly state: 'failed' | 'rejected' | 'canceled', readonly error: ErrorInfo }

export interface DelegateOptions {
  /** Aborted when the A2A client cancels the task or the endpoint stops. */
  readonly signal: AbortSignal
  /** Told each state the delegation moves through (auth-required while a person decides, working, …). */
  readonly onUpdate?: (update: DelegationUpdate) => void
}

/** Hands one task to the network (negotiation implements it); the A2A endpoint knows nothing else about Hearth. */
export interface Delegator {
  delegate (request: DelegationRequest, options: DelegateOptions): Promise<DelegationOutcome>
}

/** The result of checking a signed AgentCard against a BAID bundle (`hearth id agent-card verify`). */
export interface AgentCardVerification {
  readonly valid: boolean
  readonly name?: string
  readonly url?: string
  readonly baidId?: string
  readonly peerId?: string
  readonly skills?: readonly string[]
  readonly error?: ErrorInfo
}

/** What `hearth daemon --a2a` tells its person: where A2A clients connect, and the token they must send. */
export interface A2aEndpointInfo {
  /** Base URL; the card is at `<baseUrl>/.well-known/agent-card.json`. */
  readonly baseUrl: string
  /** The JSON-RPC interface the card names. */
  readonly url: string
  /** Per-launch bearer token: `Authorization: Bearer <token>`. */
  readonly token: string
}
