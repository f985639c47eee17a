// The app's one contract: every command the UI (Electron preload or the daemon's web bridge) and the CLI may send to the
// core, what each answers, and the events the core pushes. Plain JSON data only: byte strings travel as hex, peers as
// BAID ids (`baid:z…`) with their current PeerId when known. The renderer imports nothing else from core.

import type { ErrorInfo } from './errors.ts'
import type { IdentityInfo } from './identity.ts'
import type { TaskState, VerificationTier } from './negotiation.ts'
import type {
  ApprovalMode, ApprovalRecord, CreditTotals, DataClass, Decision, EffectiveConstraints, EgressAction, EgressPreview, Grant,
  LedgerEntry, CooperationConstraints, MarkedPath, PeerBalance, PendingApproval, PrivacyRules
} from './policy.ts'
import type { PeerName, PeerTrust, TopicTrustView } from './trust.ts'

export const API_VERSION = 1

/** How the keys rest, as the Identity view and the key-backend warning show it. */
export interface KeyBackendStatus {
  readonly kind: 'keychain' | 'file' | 'safe-storage' | 'memory'
  /** What the platform reports (Electron safeStorage: `gnome_libsecret`, `kwallet6`, `basic_text`, …). */
  readonly detail?: string
  /** Set when the backend is weaker than the one recorded, or is plain-text: the UI explains it and the core refuses to use it. */
  readonly problem?: string
}

export interface AppStatus {
  readonly apiVersion: number
  /** Undefined before first-run setup created an identity. */
  readonly identity: IdentityInfo | undefined
  readonly keyBackend: KeyBackendStatus
  readonly network: { readonly online: boolean, readonly peers: number, readonly addrs: readonly string[] }
  /** The person paused serving (requests are declined with a reason) or took the agent offline (no network). */
  readonly serving: 'on' | 'paused' | 'offline'
  readonly pending: number
  /** Whether `demo.start` peers are running. */
  readonly demo: boolean
}

export interface PeerView extends PeerName {
  readonly name?: string
  readonly addrs: readonly string[]
  readonly direction: 'inbound' | 'outbound'
  readonly openedAt: number
}

export interface CandidateView {
  readonly peerId: string
  readonly baidId?: string
  readonly capability: string
  readonly name: string
  readonly description: string
  readonly topics: readonly string[]
  readonly price: number
  readonly score: number
  readonly relevance: number
  readonly trust: number
  readonly qos: number
  readonly reasons: readonly string[]
}

export interface PinnedDescriptorView {
  readonly peer: PeerName
  readonly capability: string
  readonly name: string
  readonly pinnedAt: number
  /** Set when the peer's schema or config digest changed since first use. */
  readonly drift?: { readonly at: number, readonly what: 'schema' | 'config' }
}

/** One line of a task's live timeline. */
export type TimelineEntry =
  | { readonly kind: 'terms', readonly at: number, readonly reward: number, readonly deadline: number, readonly tier: VerificationTier, readonly egress: EgressPreview | undefined }
  | { readonly kind: 'offer', readonly at: number, readonly provider: PeerName, readonly decision: 'accept' | 'decline', readonly price: number, readonly etaMs: number, readonly quality: number }
  | { readonly kind: 'selected', readonly at: number, readonly order: ReadonlyArray<{ readonly provider: PeerName, readonly score: number }> }
  | { readonly kind: 'state', readonly at: number, readonly from: TaskState | undefined, readonly to: TaskState, readonly reason: string, readonly actor: string }
  | { readonly kind: 'verification', readonly at: number, readonly tier: VerificationTier, readonly passed: boolean, readonly detail: string }
  | { readonly kind: 'receipt', readonly at: number, readonly satisfied: boolean, readonly digest: string }

export interface TaskSummary {
  readonly task: string
  readonly role: 'requester' | 'provider'
  readonly intent?: string
  readonly topic: string
  readonly capability: string
  readonly state: TaskState
  readonly peer?: PeerName
  readonly reward?: number
  readonly deadline: number
  readonly createdAt: number
  readonly updatedAt: number
}

