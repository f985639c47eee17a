import type { Libp2p } from 'libp2p'
import { TaskCanceledError, TaskDeadlineError } from '../api/errors.ts'
import type { TaskRecord, TaskTransition } from '../api/negotiation.ts'
import { anySignal } from '../common/abort.ts'
import { agentPeerId, hex } from '../identity/ids.ts'
import { isTerminal } from './lifecycle.ts'
import { decodeOffer } from './messages.ts'
import type { TypedEvents } from '../common/events.ts'
import type { Candidate, DiscoverConstraints } from '../discovery/matcher.ts'
import { CanaryRegistry } from '../execution/canaries.ts'
import type { LocalExecutor } from '../execution/tool.ts'
import type { BaidChain } from '../identity/baid.ts'
import type { Signer } from '../identity/envelope.ts'
import { StreamProtocols } from '../net/protocols.ts'
import type { Policy } from '../policy/service.ts'
import type { Database } from '../store/database.ts'
import { RuleAttributor, type Attributor } from './attribution.ts'
import type { ProviderProfile } from './best-response.ts'
import type { Mechanism } from './mechanism.ts'
import { ExecutionHistory } from './execution-history.ts'
import type { HeldResultsInit } from './held-results.ts'
import type { OfferWindow } from './offer-window.ts'
import { ProviderSide } from './provider.ts'
import { delegate, notify, type DelegationResult, type DelegationSpec } from './requester.ts'
import { TaskBoard } from './task-board.ts'
import type { TaskBoardEvents, TaskTimelineEntry } from './timeline.ts'
import { TraceStore } from './trace-store.ts'
import { closeTaskSessions, serveChallenges, serveTasks } from './wire.ts'

// The negotiation plane as the app runs it: `/hearth/task/1.0.0` served for the tasks peers ask of us, `/hearth/challenge/1.0.0`
// answered for T2, and delegations run as the leader. Every transition goes through the TaskBoard: persisted, then emitted.

export interface NegotiationComponents {
  readonly node: Libp2p
  readonly db: Database
  readonly policy: Policy
  readonly tools: LocalExecutor
  readonly signer: () => Promise<Signer>
  /** This agent's BAID id and bundle. */
  readonly baidId: () => string
  readonly bundle: () => Uint8Array
  /** Verify and remember a peer's BAID bundle; its chain. */
  readonly importBundle: (bytes: Uint8Array) => BaidChain
  /** A known agent's verified chain; throws UnknownBaidError otherwise. */
  readonly chainOf: (agent: Uint8Array) => BaidChain
  readonly discover: (intent: string, constraints: DiscoverConstraints) => Promise<Candidate[]>
  /** Relative trust (0–1) of an agent in a topic; undefined when it is not to be dealt with. */
  readonly trust: (agent: Uint8Array, topic: string) => number | undefined
  /**
   * Keep a co-signed receipt (as its requester, our rating is gossiped behind it, unawaited). `commit`, when given, runs the
   * keeping inside the caller's own transaction: a task's last steps and its receipt are then one durable commit.
   */
  readonly recordReceipt: (bytes: Uint8Array, commit?: (keep: () => void) => void) => Promise<unknown>
  readonly reportFraud: (offender: Uint8Array, topic: string, evidence: Uint8Array) => void
  /** The capabilities this agent offers, by id, and their price. */
  readonly offered: () => ReadonlyMap<string, { readonly price: number }>
}

export interface NegotiationInit {
  /** The leader's mechanism for a topic that has none adopted yet. */
  readonly mechanism?: Mechanism
  /** How this agent answers as a provider (price comes from the capability). */
  readonly profile?: Partial<Omit<ProviderProfile, 'cost' | 'priceFloor'>>
  readonly attributor?: Attributor
  readonly canaries?: CanaryRegistry
  readonly now?: () => number
  /** When the leader stops waiting for offers and ranks them (default: two acceptable ones and 250 ms). */
  readonly offerWindow?: Partial<OfferWindow>
  /** How many bytes of large results this provider holds for fetching, and how long each waits (default: 64 MiB, 2 minutes). */
  readonly heldResults?: HeldResultsInit
}

