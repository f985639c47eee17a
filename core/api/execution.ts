import type { ErrorInfo } from './errors.ts'

// What the person and the UI see of execution: their MCP servers, the evidence a provider gave for a task, and T2 checks.
// Hashes and keys are lowercase hex; peers are named by PeerId where only their agent key is known.

export interface McpServerStatus {
  readonly id: string
  /** Whether its process runs now; servers start on first use. */
  readonly running: boolean
  readonly pid?: number
  /** How many times it has been started in this session (a restart after a crash counts). */
  readonly starts: number
}

/** One tool call from a provider's evidence chain (T3): what ran, on what, for how long — hashes, never the data. */
export interface ToolCallSummary {
  readonly index: number
  /** The capability id, `<server>/<tool>` or `builtin/<tool>`. */
  readonly tool: string
  /** Hash of the tool's descriptor (description and schemas): a changed tool shows a different digest. */
  readonly toolDigest: string
  readonly inputHash: string
  readonly outputHash: string
  readonly startedAt: number
  readonly endedAt: number
}

/** The requester's check of a provider's evidence package. */
export type EvidenceVerification =
  | {
    readonly ok: true
    readonly task: string
    readonly provider: string
    /** Hash of the provider's seal: what the co-signed task receipt is bound to. */
    readonly root: string
    readonly calls: readonly ToolCallSummary[]
    /** A TEE quote is attached (not yet checked: the slot is reserved). */
    readonly attested: boolean
  }
  | { readonly ok: false, readonly task: string, readonly error: ErrorInfo }

/** A canary task (T2): a call whose right answer is known, mixed in to catch a provider that lies. */
export interface CanaryResult {
  readonly capability: string
  readonly passed: boolean
  /** What was wrong when it failed: the answer differed, or the call itself failed. */
  readonly mismatch?: string
  readonly error?: ErrorInfo
  readonly durationMs: number
}

/** A live challenge (T2): the provider proved it holds the agent key its BAID names, just now. */
export type ChallengeVerification =
  | { readonly ok: true, readonly baidId: string, readonly roundTripMs: number }
  | { readonly ok: false, readonly baidId: string, readonly error: ErrorInfo }