export interface TaskDetail extends TaskSummary {
  readonly timeline: readonly TimelineEntry[]
  /** The result as text, when completed. */
  readonly output?: string
  readonly error?: ErrorInfo
}

export interface TrustTopicScores {
  readonly topic: string
  readonly threshold?: number
  readonly peers: ReadonlyArray<PeerName & { readonly score: number, readonly relative: number, readonly standing: TopicTrustView['standing'] }>
}

export interface TrustPoint { readonly at: number, readonly relative: number }

/** Who trusts whom in a topic: rating edges weighted by their satisfied share. */
export interface TrustGraph {
  readonly topic: string
  readonly nodes: ReadonlyArray<PeerName & { readonly self: boolean, readonly score: number }>
  readonly edges: ReadonlyArray<{ readonly from: string, readonly to: string, readonly weight: number }>
}

export interface CapabilityView {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly topics: readonly string[]
  readonly price: number
  /** `config`, or the MCP server id it comes from. */
  readonly source: string
  readonly approval: ApprovalMode
  readonly constraints: EffectiveConstraints
  /** Tasks served today against the daily limit (undefined: no limit). */
  readonly servedToday: number
  readonly dailyLimit?: number
}

export interface LlmEndpoint {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 for a local Ollama. */
  readonly baseUrl: string
  readonly embeddingModel?: string
  readonly chatModel?: string
  /** Whether an API key is stored (the key itself never leaves the keystore). */
  readonly hasApiKey: boolean
}

export interface AppSettings {
  readonly launchAtLogin: boolean
  readonly notifications: boolean
}

export interface ActivityEntry {
  readonly id: number
  readonly at: number
  readonly kind: 'approval' | 'grant' | 'task' | 'trust' | 'identity' | 'settings'
  readonly summary: string
  readonly ref?: string
}

type Empty = Record<string, never>