export const DEFAULT_MECHANISM: Mechanism = {
  reward: { base: 10, qualityBonus: 0 },
  tier: 'T1',
  windowMs: 60_000,
  penalties: { forfeitOnFailure: true, lateFee: 0, fraudSlash: 0, shortfall: 0 },
  egress: { allowedDataClasses: ['public'], redactionRequired: false },
  canary: false
}

/** The longest going offline waits for delegations to end and their providers to be told. */
const STOP_WAIT_MS = 10_000

const DEFAULT_PROFILE: Omit<ProviderProfile, 'cost' | 'priceFloor'> = { markup: 1.25, etaMs: 1_000, etaSpread: 0.5, quality: 0.9, failureRate: 0.02 }

export class Negotiation {
  readonly board: TaskBoard
  readonly traces: TraceStore
  private readonly components: NegotiationComponents
  private readonly init: NegotiationInit
  private readonly provider: ProviderSide
  /** Delegations this instance runs as the leader, each with what stops it (the person's cancel goes through the board). */
  private readonly running = new Map<string, { readonly stop: AbortController, readonly done: Promise<unknown> }>()
  /** Cancel notices still on their way to providers. */
  private readonly notices = new Set<Promise<void>>()
  private started = false

  constructor (components: NegotiationComponents, init: NegotiationInit = {}) {
    this.components = components
    this.init = init
    const now = init.now ?? Date.now
    this.board = new TaskBoard({ db: components.db }, { now })
    this.traces = new TraceStore(components.db)
    this.provider = new ProviderSide({
      board: this.board,
      policy: components.policy,
      tools: components.tools,
      signer: components.signer,
      importBaid: (bundle, agent) => {
        const chain = components.importBundle(bundle)
        if (Buffer.compare(Buffer.from(chain.head.record.agent), Buffer.from(agent)) !== 0) throw new Error('the BAID bundle sent is not the requester\'s')
        return chain.genesisHash
      },
      trust: components.trust,
      offered: components.offered,
      recordReceipt: components.recordReceipt,
      profile: { ...DEFAULT_PROFILE, ...init.profile },
      history: new ExecutionHistory(components.db),
      connected: agent => components.node.getConnections(agentPeerId(agent)).some(c => c.status === 'open'),
      now
    }, init.heldResults === undefined ? {} : { heldResults: init.heldResults })
  }

  get events (): TypedEvents<TaskBoardEvents> {
    return this.board.events
  }

