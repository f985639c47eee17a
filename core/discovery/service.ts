import type { PeerId } from '@libp2p/interface'
import { HearthError } from '../api/errors.ts'
import { equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import { TypedEvents } from '../common/events.ts'
import { assertCurrent } from '../identity/baid.ts'
import { hex, peerIdOf } from '../identity/ids.ts'
import type { Identity } from '../identity/identity.ts'
import type { BaidVerifier } from '../identity/verifier.ts'
import type { HearthPeer } from '../net/peer.ts'
import { announceTopic, BROADCAST_DOMAIN, BROADCAST_TOPIC, dhtBaidKey } from '../net/protocols.ts'
import { advertiseTopic, lonelyOn, meetSubscribers, subscribersKnown } from '../net/rendezvous.ts'
import type { Signer } from '../identity/envelope.ts'
import type { Database } from '../store/database.ts'
import { OwnLog, type OwnEntry } from './author-log.ts'
import { decodeDescriptor, encodeDescriptor, TOPICS, type CapabilityDescriptor } from './descriptor.ts'
import { BodylessGossip, type GossipMode } from './gossip.ts'
import type { SignedLogEntry } from './log-entry.ts'
import { LogStore, type FraudProof as LogFraudProof, type IngestVerdict } from './log-store.ts'
import { CapabilityIndex, type Candidate, type DiscoverConstraints, type DiscoverOptions, type TrustHook } from './matcher.ts'
import { ownDescriptors, type CapabilityConfig } from './own-capabilities.ts'
import { DescriptorPins, type Drift } from './pins.ts'
import type { EmbeddingProvider } from './embeddings.ts'

// The semantic discovery plane: announce our capabilities as signed soft state, learn others' by bodyless gossip,
// verify each against its author's BAID (T1), pin what we saw, and answer intents from the live index.

export interface DiscoveryEvents extends Record<string, unknown> {
  'descriptor:added': CapabilityDescriptor
  'descriptor:drift': Drift
  'descriptor:rejected': { agent: Uint8Array, reason: string }
  /** An author's verified `rating` entry: its body is the co-signed receipt, for reputation to weigh. */
  'rating:received': { author: Uint8Array, body: Uint8Array }
  /**
   * A verified descriptor waits for its author's BAID before it can be checked (T1): we hold none of its BAID entries (a
   * DHT lookup), hold one whose body is still on its way, or hold one whole that did not give a chain.
   */
  'descriptor:waiting': { agent: Uint8Array, baid: 'no-entry' | 'body-pending' | 'held' }
  /** An author's BAID bundle arrived and was imported. */
  'baid:imported': { agent: Uint8Array }
  /** An author signed two entries at one position of its log: proof of fraud. */
  'log:equivocation': { proof: LogFraudProof }
  /** Every gossiped or gap-filled header's verdict, with the peer that sent it (PeerId text): for metrics and the testnet. */
  'gossip:verdict': { verdict: IngestVerdict['verdict'], hash: Uint8Array | undefined, from: string, reason: string | undefined }
  /** Something a peer (PeerId text) sent or signed that no honest peer does: for reputation to weigh its conduct. */
  'peer:misconduct': { peerId: string, offence: 'invalid-message' | 'flood' | 'drift', reason: string }
}

export interface DiscoveryComponents {
  readonly peer: HearthPeer
  readonly db: Database
  readonly identity: Identity
  readonly verifier: BaidVerifier
}

export interface DiscoveryInit {
  /** Semantic domains to listen to. */
  readonly interests: readonly string[]
  readonly capabilities: readonly CapabilityConfig[]
  /** Lifetime of our descriptors; refreshed (header only) at half of it. */
  readonly ttlMs?: number
  readonly mode?: GossipMode
  readonly trust?: TrustHook
  /** Bodies kept outside the logs (the receipts reputation keeps), by hash: gossip takes them from here rather than pulling. */
  readonly heldBody?: (bodyHash: Uint8Array) => Uint8Array | undefined
  /** Authors whose news is not taken now (reputation shuns them): their entries are not stored, pulled or forwarded. */
  readonly refusesAuthor?: (author: Uint8Array) => boolean
  /** Optional semantic similarity for ranking; lexical BM25 alone without it. */
  readonly embeddings?: EmbeddingProvider
  readonly now?: () => number
}

const DEFAULT_TTL_MS = 10 * 60 * 1000
const EXPIRY_SWEEP_MS = 5_000
const MAX_PENDING_PER_AUTHOR = 32
/** Capabilities held per agent: far above any honest configuration, low enough that identities cannot flood the index. */
export const MAX_CAPABILITIES_PER_AGENT = 64
const JOIN_REFRESH_DEBOUNCE_MS = 1_000
const LOOKUP_BACKOFF_MS = 60_000
const DHT_PUT_ATTEMPTS = 5
const DHT_PUT_RETRY_MS = 3_000
/** How often a peer short of subscribers on a topic asks again (a neighbour request; a DHT walk only when they know none). */
const RENDEZVOUS_INTERVAL_MS = 5_000
/** The longest pause before asking again about a topic whose last meetings found nobody new (a topic with few subscribers anywhere). */
const MAX_MEET_PAUSE_MS = 5 * 60_000
/**
 * Provider records are stored at the peers closest to the topic's key at the time, and newer peers may be closer: so
 * re-advertise, but rarely — each advertisement is a DHT query that costs every peer it touches. The first waits a
 * random while, so peers starting together do not all query at once (neighbours introduce them meanwhile).
 */
const ADVERTISE_INTERVAL_MS = 20 * 60_000
const FIRST_ADVERTISE_MS: readonly [number, number] = [30_000, 120_000]
const CONNECT_RENDEZVOUS_DELAY_MS = 500
/** A topic with few subscribers anywhere stays lonely: walk the DHT for more at most this often. */
const WALK_INTERVAL_MS = 60_000
/** A loaded network answers DHT queries slowly; a query still running is not started again. */
const RENDEZVOUS_TIMEOUT_MS = 30_000
const MEET_TIMEOUT_MS = 2_000
const JOIN_REFRESH_MIN_INTERVAL_MS = 30_000
/** Bounds for the per-peer memos below (a flood of identities must not grow them without end). */
const MAX_KNOWN_SUBSCRIBERS = 100_000

export class Discovery {
  readonly events = new TypedEvents<DiscoveryEvents>()
  readonly index: CapabilityIndex
  readonly logs: LogStore
  readonly pins: DescriptorPins
  private readonly components: DiscoveryComponents
  private readonly init: DiscoveryInit
  private readonly own: OwnLog
  private readonly gossip: BodylessGossip
  private readonly ttlMs: number
  private readonly now: () => number
  /** Descriptors whose author's BAID we have not verified yet, by author. */
  private readonly pending = new Map<string, Array<{ signed: SignedLogEntry, descriptor: CapabilityDescriptor }>>()
  /** When each author's BAID was last looked up in the DHT. */
  private readonly lookups = new Map<string, number>()
  private timers: NodeJS.Timeout[] = []
  private announced: Array<{ descriptor: CapabilityDescriptor, body: Uint8Array }> = []
  /** The last BAID bundle imported from each author, by hash. */
  private readonly importedBaids = new Map<string, string>()
  /** When each followed topic is next advertised in the DHT. */
  private readonly advertiseAt = new Map<string, number>()
  /** When a lonely topic last allowed a DHT walk for subscribers. */
  private readonly walkedAt = new Map<string, number>()
  /** Lonely topics whose last meeting found nobody new: not asked about again before `until`; the pause doubles each time. */
  private readonly meetPauses = new Map<string, { until: number, ms: number }>()
  /** Topics whose subscribers are being met, and whose DHT advertisement is being put, right now. */
  private readonly joining = new Set<string>()
  private readonly advertising = new Set<string>()
  private connectRendezvous: NodeJS.Timeout | undefined
  private started = false
  /** Topics our current BAID has been announced on. */
  private readonly baidTopics = new Set<string>()

  constructor (components: DiscoveryComponents, init: DiscoveryInit) {
    this.components = components
    this.init = init
    this.ttlMs = init.ttlMs ?? DEFAULT_TTL_MS
    this.now = init.now ?? Date.now
    this.logs = new LogStore(components.db)
    this.own = new OwnLog(this.logs)
    this.pins = new DescriptorPins(components.db)
    this.index = new CapabilityIndex({
      ...(init.trust === undefined ? {} : { trust: init.trust }),
      ...(init.embeddings === undefined ? {} : { embeddings: init.embeddings })
    })
    this.gossip = new BodylessGossip({ peer: components.peer, logs: this.logs }, {
      interests: init.interests,
      ...(init.mode === undefined ? {} : { mode: init.mode }),
      onEntry: (signed, body, from) => this.onEntry(signed, body, from),
      lacksAuthor: author => !components.verifier.knowsAgent(author),
      ...(init.refusesAuthor === undefined ? {} : { refusesAuthor: init.refusesAuthor }),
      ...(init.heldBody === undefined ? {} : { heldBody: init.heldBody }),
      onVerdict: (verdict, from, action) => {
        if (verdict.verdict === 'equivocation') this.events.emit('log:equivocation', { proof: verdict.proof })
        const reason = verdict.verdict === 'invalid' ? verdict.error.name : undefined
        if (action === 'reject') this.misconduct(from.toString(), 'invalid-message', reason ?? verdict.verdict)
        this.events.emit('gossip:verdict', { verdict: verdict.verdict, hash: 'hash' in verdict ? verdict.hash : undefined, from: from.toString(), reason })
      },
      now: this.now
    })
  }

  async start (): Promise<void> {
    this.started = true
    await this.gossip.start()
    this.rendezvous()
    await this.announce()
    // A peer that newly joins one of our topics missed our last announcement: refresh soon (header only, debounced).
    this.components.peer.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.components.peer.addEventListener('peer:connect', this.onConnect)
    this.timers = [
      setInterval(() => this.rendezvous(), RENDEZVOUS_INTERVAL_MS),
      setInterval(() => { void this.refresh().catch(() => undefined) }, this.ttlMs / 2),
      setInterval(() => this.index.expire(this.now()), EXPIRY_SWEEP_MS)
    ]
    for (const t of this.timers) t.unref()
  }

  async stop (): Promise<void> {
    this.started = false
    this.components.peer.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.components.peer.removeEventListener('peer:connect', this.onConnect)
    clearTimeout(this.joinRefresh)
    clearTimeout(this.connectRendezvous)
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.gossip.stop()
  }

  /** Sign and gossip our BAID and each configured capability as fresh entries of our log. */
  async announce (): Promise<CapabilityDescriptor[]> {
    const { identity } = this.components
    const info = identity.info()
    const head = identity.chain().head.record
    const descriptors = ownDescriptors(this.init.capabilities, { agent: head.agent, baidId: info.baidId, baidVersion: info.baidVersion, configDigest: head.configDigest }, this.now(), this.ttlMs)
    this.baidTopics.clear()
    await this.publishBaid([...new Set([...this.init.interests, ...descriptors.flatMap(d => d.topics)])])
    void this.publishToDht(info.peerId, identity.exportBundle())
    this.announced = []
    const announced: CapabilityDescriptor[] = []
    for (const descriptor of descriptors) {
      try {
        await this.publish(descriptor)
        announced.push(descriptor)
      } catch (err) {
        // One oversized capability (say, an MCP tool with a huge schema) must not silence the others.
        if (!(err instanceof HearthError)) throw err
        this.events.emit('descriptor:rejected', { agent: head.agent, reason: err.message })
      }
    }
    return announced
  }

  /** Sign, store and gossip one descriptor of ours; it is refreshed with the others from then on. Returns its log entry. */
  async publish (descriptor: CapabilityDescriptor): Promise<SignedLogEntry> {
    const body = encodeDescriptor(descriptor)
    await this.meetAudience(descriptor.topics)
    await this.publishBaid(descriptor.topics.filter(t => !this.baidTopics.has(t)))
    const signer = await this.components.identity.agentSigner()
    const signed = this.own.append('descriptor', body, digestOf(descriptor), signer, this.now())
    await this.gossip.publish(signed, body)
    this.announced.push({ descriptor, body })
    return signed
  }

  /** Sign, store and gossip a rating of ours: the co-signed receipt of a task we asked for, on its topic. */
  async publishRating (receipt: Uint8Array, topic: string): Promise<void> {
    await this.gossipRating(this.logRating(receipt, topic, await this.components.identity.agentSigner()), receipt)
  }

  /** Sign and store a rating of ours in our log, at once; inside a caller's transaction it commits with it. */
  logRating (receipt: Uint8Array, topic: string, signer: Signer): SignedLogEntry {
    return this.own.append('rating', receipt, { topics: [topic], keywords: [] }, signer, this.now())
  }

  /** Gossip a rating logged by `logRating`. */
  async gossipRating (entry: SignedLogEntry, receipt: Uint8Array): Promise<void> {
    await this.meetAudience(entry.entry.topics)
    await this.gossip.publish(entry, receipt)
  }

  /** Agents announcing a topic now. */
  agentsIn (topic: string): Uint8Array[] {
    return this.index.agentsIn(topic, this.now())
  }

  /**
   * Meet each followed topic's subscribers while we know too few of them (neighbours first, the DHT only if they know
   * nobody), and advertise our interest in the DHT once we have a peer, then every few minutes at a jittered time —
   * DHT walks on every peer at once would cost more CPU than the gossip they serve.
   */
  private rendezvous (): void {
    const { peer } = this.components
    if (peer.getConnections().length === 0) return // nobody to ask yet: the first connection brings us back here
    const now = Date.now()
    // The full-body baseline meets the subscribers of its one global topic the same way.
    for (const domain of this.init.mode === 'full-body' ? [BROADCAST_DOMAIN] : this.init.interests) {
      // Advertising is a slow DHT put on a loaded network: it runs beside meeting subscribers, never holding it up.
      if (!this.advertiseAt.has(domain)) this.advertiseAt.set(domain, now + jitter(FIRST_ADVERTISE_MS))
      if (now >= this.advertiseAt.get(domain)! && !this.advertising.has(domain)) {
        this.advertiseAt.set(domain, now + jitter([0.75 * ADVERTISE_INTERVAL_MS, 1.25 * ADVERTISE_INTERVAL_MS]))
        this.advertising.add(domain)
        void advertiseTopic(peer, domain, AbortSignal.timeout(RENDEZVOUS_TIMEOUT_MS)).finally(() => this.advertising.delete(domain))
      }
      if (this.joining.has(domain) || !lonelyOn(peer, domain) || this.pausedMeeting(domain, now)) continue
      const walk = now - (this.walkedAt.get(domain) ?? -Infinity) >= WALK_INTERVAL_MS
      if (walk) this.walkedAt.set(domain, now)
      this.meet(domain, walk)
    }
    this.keepAudiences(now)
  }

  /**
   * A known topic we do not follow is one we may still announce or rate on: keep a subscriber of each met, so that a
   * publish there goes out at once instead of first waiting to find someone to hear it (the slowest announcements did).
   */
  private keepAudiences (now: number): void {
    if (this.init.mode === 'full-body') return
    const { peer } = this.components
    for (const domain of TOPICS) {
      if (this.init.interests.includes(domain) || this.joining.has(domain) || peer.services.pubsub.getSubscribers(announceTopic(domain)).length > 0 || this.pausedMeeting(domain, now)) continue
      // Neighbours only: a DHT walk for a topic we merely might publish on costs more than the wait it saves.
      this.meet(domain, false)
    }
  }

  /** Meet subscribers of `domain` in the background, one meeting per domain at a time. */
  private meet (domain: string, walk: boolean): void {
    const { peer } = this.components
    const before = subscribersKnown(peer, domain)
    this.joining.add(domain)
    void meetSubscribers(peer, domain, AbortSignal.timeout(RENDEZVOUS_TIMEOUT_MS), { walk }).catch(() => undefined).finally(() => {
      this.joining.delete(domain)
      // Nobody new: our neighbours know no more subscribers than we do, and asking them every few seconds will not change that.
      const pause = this.meetPauses.get(domain)?.ms
      if (subscribersKnown(peer, domain) > before) this.meetPauses.delete(domain)
      else {
        const ms = Math.min(MAX_MEET_PAUSE_MS, pause === undefined ? RENDEZVOUS_INTERVAL_MS : 2 * pause)
        this.meetPauses.set(domain, { until: Date.now() + ms, ms })
      }
    })
  }

  /** Whether questions about `domain` wait: its last meeting found nobody new, and its pause has not run out. */
  private pausedMeeting (domain: string, now: number): boolean {
    return now < (this.meetPauses.get(domain)?.until ?? 0)
  }

  /** A new connection is someone to ask about our topics' subscribers: soon, once per burst of connections. */
  private readonly onConnect = (): void => {
    this.meetPauses.clear() // a new neighbour may know subscribers the others did not
    if (this.connectRendezvous !== undefined) return
    this.connectRendezvous = setTimeout(() => { this.connectRendezvous = undefined; this.rendezvous() }, CONNECT_RENDEZVOUS_DELAY_MS)
  }

  /**
   * Announcing on topics we do not listen to: with no known subscriber we must find some first (else nobody hears
   * it); with some, the announcement goes out now and more are met in the background.
   */
  private async meetAudience (topics: readonly string[]): Promise<void> {
    if (this.init.mode === 'full-body') return
    const pubsub = this.components.peer.services.pubsub
    await Promise.all(topics.filter(t => !this.init.interests.includes(t)).map(async t => {
      const meeting = meetSubscribers(this.components.peer, t, AbortSignal.timeout(MEET_TIMEOUT_MS))
      if (pubsub.getSubscribers(announceTopic(t)).length === 0) await meeting
    }))
  }

  /** Our BAID goes out on every topic we announce on, first, so each receiver can check our descriptors (T1). */
  private async publishBaid (topics: readonly string[]): Promise<void> {
    await this.publishAll(this.baidEntries(topics))
    for (const t of topics) this.baidTopics.add(t)
  }

  /** Our BAID bundle as entries of our log, one per 8 topics (a header names at most 8). */
  private baidEntries (topics: readonly string[]): OwnEntry[] {
    const entries: OwnEntry[] = []
    if (topics.length === 0) return entries
    const bundle = this.components.identity.exportBundle()
    for (let i = 0; i < topics.length; i += 8) entries.push({ kind: 'baid', body: bundle, digest: { topics: topics.slice(i, i + 8), keywords: ['baid'] } })
    return entries
  }

  /** Append entries to our log in one durable transaction, then gossip each, in order. */
  private async publishAll (entries: readonly OwnEntry[]): Promise<void> {
    if (entries.length === 0) return
    const signed = this.own.appendAll(entries, await this.components.identity.agentSigner(), this.now())
    for (let i = 0; i < signed.length; i++) await this.gossip.publish(signed[i]!, entries[i]!.body)
  }

  /** Soft state stays alive by a new header naming the same body: receivers that hold it pull nothing. */
  async refresh (): Promise<void> {
    // Our BAID too, so a peer that joined since can check what follows (T1) without a gap fill.
    await this.publishAll([
      ...this.baidEntries([...this.baidTopics]),
      ...this.announced.map(({ descriptor, body }): OwnEntry => ({ kind: 'descriptor', body, digest: digestOf(descriptor) }))
    ])
  }

  private joinRefresh: NodeJS.Timeout | undefined
  private lastJoinRefresh = 0
  /** (peer, topic) subscriptions seen since start: a reconnecting subscriber has heard our announcements already. */
  private readonly knownSubscribers = new Set<string>()

  private readonly onSubscriptionChange = (event: CustomEvent<{ peerId: { toString: () => string }, subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    // The full-body baseline carries everything on its one topic: a newcomer there missed our BAID just the same.
    const ours = new Set(this.init.mode === 'full-body' ? [BROADCAST_TOPIC] : this.announced.flatMap(a => a.descriptor.topics).map(announceTopic))
    let newcomer = false
    for (const { topic, subscribe } of event.detail.subscriptions) {
      const key = `${event.detail.peerId.toString()} ${topic}`
      if (!subscribe || !ours.has(topic) || this.knownSubscribers.has(key)) continue
      if (this.knownSubscribers.size >= MAX_KNOWN_SUBSCRIBERS) this.knownSubscribers.clear()
      this.knownSubscribers.add(key)
      newcomer = true
    }
    if (!newcomer || this.joinRefresh !== undefined) return
    const wait = Math.max(JOIN_REFRESH_DEBOUNCE_MS, this.lastJoinRefresh + JOIN_REFRESH_MIN_INTERVAL_MS - Date.now())
    this.joinRefresh = setTimeout(() => {
      this.joinRefresh = undefined
      this.lastJoinRefresh = Date.now()
      void this.refresh().catch(() => undefined)
    }, wait)
    this.joinRefresh.unref()
  }

  /** The semantic domains this agent listens to. */
  get interests (): readonly string[] {
    return this.init.interests
  }

  async discover (intent: string, constraints: DiscoverConstraints = {}, options: DiscoverOptions = {}): Promise<Candidate[]> {
    this.index.expire(this.now())
    return this.index.discover(intent, constraints, { now: this.now(), ...options })
  }

  private onEntry (signed: SignedLogEntry, body: Uint8Array, from?: PeerId): void {
    try {
      if (signed.entry.kind === 'baid') this.onBaid(signed.entry.author, body)
      else if (signed.entry.kind === 'descriptor') this.onDescriptor(signed, decodeDescriptor(body), from)
      else if (signed.entry.kind === 'rating') this.events.emit('rating:received', { author: signed.entry.author, body })
    } catch (err) {
      if (!(err instanceof HearthError)) throw err
      this.events.emit('descriptor:rejected', { agent: signed.entry.author, reason: `${err.name}: ${err.message}` })
    }
  }

  private onBaid (author: Uint8Array, bundle: Uint8Array): void {
    // A refresh names the same bundle again: its chain was verified and stored the first time.
    const digest = hex(sha256(bundle))
    if (this.importedBaids.get(hex(author)) !== digest) {
      try {
        this.components.identity.importBundle(bundle)
      } catch (err) {
        if (!(err instanceof HearthError) || err.name !== 'BaidVersionReplayError') throw err
      }
      if (this.importedBaids.size >= MAX_KNOWN_SUBSCRIBERS) this.importedBaids.clear()
      this.importedBaids.set(hex(author), digest)
    }
    this.events.emit('baid:imported', { agent: author })
    const waiting = this.pending.get(hex(author)) ?? []
    this.pending.delete(hex(author))
    for (const { signed, descriptor } of waiting) this.onDescriptor(signed, descriptor)
  }

  /** T1 for a descriptor: its author is the current agent of a live BAID whose config digest it carries. */
  private onDescriptor (signed: SignedLogEntry, descriptor: CapabilityDescriptor, from?: PeerId): void {
    const author = signed.entry.author
    if (!equalBytes(descriptor.agent, author)) {
      this.events.emit('descriptor:rejected', { agent: author, reason: 'the descriptor names another agent than its signer' })
      this.misconduct(peerIdOf(author), 'invalid-message', 'a descriptor naming another agent')
      return
    }
    if (this.index.get(author, descriptor.id) === undefined && this.index.countOf(author) >= MAX_CAPABILITIES_PER_AGENT) {
      // Bounded state per author: one identity cannot fill the index (and every peer's memory) with capabilities.
      this.events.emit('descriptor:rejected', { agent: author, reason: `over ${MAX_CAPABILITIES_PER_AGENT} capabilities from one agent` })
      this.misconduct(peerIdOf(author), 'flood', 'capabilities over the per-agent limit')
      return
    }
    let chain
    try {
      chain = this.components.verifier.chainOfAgent(author)
    } catch {
      this.await(author, signed, descriptor, from)
      return
    }
    assertCurrent(chain, this.now())
    if (chain.baidId !== descriptor.baidId || !equalBytes(chain.head.record.configDigest, descriptor.configDigest)) {
      this.events.emit('descriptor:rejected', { agent: author, reason: `descriptor ${descriptor.id} does not match its author's current BAID` })
      return
    }
    for (const drift of this.pins.check(descriptor, this.now())) {
      this.events.emit('descriptor:drift', drift)
      this.misconduct(peerIdOf(author), 'drift', `${descriptor.id}: ${drift.what}`)
    }
    // Liveness counts from the latest header naming this body, so a header-only refresh extends it — never from the future.
    const live = { ...descriptor, issuedAt: Math.min(this.now(), Math.max(descriptor.issuedAt, signed.entry.ts)) }
    if (this.index.upsert(live)) this.events.emit('descriptor:added', live)
  }

  private misconduct (peerId: string, offence: DiscoveryEvents['peer:misconduct']['offence'], reason: string): void {
    this.events.emit('peer:misconduct', { peerId, offence, reason })
  }

  private await (author: Uint8Array, signed: SignedLogEntry, descriptor: CapabilityDescriptor, from?: PeerId): void {
    const baid = this.logs.latest(author, 'baid')
    const bodyHeld = baid !== undefined && this.logs.hasBody(baid.entry.bodyHash)
    this.events.emit('descriptor:waiting', { agent: author, baid: baid === undefined ? 'no-entry' : bodyHeld ? 'held' : 'body-pending' })
    const key = hex(author)
    const queue = this.pending.get(key) ?? []
    if (queue.length >= MAX_PENDING_PER_AUTHOR) return
    queue.push({ signed, descriptor })
    this.pending.set(key, queue)
    // We hold the author's BAID header: its body is on its way (a pull in flight is shared), or whoever just served this
    // descriptor likely holds it. Only an author whose BAID entry we never saw is worth a DHT query, which costs every peer it asks.
    if (baid !== undefined) {
      if (from !== undefined && !bodyHeld) void this.gossip.retryBody(baid, from)
      return
    }
    // One DHT lookup per author per minute: a stale bundle there must not start a loop.
    const last = this.lookups.get(key) ?? 0
    if (queue.length === 1 && this.now() - last > LOOKUP_BACKOFF_MS) {
      this.lookups.set(key, this.now())
      void this.lookupBaid(author)
    }
  }

  /** An author whose BAID entry we missed: its bundle is in the DHT under its PeerId. */
  private async lookupBaid (author: Uint8Array): Promise<void> {
    const key = dhtBaidKey(peerIdOf(author))
    try {
      for await (const event of this.components.peer.services.dht.get(key, { signal: AbortSignal.timeout(5_000) })) {
        if (event.name === 'VALUE') { this.onBaid(author, event.value); return }
      }
    } catch { /* not found now; the author's next BAID entry brings it */ }
  }

  /**
   * Our bundle into the DHT, for peers that missed our BAID entry. Right after start a peer often knows no DHT server
   * yet (a desktop is a DHT client until identify tells it who serves): the put is tried again, later, until one stores it.
   */
  private async publishToDht (peerId: string, bundle: Uint8Array): Promise<void> {
    for (let attempt = 0; attempt < DHT_PUT_ATTEMPTS && this.started; attempt++) {
      if (attempt > 0) await new Promise(resolve => setTimeout(resolve, DHT_PUT_RETRY_MS * 2 ** (attempt - 1)).unref())
      let stored = false
      try {
        for await (const event of this.components.peer.services.dht.put(dhtBaidKey(peerId), bundle, { signal: AbortSignal.timeout(10_000) })) {
          if (event.name === 'PEER_RESPONSE') stored = true
        }
      } catch { /* no DHT peers yet: the next attempt; gossip still carries the BAID entry meanwhile */ }
      if (stored) return
    }
  }
}

function digestOf (descriptor: CapabilityDescriptor): { topics: string[], keywords: string[] } {
  // A short sketch: 8 topics and 8 keywords of ≤ 24 characters keep every header under its 1 KiB limit.
  const keywords = [...new Set([...descriptor.tags, ...descriptor.name.toLowerCase().split(/[^a-z0-9_-]+/)])]
    .map(k => k.replace(/[^a-z0-9_-]/gi, '').toLowerCase().slice(0, 24)).filter(k => k.length > 0).slice(0, 8)
  return { topics: descriptor.topics.slice(0, 8), keywords }
}

/** A random time in [from, to): peers that started together do not act together. */
function jitter ([from, to]: readonly [number, number]): number {
  return from + Math.random() * (to - from)
}