/** Every command: its params and its result. The names are a contract (the CLI's control socket uses the same ones). */
export interface ApiMethods {
  'app.status': { params: Empty, result: AppStatus }
  // Identity
  'identity.show': { params: Empty, result: IdentityInfo }
  'identity.create': { params: { keystore?: 'keychain' | 'file' }, result: IdentityInfo }
  'identity.restore': { params: { backup: string, passphrase: string }, result: IdentityInfo }
  'identity.backup': { params: { passphrase: string }, result: { backup: string, fileName: string } }
  'identity.rotate': { params: Empty, result: IdentityInfo }
  // Inbox and grants
  'inbox.list': { params: Empty, result: { pending: PendingApproval[] } }
  'inbox.history': { params: { limit?: number }, result: { decided: ApprovalRecord[] } }
  'inbox.decide': { params: { id: string, decision: Decision, ttlMs?: number }, result: ApprovalRecord }
  'grants.list': { params: { all?: boolean }, result: { grants: Grant[] } }
  'grants.add': { params: { peer: string, capability: string, topic?: string, ttlMs: number }, result: Grant }
  'grants.revoke': { params: { id: string }, result: Grant }
  // Delegation and negotiations
  'egress.preview': { params: { input: Record<string, unknown>, topic?: string, allow?: DataClass[] }, result: EgressPreview }
  'task.delegate': {
    /** `allow`: the data classes the person lets leave (the terms' egress clause); the default is the topic's current terms. */
    params: { intent: string, input: Record<string, unknown>, topic?: string, capability?: string, tier?: VerificationTier, reward?: number, deadlineMs?: number, canary?: boolean, allow?: DataClass[] },
    /** Answers at once with the task id; progress arrives as `task:updated` events. */
    result: { task: string }
  }
  'tasks.list': { params: { role?: 'requester' | 'provider', limit?: number }, result: { tasks: TaskSummary[] } }
  'tasks.get': { params: { task: string }, result: TaskDetail }
  'tasks.cancel': { params: { task: string }, result: TaskSummary }
  // Network
  'peers.list': { params: Empty, result: { peers: PeerView[] } }
  'discovery.discover': { params: { intent: string, topic?: string, maxPrice?: number, limit?: number }, result: { candidates: CandidateView[] } }
  'discovery.announce': { params: Empty, result: { announced: string[] } }
  'discovery.pinned': { params: Empty, result: { pinned: PinnedDescriptorView[] } }
  // Trust
  'trust.topics': { params: Empty, result: { topics: TrustTopicScores[] } }
  'trust.show': { params: { peer: string, topic?: string }, result: PeerName & PeerTrust }
  'trust.history': { params: { peer: string, topic: string }, result: { points: TrustPoint[] } }
  'trust.graph': { params: { topic: string }, result: TrustGraph }
  'trust.threshold.list': { params: Empty, result: { thresholds: Record<string, number> } }
  'trust.threshold.set': { params: { topic: string, minTrust: number }, result: { thresholds: Record<string, number> } }
  'trust.threshold.clear': { params: { topic: string }, result: { thresholds: Record<string, number> } }
  'trust.contacts.list': { params: Empty, result: { contacts: Array<PeerName & { addedAt: number }> } }
  'trust.contacts.add': { params: { peer: string }, result: { peer: PeerName, changed: boolean } }
  'trust.contacts.remove': { params: { peer: string }, result: { peer: PeerName, changed: boolean } }
  'trust.blocks.list': { params: Empty, result: { blocks: Array<PeerName & { addedAt: number }> } }
  'trust.block': { params: { peer: string }, result: { peer: PeerName, changed: boolean } }
  'trust.unblock': { params: { peer: string }, result: { peer: PeerName, changed: boolean } }
  // My agent
  'agent.capabilities': { params: Empty, result: { capabilities: CapabilityView[] } }
  'agent.constraints.set': { params: { capability: string, topic?: string, constraints: CooperationConstraints }, result: EffectiveConstraints }
  'agent.approval.set': { params: { capability: string, topic?: string, mode: ApprovalMode }, result: { mode: ApprovalMode } }
  'agent.dailyLimit.set': { params: { capability: string, limit: number | null }, result: { dailyLimit?: number } }
  'agent.privacy.get': { params: Empty, result: PrivacyRules }
  /** `marked`: JSON fields to mark as holding a data class (marking one again changes its class), and paths to unmark. */
  'agent.privacy.set': { params: { classes: Partial<Record<DataClass, EgressAction>>, marked?: { add?: MarkedPath[], remove?: string[] } }, result: PrivacyRules }
  'agent.llm.get': { params: Empty, result: { endpoint: LlmEndpoint | null } }
  'agent.llm.set': { params: { baseUrl: string, embeddingModel?: string, chatModel?: string, apiKey?: string } | { clear: true }, result: { endpoint: LlmEndpoint | null } }
  'agent.serving.set': { params: { serving: 'on' | 'paused' | 'offline' }, result: AppStatus }
  // Ledger and activity
  'ledger.summary': { params: Empty, result: { totals: CreditTotals, peers: PeerBalance[] } }
  'ledger.entries': { params: { peer?: string, task?: string, limit?: number }, result: { entries: LedgerEntry[] } }
  'activity.list': { params: { limit?: number, before?: number }, result: { entries: ActivityEntry[] } }
  // Settings
  'settings.get': { params: Empty, result: AppSettings }
  'settings.set': { params: Partial<AppSettings>, result: AppSettings }
  'diagnostics.export': { params: Empty, result: { fileName: string, text: string } }
  'data.deleteAll': { params: { confirm: 'delete everything' }, result: { deleted: true } }
  // Demo: a few local peer agents with sample capabilities that send requests to this one
  'demo.start': { params: { peers?: number }, result: { peers: PeerName[] } }
  'demo.stop': { params: Empty, result: { stopped: number } }
}

export type ApiMethod = keyof ApiMethods
export type ParamsOf<M extends ApiMethod> = ApiMethods[M]['params']
export type ResultOf<M extends ApiMethod> = ApiMethods[M]['result']