  /**
   * Serve the task and challenge protocols. Tasks that passed their deadline while we were away are failed first; the others
   * left live (Hearth stopped or went offline while they ran, so nothing here drives them) fail at their deadline, unless the
   * person cancels them first, and a requester's providers are told.
   */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.board.failOverdue()
    for (const record of this.board.store.live()) this.watchOrphan(record.task)
    await serveTasks(this.components.node, async (frame, from) => await this.provider.handle(frame, from))
    await serveChallenges(this.components.node, async () => ({ signer: await this.components.signer(), baidId: this.components.baidId() }))
  }

  /**
   * Delegations still running end (canceled: the agent is going offline) and their providers are told, while the node is
   * still up to tell them; then the protocols stop being served.
   */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const running = [...this.running.values()]
    for (const { stop } of running) stop.abort(new TaskCanceledError('Hearth went offline before the task ended'))
    // Bounded: a notice times out on its own, and nothing a delegation still awaits may hold the agent online for long.
    await Promise.race([(async () => {
      await Promise.allSettled(running.map(r => r.done))
      await Promise.allSettled([...this.notices])
    })(), new Promise(resolve => setTimeout(resolve, STOP_WAIT_MS).unref())])
    this.board.stop()
    this.provider.stop()
    closeTaskSessions(this.components.node)
    await this.components.node.unhandle([StreamProtocols.task, StreamProtocols.challenge]).catch(() => undefined)
  }

  /** A whole negotiation, as the leader, to a result; aborting the signal (or `cancel`) cancels it. */
  async delegate (spec: DelegationSpec, options: { signal?: AbortSignal, onTask?: (task: string) => void } = {}): Promise<DelegationResult> {
    const stop = new AbortController()
    let task: string | undefined
    let settle: () => void = () => {}
    const done = new Promise<void>(resolve => { settle = resolve })
    try {
      return await this.lead(spec, {
        signal: anySignal(options.signal, stop.signal),
        onTask: id => {
          task = id
          this.running.set(id, { stop, done })
          options.onTask?.(id)
        }
      })
    } finally {
      if (task !== undefined) this.running.delete(task)
      settle()
    }
  }

  private async lead (spec: DelegationSpec, options: { signal: AbortSignal, onTask: (task: string) => void }): Promise<DelegationResult> {
    const c = this.components
    return await delegate({
      node: c.node,
      board: this.board,
      policy: c.policy,
      traces: this.traces,
      signer: c.signer,
      bundle: c.bundle,
      chainOf: c.chainOf,
      discover: c.discover,
      trust: c.trust,
      recordReceipt: c.recordReceipt,
      reportFraud: c.reportFraud,
      canaries: this.init.canaries ?? new CanaryRegistry(),
      attributor: this.init.attributor ?? new RuleAttributor(),
      mechanism: this.init.mechanism ?? DEFAULT_MECHANISM,
      now: this.init.now ?? Date.now,
      notices: this.notices,
      ...(this.init.offerWindow === undefined ? {} : { offerWindow: this.init.offerWindow })
    }, spec, options)
  }

  /**
   * The person cancels a live task: its work stops, and a provider working on it is told — by the delegation when one runs
   * here, otherwise (after a restart, or offline and back) from what the task recorded: its provider and those who offered.
   */
  cancel (task: string, reason = 'canceled by the person'): TaskTransition {
    const transition = this.board.cancel(task, reason, 'person')
    if (this.board.get(task).role === 'requester' && !this.running.has(task)) this.tellProviders(task, reason)
    return transition
  }

  /** A live task no delegation or request here drives: it fails at its deadline (telling a requester task's providers). */
  private watchOrphan (task: string): void {
    const signal = this.board.signal(task)
    signal.addEventListener('abort', () => {
      if (!(signal.reason instanceof TaskDeadlineError) || isTerminal(this.board.get(task).state)) return
      const record = this.board.get(task)
      this.board.move(task, 'failed', { reason: record.role === 'requester' ? 'the deadline passed (Hearth stopped while the task ran, so its result could not arrive)' : 'the deadline passed', actor: 'system' })
      if (record.role === 'requester') this.tellProviders(task, 'the deadline passed')
    }, { once: true })
  }

  /** Best effort, in the background: every provider this requester task involved (asked, offered, awarded) hears that it ended. */
  private tellProviders (task: string, reason: string): void {
    const providers = new Map<string, Uint8Array>()
    const peer = this.board.get(task).peer
    if (peer !== undefined) providers.set(hex(peer), peer)
    const terms = this.board.store.timeline(task).find(e => e.kind === 'terms')
    for (const key of terms?.kind === 'terms' ? terms.asked ?? [] : []) {
      if (/^[0-9a-f]{64}$/.test(key)) providers.set(key, Uint8Array.from(Buffer.from(key, 'hex')))
    }
    for (const bytes of this.board.store.offers(task)) {
      try {
        const offer = decodeOffer(bytes)
        if (offer.decision === 'accept') providers.set(hex(offer.provider), offer.provider)
      } catch {
        // An offer kept is one that verified when it came; one that no longer opens names nobody to tell.
      }
    }
    if (providers.size === 0) return
    void (async () => {
      const signer = await this.components.signer()
      await Promise.all([...providers.values()].map(async provider => { await notify({ node: this.components.node, notices: this.notices }, provider, task, signer, reason) }))
    })().catch(() => undefined)
  }

  get (task: string): TaskRecord {
    return this.board.get(task)
  }

  timeline (task: string): TaskTransition[] {
    return this.board.store.transitions(task)
  }

  /** The whole timeline: states, terms, offers, selection, verification and receipt, in order. */
  entries (task: string): TaskTimelineEntry[] {
    return this.board.store.timeline(task)
  }
}
