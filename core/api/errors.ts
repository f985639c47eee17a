// One error class per failure, each with a stable `name` that callers and the UI branch on.
// `hint` says what the person can do about it; the CLI prints it after the message.

export abstract class HearthError extends Error {
  abstract override readonly name: string
  readonly hint: string | undefined

  constructor (message: string, options: { hint?: string, cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.hint = options.hint
  }
}

/** A value of the contract: what crosses the api boundary instead of an Error object. */
export interface ErrorInfo { name: string, message: string, hint?: string }

export function toErrorInfo (err: unknown): ErrorInfo {
  if (err instanceof HearthError) return err.hint === undefined ? { name: err.name, message: err.message } : { name: err.name, message: err.message, hint: err.hint }
  if (err instanceof Error) return { name: 'InternalError', message: err.message }
  return { name: 'InternalError', message: String(err) }
}

// --- encoding and envelopes (network input) ---
export class MessageTooLargeError extends HearthError { readonly name = 'MessageTooLargeError' }
export class MalformedMessageError extends HearthError { readonly name = 'MalformedMessageError' }
export class NonCanonicalEncodingError extends HearthError { readonly name = 'NonCanonicalEncodingError' }
export class WrongDomainError extends HearthError { readonly name = 'WrongDomainError' }
export class InvalidSignatureError extends HearthError { readonly name = 'InvalidSignatureError' }
export class UnexpectedSignerError extends HearthError { readonly name = 'UnexpectedSignerError' }
export class InvalidPayloadError extends HearthError { readonly name = 'InvalidPayloadError' }

// --- BAID ---
export class BaidChainError extends HearthError { readonly name = 'BaidChainError' }
export class BaidExpiredError extends HearthError { readonly name = 'BaidExpiredError' }
export class BaidRevokedError extends HearthError { readonly name = 'BaidRevokedError' }
export class BaidVersionReplayError extends HearthError { readonly name = 'BaidVersionReplayError' }
export class ConfigDigestMismatchError extends HearthError { readonly name = 'ConfigDigestMismatchError' }
export class UnknownBaidError extends HearthError { readonly name = 'UnknownBaidError' }

// --- discovery logs ---
export class BrokenLogError extends HearthError { readonly name = 'BrokenLogError' }
export class BodyMismatchError extends HearthError { readonly name = 'BodyMismatchError' }
export class UnknownEntryError extends HearthError { readonly name = 'UnknownEntryError' }

// --- keys and secrets ---
export class KeychainUnavailableError extends HearthError { readonly name = 'KeychainUnavailableError' }
export class WrongPassphraseError extends HearthError { readonly name = 'WrongPassphraseError' }
export class PassphraseRequiredError extends HearthError { readonly name = 'PassphraseRequiredError' }
export class KeystoreMismatchError extends HearthError { readonly name = 'KeystoreMismatchError' }
export class KeyFileCorruptError extends HearthError { readonly name = 'KeyFileCorruptError' }
export class SecretMissingError extends HearthError { readonly name = 'SecretMissingError' }
/** The OS keyring behind Electron's safeStorage is not the one that sealed the keys, so they cannot be opened. */
export class KeyBackendChangedError extends HearthError { readonly name = 'KeyBackendChangedError' }
/** The only key store on offer keeps secrets in plain text (Electron's basic_text): refused, never used. */
export class InsecureKeyBackendError extends HearthError { readonly name = 'InsecureKeyBackendError' }

// --- identity lifecycle ---
export class IdentityExistsError extends HearthError { readonly name = 'IdentityExistsError' }
export class NoIdentityError extends HearthError { readonly name = 'NoIdentityError' }
export class IdentityRevokedError extends HearthError { readonly name = 'IdentityRevokedError' }
export class BackupCorruptError extends HearthError { readonly name = 'BackupCorruptError' }

// --- store ---
export class StoreCorruptError extends HearthError { readonly name = 'StoreCorruptError' }
export class StoreTooNewError extends HearthError { readonly name = 'StoreTooNewError' }
export class MigrationError extends HearthError { readonly name = 'MigrationError' }

// --- discovery ---
export class EmbeddingUnavailableError extends HearthError { readonly name = 'EmbeddingUnavailableError' }
export class EmbeddingResponseError extends HearthError { readonly name = 'EmbeddingResponseError' }

// --- reputation ---
export class InvalidRatingError extends HearthError { readonly name = 'InvalidRatingError' }
export class InvalidTrustInputError extends HearthError { readonly name = 'InvalidTrustInputError' }

// --- policy ---
export class InvalidPolicySettingError extends HearthError { readonly name = 'InvalidPolicySettingError' }
export class InvalidMarkedPathError extends HearthError { readonly name = 'InvalidMarkedPathError' }
export class EgressPayloadError extends HearthError { readonly name = 'EgressPayloadError' }
export class InvalidLedgerEntryError extends HearthError { readonly name = 'InvalidLedgerEntryError' }
export class UnknownApprovalError extends HearthError { readonly name = 'UnknownApprovalError' }
export class ApprovalAlreadyDecidedError extends HearthError { readonly name = 'ApprovalAlreadyDecidedError' }
export class UnknownGrantError extends HearthError { readonly name = 'UnknownGrantError' }

// --- negotiation ---
export class InvalidTaskMessageError extends HearthError { readonly name = 'InvalidTaskMessageError' }
export class IllegalTransitionError extends HearthError { readonly name = 'IllegalTransitionError' }
export class UnknownTaskError extends HearthError { readonly name = 'UnknownTaskError' }
export class TaskExistsError extends HearthError { readonly name = 'TaskExistsError' }
export class TaskCanceledError extends HearthError { readonly name = 'TaskCanceledError' }
export class TaskDeadlineError extends HearthError { readonly name = 'TaskDeadlineError' }
export class AttributorUnavailableError extends HearthError { readonly name = 'AttributorUnavailableError' }
export class AttributorResponseError extends HearthError { readonly name = 'AttributorResponseError' }
/** Discovery found nobody on the network offering what a delegation asks for. */
export class NoCandidatesError extends HearthError { readonly name = 'NoCandidatesError' }
/** A provider's answer broke the task protocol: wrong task, wrong party, wrong digest. */
export class TaskProtocolError extends HearthError { readonly name = 'TaskProtocolError' }
/** A peer answered a session request with the reason it could not serve it (its words, untrusted). */
export class RemoteRequestError extends HearthError { readonly name = 'RemoteRequestError' }

// --- daemon and tools ---
export class DaemonNotRunningError extends HearthError { readonly name = 'DaemonNotRunningError' }
export class McpServerError extends HearthError { readonly name = 'McpServerError' }

// --- execution: tool calls ---
export class UnknownToolError extends HearthError { readonly name = 'UnknownToolError' }
export class ToolInputInvalidError extends HearthError { readonly name = 'ToolInputInvalidError' }
export class ToolTimeoutError extends HearthError { readonly name = 'ToolTimeoutError' }
export class ToolCanceledError extends HearthError { readonly name = 'ToolCanceledError' }
export class ToolOutputTooLargeError extends HearthError { readonly name = 'ToolOutputTooLargeError' }
export class ToolResultInvalidError extends HearthError { readonly name = 'ToolResultInvalidError' }
/** The tool ran and reported failure, or its server died mid-call. */
export class ToolFailedError extends HearthError { readonly name = 'ToolFailedError' }
export class ExecutorStoppedError extends HearthError { readonly name = 'ExecutorStoppedError' }

// --- execution: verification (T2 challenge, T3 evidence) ---
/** The chain of tool-call receipts is broken: out of order, a link missing, or not the task's. */
export class EvidenceChainError extends HearthError { readonly name = 'EvidenceChainError' }
/** The evidence is intact but does not describe what the requester sent or received. */
export class EvidenceMismatchError extends HearthError { readonly name = 'EvidenceMismatchError' }
export class ChallengeFailedError extends HearthError { readonly name = 'ChallengeFailedError' }

// --- interop (A2A) ---
/** The AgentCard is not a card Hearth can check: malformed JSON, no BAID named, an unknown signature algorithm. */
export class AgentCardInvalidError extends HearthError { readonly name = 'AgentCardInvalidError' }
/** No signature on the card verifies against the agent key its BAID names (tampered, or signed by another key). */
export class AgentCardSignatureError extends HearthError { readonly name = 'AgentCardSignatureError' }
/** The card names another BAID or key, or points at its own key or key URL, instead of the BAID's agent key. */
export class AgentCardKeyMismatchError extends HearthError { readonly name = 'AgentCardKeyMismatchError' }
/** The network did not complete a delegated task: every provider refused, failed or failed its checks. */
export class DelegationFailedError extends HearthError { readonly name = 'DelegationFailedError' }
/** The A2A endpoint serves this machine only: a bind to anything but loopback is refused. */
export class A2aBindRefusedError extends HearthError { readonly name = 'A2aBindRefusedError' }

// --- the daemon's web UI bridge ---
/** The web UI serves this machine only: a bind to anything but 127.0.0.1 is refused. */
export class UiBindRefusedError extends HearthError { readonly name = 'UiBindRefusedError' }
/** A request named a method the api contract does not have. */
export class UnknownMethodError extends HearthError { readonly name = 'UnknownMethodError' }
/** An IPC call came from a frame other than the desktop app's own page: refused before it reaches the core. */
export class UntrustedSenderError extends HearthError { readonly name = 'UntrustedSenderError' }
/** The renderer could not be built from renderer/ (a missing toolchain, or a source error). */
export class RendererBuildError extends HearthError { readonly name = 'RendererBuildError' }

// --- usage ---
export class UsageError extends HearthError { readonly name = 'UsageError' }

// --- app core ---
/** The agent is offline (taken offline by the person, or before first-run setup): what was asked needs the network. */
export class NotOnlineError extends HearthError { readonly name = 'NotOnlineError' }
/** A demo cannot run here now (its module is missing, or one already runs). */
export class DemoUnavailableError extends HearthError { readonly name = 'DemoUnavailableError' }