/** Everything the core pushes to a connected UI. */
export interface ApiEvents {
  'status:changed': AppStatus
  'inbox:changed': { pending: number, added?: PendingApproval, decided?: ApprovalRecord }
  'task:updated': { task: TaskSummary, entry: TimelineEntry }
  'peers:changed': { peers: number }
  'descriptor:drift': PinnedDescriptorView
  'trust:changed': { topics: string[] }
  'ledger:changed': { entry: LedgerEntry }
  'activity:added': ActivityEntry
}

export type ApiEventName = keyof ApiEvents
export type ApiEvent = { [E in ApiEventName]: { readonly event: E, readonly data: ApiEvents[E] } }[ApiEventName]

/** Wire frames (WebSocket text frames, or Electron IPC payloads), each ≤ 1 MiB. */
export type ApiRequest = { readonly id: number, readonly method: ApiMethod, readonly params: unknown }
export type ApiReply = { readonly id: number, readonly ok: true, readonly value: unknown } | { readonly id: number, readonly ok: false, readonly error: ErrorInfo }
export type ApiFrame = ApiReply | ApiEvent

/** What the renderer holds: the same over Electron's preload and over the daemon's WebSocket. */
export interface HearthApi {
  call<M extends ApiMethod> (method: M, params: ParamsOf<M>): Promise<ResultOf<M>>
  /** Returns the unsubscribe function. */
  on<E extends ApiEventName> (event: E, listener: (data: ApiEvents[E]) => void): () => void
}

export const MAX_API_FRAME_BYTES = 1024 * 1024

/** What serves the contract behind a face (the daemon's web bridge, Electron's IPC): the app core. */
export interface ApiBackend {
  /** The method is one of the contract's names (the face checked it); params are still unvalidated. */
  call (method: ApiMethod, params: unknown): Promise<unknown>
  /** Returns the unsubscribe function. */
  subscribe (listener: (event: ApiEvent) => void): () => void
}

// Every method name at run time, so a face can refuse any other before it reaches the core; typed so a name added to
// ApiMethods and missing here (or one here and not there) fails to compile.
const METHOD_NAMES: Record<ApiMethod, true> = {
  'app.status': true,
  'identity.show': true, 'identity.create': true, 'identity.restore': true, 'identity.backup': true, 'identity.rotate': true,
  'inbox.list': true, 'inbox.history': true, 'inbox.decide': true, 'grants.list': true, 'grants.add': true, 'grants.revoke': true,
  'egress.preview': true, 'task.delegate': true, 'tasks.list': true, 'tasks.get': true, 'tasks.cancel': true,
  'peers.list': true, 'discovery.discover': true, 'discovery.announce': true, 'discovery.pinned': true,
  'trust.topics': true, 'trust.show': true, 'trust.history': true, 'trust.graph': true,
  'trust.threshold.list': true, 'trust.threshold.set': true, 'trust.threshold.clear': true,
  'trust.contacts.list': true, 'trust.contacts.add': true, 'trust.contacts.remove': true,
  'trust.blocks.list': true, 'trust.block': true, 'trust.unblock': true,
  'agent.capabilities': true, 'agent.constraints.set': true, 'agent.approval.set': true, 'agent.dailyLimit.set': true,
  'agent.privacy.get': true, 'agent.privacy.set': true, 'agent.llm.get': true, 'agent.llm.set': true, 'agent.serving.set': true,
  'ledger.summary': true, 'ledger.entries': true, 'activity.list': true,
  'settings.get': true, 'settings.set': true, 'diagnostics.export': true, 'data.deleteAll': true,
  'demo.start': true, 'demo.stop': true
}

export const API_METHODS: readonly ApiMethod[] = Object.freeze(Object.keys(METHOD_NAMES) as ApiMethod[])

export function isApiMethod (name: string): name is ApiMethod {
  return Object.hasOwn(METHOD_NAMES, name)
}
