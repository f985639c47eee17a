import type { Logger, PeerId } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'
import { z } from 'zod'
import { agentPeerId, hex } from '../identity/ids.ts'
import { BodyMismatchError, HearthError, InvalidPayloadError, MessageTooLargeError } from '../api/errors.ts'
import { decode, encode, equalBytes } from '../common/codec.ts'
import { shuffle } from '../common/random.ts'
import { bytes, domainName } from '../common/schema.ts'
import type { RequestLimits } from '../net/frames.ts'
import { RequestSessions, serveSessions } from '../net/session.ts'
import { HOLDER_TIMEOUT_MS, MAX_FRAME_BYTES, MAX_GOSSIP_MESSAGE_BYTES, MAX_HEADER_BYTES, MAX_RANGE_ENTRIES } from '../net/limits.ts'
import type { HearthPeer } from '../net/peer.ts'
import { announceTopic, BROADCAST_TOPIC, domainOfTopic, StreamProtocols } from '../net/protocols.ts'
import { gossipVerdict, isRefused, type GossipAction, type IngestVerdict, type LogStore, type SeqRange } from './log-store.ts'
import { checkBody, MAX_BODY_BYTES, openEntry, type SignedLogEntry } from './log-entry.ts'

// Bodyless gossip (mechanisms §4): signed headers travel on one gossip topic per semantic domain; a receiver
// that cares pulls the body over a stream from the announcer or any other holder, and fills gaps by range.
// 'full-body' mode gossips whole bodies on one global topic: the baseline the testnet measures against.

export type GossipMode = 'bodyless' | 'full-body'

export interface GossipComponents {
  readonly peer: HearthPeer
  readonly logs: LogStore
}

export interface GossipInit {
  /** Semantic domains this agent wants to hear about (narrowcast: only these topics are joined). */
  readonly interests: readonly string[]
  readonly mode?: GossipMode
  readonly holderTimeoutMs?: number
  /** Called once per entry whose body is held and verified against its signed header; `from` served or sent it. */
  readonly onEntry: (signed: SignedLogEntry, body: Uint8Array, from?: PeerId) => void
  /** A body kept outside the logs, by its hash: a co-signed receipt we keep is the body of its requester's rating, never pulled again. */
  readonly heldBody?: (bodyHash: Uint8Array) => Uint8Array | undefined
  /** Whether entries of this author cannot be checked here yet (its BAID is unknown): a body pull asks the holder for its BAID entry too. */
  readonly lacksAuthor?: (author: Uint8Array) => boolean
  /** Authors whose news is not taken now (shunned here): their headers are neither stored nor forwarded, their bodies not pulled. */
  readonly refusesAuthor?: (author: Uint8Array) => boolean
  /** Reports each verdict and what gossip does with it ('reject': the sender is at fault), for tests, metrics and reputation. */
  readonly onVerdict?: (verdict: IngestVerdict, from: PeerId, action: GossipAction) => void
  /** When a prolific author's bodies wait (tests set it lower): see AuthorBudget. */
  readonly authorBudget?: Partial<AuthorBudget>
  readonly now?: () => number
}

/**
 * Under load, the bodies of an author that announces far more than others wait: its new entries past `perMinute` in the
 * last minute (local receive time: a signed timestamp can be back-dated) are held as headers alone, neither pulled nor
 * forwarded, while other authors' body pulls in flight number `loadedPulls` or more. So many valid entries from a few
 * identities cannot crowd out everyone else's on a busy peer. They are pulled once the load has passed; peers we did not
 * forward them to get them as a gap (§6.6) after the author's next entry. BAID and revocation entries never wait.
 */
export interface AuthorBudget { readonly perMinute: number, readonly loadedPulls: number }
const AUTHOR_BUDGET: AuthorBudget = { perMinute: 12, loadedPulls: 4 }

/** A body by hash; `a`: the asker also lacks this author's BAID, which every entry of the author is checked against. */
const FetchRequest = z.object({ h: bytes(32), a: bytes(32).optional() }).strict()
/** The body, with the author's latest BAID entry (signed header and body) when asked and held; or its absence. */
const FetchResponse = z.union([
  z.object({ b: bytes(), baid: z.object({ h: bytes(), b: bytes() }).strict().optional() }).strict(),
  z.object({ missing: z.literal(true) }).strict()
])
const RangeRequest = z.union([
  // An author's entries from seq f to t: a gap.
  z.object({ a: bytes(32), f: z.number().int().min(1), t: z.number().int().min(1) }).strict(),
  // The newest entries on topic d that arrived at the server since s (its clock, ms): a catch-up after rejoining.
  z.object({ d: domainName(), s: z.number().int().min(0) }).strict()
])
const RangeResponse = z.object({ headers: z.array(bytes()).max(MAX_RANGE_ENTRIES) }).strict()
const FullBodyMessage = z.object({ h: bytes(), b: bytes() }).strict()

const FETCH_LIMITS: RequestLimits = { maxRequestBytes: 128, maxResponseBytes: 2 * MAX_BODY_BYTES + MAX_HEADER_BYTES + 128, timeoutMs: 5_000 }
const RANGE_LIMITS: RequestLimits = { maxRequestBytes: 128, maxResponseBytes: MAX_FRAME_BYTES, timeoutMs: 5_000 }

/** The pull and gap-fill frames off the wire: size, canonical DAG-CBOR, then shape; a bad frame is an InvalidPayloadError. */
export const GossipFrames = {
  fetchRequest: (bytes: Uint8Array) => frameOf(FetchRequest, bytes, FETCH_LIMITS.maxRequestBytes, 'fetch request'),
  fetchResponse: (bytes: Uint8Array) => frameOf(FetchResponse, bytes, FETCH_LIMITS.maxResponseBytes, 'fetch response'),
  rangeRequest: (bytes: Uint8Array) => frameOf(RangeRequest, bytes, RANGE_LIMITS.maxRequestBytes, 'range request'),
  rangeResponse: (bytes: Uint8Array) => frameOf(RangeResponse, bytes, RANGE_LIMITS.maxResponseBytes, 'range response'),
  fullBody: (bytes: Uint8Array) => frameOf(FullBodyMessage, bytes, MAX_GOSSIP_MESSAGE_BYTES, 'full-body announcement')
}

function frameOf<T> (schema: z.ZodType<T>, bytes: Uint8Array, maxBytes: number, what: string): T {
  const parsed = schema.safeParse(decode(bytes, maxBytes, what))
  if (!parsed.success) throw new InvalidPayloadError(`${what} has the wrong shape`)
  return parsed.data
}

/** The second round over the holders waits this many times longer. */
const PATIENCE_BACKOFF = 3
/** The most a loaded network stretches the patience with a holder, as a multiple of the configured one. */
const MAX_PATIENCE_FACTOR = 4
/** Holders asked for one body in each round. */
const MAX_HOLDERS = 4
/** Body requests in flight at once: beyond this a loaded peer only makes its own and its holders' queues longer. */
const MAX_CONCURRENT_PULLS = 16
/** Before asking the holders again: time for a forwarder to finish its own pull. */
const ROUND_PAUSE_MS = 300
const MAX_FORWARDED = 50_000
/** How long after a failed pull a body is asked of the header's sender only. */
const FAILED_PULL_BACKOFF_MS = 10_000
/** The window an author's budget counts its new entries over. */
const BUDGET_WINDOW_MS = 60_000
/** Authors whose recent receive times are kept for their budget; the oldest are forgotten. */
const MAX_BUDGETED_AUTHORS = 10_000
/** Entries whose bodies wait for the load to pass; past this the oldest waits for a duplicate or gap fill instead. */
const MAX_DEFERRED = 1_000
/** How often waiting bodies are pulled, a few at a time, once the load has passed. */
const BACKFILL_MS = 2_000
/** How long a gap of other topics' entries waits for a quiet moment at most: while it is open, the log below it is not pruned. */
const LATER_GAP_PATIENCE_MS = 60_000
/** Headers a catch-up asks for: an away peer's recent past on one topic, not the topic's history. */
const MAX_CATCH_UP_ENTRIES = 64
/** How far back a catch-up reaches at most (a first start, or a long absence): the soft state a refresh renews meanwhile. */
const CATCH_UP_LOOKBACK_MS = 10 * 60_000
/** Before the last header we heard on a topic: another peer's clock, and what arrived while we were going down. */
const CATCH_UP_MARGIN_MS = 30_000

const RESULT: Record<ReturnType<typeof gossipVerdict>, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject
}

/**
 * What gossipsub is told. Its Reject also charges every peer that forwards the same message, before or after: right for a
 * message no honest peer forwards, wrong for an author's own fork (an equivocation, a broken link), which honest peers
 * holding the other branch forward in good faith. A fork is Ignored there; its author pays through its conduct and the
 * fraud proof (reputation's app score) instead.
 */
export function gossipsubResult (verdict: IngestVerdict, from: PeerId): TopicValidatorResult {
  const action = gossipVerdict(verdict, agentKeyOf(from))
  const authorsFork = verdict.verdict === 'equivocation' || (verdict.verdict === 'invalid' && verdict.author !== undefined)
  return action === 'reject' && authorsFork ? TopicValidatorResult.Ignore : RESULT[action]
}

export class BodylessGossip {
  private readonly peer: HearthPeer
  private readonly logs: LogStore
  private readonly init: GossipInit
  private readonly mode: GossipMode
  private readonly now: () => number
  private readonly topics: string[]
  /** Body pulls in flight, by body hash: concurrent headers naming one body share one pull. */
  private readonly pulls = new Map<string, Promise<Uint8Array | undefined>>()
  /** Bodies no holder served, and when: a new header naming one asks only its own sender for a while. */
  private readonly failedPulls = new Map<string, number>()
  private readonly pullSlots = new Slots(MAX_CONCURRENT_PULLS)
  /** Body pulls in flight by author (hex): whether others are loading us while one author is past its budget. */
  private readonly pullingBy = new Map<string, number>()
  /** Each author's latest receive times of new entries, up to its budget, oldest first. */
  private readonly arrivals = new Map<string, number[]>()
  /** Authors with a gap that hides none of our topics' entries, to fill when quiet (longest waiting first), and whom to ask first. */
  private readonly laterGaps = new Map<string, { readonly author: Uint8Array, from: PeerId, readonly since: number }>()
  /** Entries whose bodies wait for the load to pass, by body hash, oldest first. */
  private readonly deferred = new Map<string, SignedLogEntry>()
  private readonly budget: AuthorBudget
  private backfillTimer: ReturnType<typeof setInterval> | undefined
  /** Authors whose gap is being filled: one range request per author at a time. */
  private readonly filling = new Set<string>()
  /** (topic, header) pairs already forwarded. */
  private readonly forwarded = new Set<string>()
  private started = false
  /** Enabled like libp2p's own: DEBUG=hearth:gossip*. */
  private readonly log: Logger
  /** Body requests and gap fills ride one long-lived stream per holder. */
  private readonly fetches: RequestSessions
  private readonly ranges: RequestSessions
  /** How long holders have been taking to answer (a moving average), for how long to wait before asking the next. */
  private answerMs: number | undefined
  /** Topics caught up on since start, and those being caught up on now. */
  private readonly caughtUp = new Set<string>()
  private readonly catchingUp = new Set<string>()

  constructor (components: GossipComponents, init: GossipInit) {
    this.peer = components.peer
    this.log = components.peer.logger.forComponent('hearth:gossip')
    this.logs = components.logs
    this.init = init
    this.mode = init.mode ?? 'bodyless'
    this.budget = { ...AUTHOR_BUDGET, ...init.authorBudget }
    this.now = init.now ?? Date.now
    this.topics = this.mode === 'full-body' ? [BROADCAST_TOPIC] : init.interests.map(announceTopic)
    this.fetches = new RequestSessions(this.peer, StreamProtocols.fetch, FETCH_LIMITS)
    this.ranges = new RequestSessions(this.peer, StreamProtocols.range, RANGE_LIMITS)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await serveSessions(this.peer, StreamProtocols.fetch, FETCH_LIMITS, async req => this.serveFetch(req))
    await serveSessions(this.peer, StreamProtocols.range, RANGE_LIMITS, async req => this.serveRange(req))
    const pubsub = this.peer.services.pubsub
    for (const topic of this.topics) {
      pubsub.topicValidators.set(topic, async (from, message) => this.validate(from, message))
      pubsub.subscribe(topic)
    }
    if (this.mode === 'bodyless') pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.backfillTimer = setInterval(() => { this.backfill(); this.fillLaterGap() }, BACKFILL_MS)
    this.backfillTimer.unref()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const pubsub = this.peer.services.pubsub
    pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    clearInterval(this.backfillTimer)
    for (const topic of this.topics) {
      pubsub.unsubscribe(topic)
      pubsub.topicValidators.delete(topic)
    }
    await this.peer.unhandle([StreamProtocols.fetch, StreamProtocols.range])
    this.fetches.close()
    this.ranges.close()
  }

  /** Announce an entry of our own log (already stored by OwnLog). */
  async publish (signed: SignedLogEntry, body: Uint8Array): Promise<void> {
    const pubsub = this.peer.services.pubsub
    if (this.mode === 'full-body') {
      await pubsub.publish(BROADCAST_TOPIC, encode({ h: signed.bytes, b: body }))
      return
    }
    for (const domain of signed.entry.topics) await pubsub.publish(announceTopic(domain), signed.bytes)
  }

  /**
   * Store and forward: a verified new header goes on only once we hold its body, pulled from whoever showed it to
   * us (who holds it for the same reason), else its author or others on the topic. So every peer we forward to can
   * pull from us at the first try, and no peer is asked by a crowd for a body it is still fetching itself. (Forwarding
   * at once, with holders answering when their own pull ended, measured worse at 30 peers: waiting answers held every
   * pull slot.)
   */
  private async validate (from: PeerId, message: Message): Promise<TopicValidatorResult> {
    try {
      if (this.mode === 'full-body') return await this.validateFullBody(from, message.data)
      if (message.data.byteLength > MAX_HEADER_BYTES) throw new MessageTooLargeError(`gossiped header of ${message.data.byteLength} bytes`)
      const domain = domainOfTopic(message.topic)
      const verdict = this.ingest(message.data, from, domain)
      if (verdict.verdict === 'accepted') {
        this.onGap(verdict, from)
        if (this.defers(verdict)) return TopicValidatorResult.Ignore
        await this.obtainBody(verdict, this.holders(verdict, from, domain))
        this.firstTimeOnTopic(verdict.hash, message.topic)
        return TopicValidatorResult.Accept
      }
      if (verdict.verdict === 'duplicate') {
        const missingBody = this.heldWithoutBody(verdict)
        if (missingBody !== undefined && this.stillWaits(missingBody)) return TopicValidatorResult.Ignore
        if (missingBody !== undefined) await this.obtainBody(missingBody, this.holders(missingBody, from, domain))
        // Published on several topics: forwarded once on each, so peers that listen to only one still get it.
        return this.firstTimeOnTopic(verdict.hash, message.topic) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
      }
      return gossipsubResult(verdict, from)
    } catch (err) {
      if (err instanceof HearthError) {
        this.init.onVerdict?.({ verdict: 'invalid', error: err }, from, 'reject')
        return TopicValidatorResult.Reject
      }
      throw err
    }
  }

  /** True the first time a header is seen on a topic (bounded memory: the oldest are forgotten). */
  private firstTimeOnTopic (hash: Uint8Array, topic: string): boolean {
    const key = `${topic} ${hex(hash)}`
    if (this.forwarded.has(key)) return false
    this.forwarded.add(key)
    if (this.forwarded.size > MAX_FORWARDED) this.forwarded.delete(this.forwarded.values().next().value as string)
    return true
  }

  /** A duplicate header whose body we never got: its new sender holds it, so try again. */
  private heldWithoutBody (verdict: IngestVerdict): SignedLogEntry | undefined {
    if (verdict.verdict !== 'duplicate') return undefined
    const header = this.logs.header(verdict.hash)
    if (header === undefined) return undefined
    const signed = openEntry(header)
    if (isRefused(signed.entry, this.init.refusesAuthor)) return undefined
    return this.logs.hasBody(signed.entry.bodyHash) ? undefined : signed
  }

  private async validateFullBody (from: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    const message = GossipFrames.fullBody(data)
    // The body is checked against the signed header before anything is stored, so no header is kept without its body.
    checkBody(openEntry(message.h).entry, message.b)
    const verdict = this.ingest(message.h, from)
    if (verdict.verdict === 'accepted') {
      this.logs.putBody(verdict.entry.bodyHash, message.b)
      this.init.onEntry(verdict, message.b, from)
    }
    return gossipsubResult(verdict, from)
  }

  private ingest (header: Uint8Array, from: PeerId, gossipedOn?: string): IngestVerdict {
    const verdict = this.logs.ingestHeader(header, this.now(), gossipedOn, this.init.refusesAuthor)
    this.init.onVerdict?.(verdict, from, gossipVerdict(verdict, agentKeyOf(from)))
    return verdict
  }

  /**
   * Whom to ask for a body: its sender (who holds it: store and forward), its author, and a couple of other
   * subscribers picked at random — never the whole topic, whose every timed-out request would still cost its server.
   */
  private holders (signed: SignedLogEntry, from: PeerId, domain: string | undefined): PeerId[] {
    const author = agentPeerId(signed.entry.author)
    const others = domain === undefined ? [] : shuffle(Math.random, [...this.peer.services.pubsub.getSubscribers(announceTopic(domain))])
    return this.uniquePeers([from, author, ...others]).slice(0, MAX_HOLDERS)
  }

  /** The first of an entry's topics that we listen to, if any. */
  private followedTopic (signed: SignedLogEntry): string | undefined {
    return signed.entry.topics.find(t => this.init.interests.includes(t))
  }

  /** In order, without repeats and without ourselves. */
  private uniquePeers (peers: readonly PeerId[]): PeerId[] {
    const seen = new Set<string>([this.peer.peerId.toString()])
    return peers.filter(p => !seen.has(p.toString()) && seen.add(p.toString()) !== undefined)
  }

  /** Pull the body of a held header now, asking `from` first (say, the peer that served a later entry of its author). */
  async retryBody (signed: SignedLogEntry, from: PeerId): Promise<Uint8Array | undefined> {
    return await this.obtainBody(signed, this.holders(signed, from, this.followedTopic(signed)))
  }

  /** The body, from our store (a refresh may name one we hold) or from the first holder that serves the right bytes. */
  private async obtainBody (signed: SignedLogEntry, holders: readonly PeerId[]): Promise<Uint8Array | undefined> {
    const { bodyHash } = signed.entry
    const held = this.logs.body(bodyHash) ?? this.heldElsewhere(signed)
    if (held !== undefined) {
      this.logs.putBody(bodyHash, held)
      this.init.onEntry(signed, held)
      return held
    }
    const key = hex(bodyHash)
    let pull = this.pulls.get(key)
    if (pull === undefined) {
      // After a failed pull, every refresh naming the body would start another round over all holders: under load
      // that retry storm is what keeps peers slow, so for a while only the header's sender is asked, once.
      const failedAt = this.failedPulls.get(key)
      const recent = failedAt !== undefined && this.now() - failedAt < FAILED_PULL_BACKOFF_MS
      const author = hex(signed.entry.author)
      this.pullingBy.set(author, (this.pullingBy.get(author) ?? 0) + 1)
      pull = this.pullFromHolders(signed, recent ? holders.slice(0, 1) : holders, recent ? 1 : 2)
        .then(body => {
          if (body === undefined) this.noteFailedPull(key)
          else this.failedPulls.delete(key)
          return body
        })
        .finally(() => {
          this.pulls.delete(key)
          const left = (this.pullingBy.get(author) ?? 1) - 1
          if (left > 0) this.pullingBy.set(author, left)
          else this.pullingBy.delete(author)
          if (this.deferred.size > 0 && this.started) this.backfill()
        })
      this.pulls.set(key, pull)
    }
    return pull
  }

  /** Whether a new entry's body waits (AuthorBudget): its author is past its budget and others' pulls load us. Counts the entry. */
  private defers (signed: SignedLogEntry): boolean {
    const { kind, author, bodyHash } = signed.entry
    if (kind === 'baid' || kind === 'revocation') return false
    const key = hex(author)
    const now = this.now()
    const times = this.arrivals.get(key) ?? []
    const over = times.length >= this.budget.perMinute && now - times[0]! < BUDGET_WINDOW_MS
    times.push(now)
    if (times.length > this.budget.perMinute) times.shift()
    this.arrivals.delete(key) // re-inserted: the map's order is least recently heard first
    this.arrivals.set(key, times)
    if (this.arrivals.size > MAX_BUDGETED_AUTHORS) this.arrivals.delete(this.arrivals.keys().next().value as string)
    const bodyKey = hex(bodyHash)
    if (!over || !this.loadedBesides(key) || this.pulls.has(bodyKey) || this.logs.hasBody(bodyHash) || this.init.heldBody?.(bodyHash) !== undefined) return false
    this.deferred.set(bodyKey, signed)
    if (this.deferred.size > MAX_DEFERRED) this.deferred.delete(this.deferred.keys().next().value as string)
    this.log.trace('deferred body %t of %t/%d: its author is past its budget under load', bodyHash, author, signed.entry.seq)
    return true
  }

  /** A waiting body named again by a duplicate header: it still waits while the load lasts. */
  private stillWaits (signed: SignedLogEntry): boolean {
    return this.deferred.has(hex(signed.entry.bodyHash)) && this.loadedBesides(hex(signed.entry.author))
  }

  /** Whether other authors' body pulls in flight load us (an author's own burst is never held against it). */
  private loadedBesides (author: string): boolean {
    return this.pulls.size - (this.pullingBy.get(author) ?? 0) >= this.budget.loadedPulls
  }

  /** Pull waiting bodies, oldest first and fewer than `loadedPulls` at a time, once their authors are no longer held back by load. */
  private backfill (): void {
    let room = this.budget.loadedPulls - this.pulls.size
    for (const [key, signed] of this.deferred) {
      if (room <= 0) return
      if (this.loadedBesides(hex(signed.entry.author))) continue
      this.deferred.delete(key)
      if (isRefused(signed.entry, this.init.refusesAuthor) || this.logs.hasBody(signed.entry.bodyHash)) continue
      room--
      void this.obtainBody(signed, this.holders(signed, agentPeerId(signed.entry.author), this.followedTopic(signed)))
    }
  }

  /** The body from outside the logs, if it fits the header (else it is pulled, and whoever serves it is judged by it). */
  private heldElsewhere (signed: SignedLogEntry): Uint8Array | undefined {
    const body = this.init.heldBody?.(signed.entry.bodyHash)
    if (body === undefined) return undefined
    try {
      checkBody(signed.entry, body)
      return body
    } catch {
      return undefined
    }
  }

  private noteFailedPull (key: string): void {
    if (this.failedPulls.size >= MAX_FORWARDED) this.failedPulls.delete(this.failedPulls.keys().next().value as string)
    this.failedPulls.set(key, this.now())
  }

  /**
   * Ask the holders, hedging: a holder that has not answered within the patience is not abandoned — the next one is asked
   * as well, and the first right body wins (the others are cancelled). Under load every answer is slow; aborting slow
   * requests to retry elsewhere would throw away the work already done and multiply it. If every holder failed or lacked
   * the body, once more after a pause (a forwarder may have been fetching it itself), with more patience.
   */
  private async pullFromHolders (signed: SignedLogEntry, holders: readonly PeerId[], rounds: number): Promise<Uint8Array | undefined> {
    const patience = this.patience()
    const done = new AbortController()
    try {
      for (let round = 0; round < rounds; round++) {
        if (round > 0) await new Promise(resolve => setTimeout(resolve, ROUND_PAUSE_MS))
        const body = await this.hedgedPull(signed, holders, round === 0 ? patience : patience * PATIENCE_BACKOFF, done.signal)
        if (body !== undefined) return body
      }
    } finally {
      done.abort()
    }
    this.log('no holder served body %t of %t/%d (asked %d)', signed.entry.bodyHash, signed.entry.author, signed.entry.seq, holders.length)
    return undefined
  }

  /**
   * How long to wait on a holder before also asking the next: the configured patience, stretched to twice the recent answer
   * time on a loaded network — hedging after a fixed second there sends each pull to every holder, and the load grows.
   */
  private patience (): number {
    const base = this.init.holderTimeoutMs ?? HOLDER_TIMEOUT_MS
    return Math.min(MAX_PATIENCE_FACTOR * base, Math.max(base, 2 * (this.answerMs ?? 0)))
  }

  /** One round over the holders: the next is asked when the last failed, lacked the body, or is still silent after `patience`. */
  private async hedgedPull (signed: SignedLogEntry, holders: readonly PeerId[], patience: number, signal: AbortSignal): Promise<Uint8Array | undefined> {
    return await new Promise(resolve => {
      let next = 0
      let asking = 0
      let settled = false
      let hedge: ReturnType<typeof setTimeout> | undefined
      const finish = (body: Uint8Array | undefined): void => {
        settled = true
        clearTimeout(hedge)
        resolve(body)
      }
      const askNext = (): void => {
        clearTimeout(hedge)
        if (settled) return
        const holder = holders[next++]
        if (holder === undefined) {
          if (asking === 0) finish(undefined)
          return
        }
        asking++
        void this.pullFrom(holder, signed, signal).then(body => {
          asking--
          if (settled) return
          if (body !== undefined && this.keepBody(signed, body, holder)) finish(body)
          else askNext()
        })
        hedge = setTimeout(askNext, patience)
      }
      askNext()
    })
  }

  /** Store a pulled body if it is the one the signed header names; false for a holder that served the wrong bytes. */
  private keepBody (signed: SignedLogEntry, body: Uint8Array, holder: PeerId): boolean {
    try {
      this.logs.putBody(signed.entry.bodyHash, body)
    } catch (err) {
      if (err instanceof BodyMismatchError) return false
      throw err
    }
    this.init.onEntry(signed, body, holder)
    return true
  }

  private async pullFrom (holder: PeerId, signed: SignedLogEntry, signal: AbortSignal): Promise<Uint8Array | undefined> {
    await this.pullSlots.acquire()
    try {
      // A pull another holder already won is not sent at all.
      return signal.aborted ? undefined : await this.request(holder, signed, signal)
    } finally {
      this.pullSlots.release()
    }
  }

  private async request (holder: PeerId, signed: SignedLogEntry, signal: AbortSignal): Promise<Uint8Array | undefined> {
    const { bodyHash, author, kind } = signed.entry
    const began = Date.now()
    // Only for the debug log: a pull is on the hot path.
    const connected = this.log.enabled && this.peer.getConnections(holder).length > 0
    // The holder checked this entry against its author's BAID, so it holds that too: one answer brings both, where a
    // pull of the BAID's own body would queue behind every other pull of a busy peer.
    const lacks = kind !== 'baid' && this.init.lacksAuthor?.(author) === true
    try {
      const answer = await this.fetches.request(holder, encode(lacks ? { h: bodyHash, a: author } : { h: bodyHash }), { signal })
      this.answerMs = this.answerMs === undefined ? Date.now() - began : 0.8 * this.answerMs + 0.2 * (Date.now() - began)
      this.log.trace('pull %t from %p %s: answer in %d ms', bodyHash, holder, connected ? 'connected' : 'dialled', Date.now() - began)
      const parsed = GossipFrames.fetchResponse(answer)
      if (lacks && 'baid' in parsed && parsed.baid !== undefined) this.keepAuthorBaid(parsed.baid, author, holder)
      if ('b' in parsed) return parsed.b
      this.log.trace('%p has no body %t', holder, bodyHash)
      return undefined
    } catch (err) {
      if (!signal.aborted) this.log('pull %t from %p %s: failed after %d ms: %s', bodyHash, holder, connected ? 'connected' : 'dialled', Date.now() - began, (err as Error).name)
      return undefined // unreachable, slow or malformed: the next holder
    }
  }

  /** The author's BAID entry a holder served beside a body: its header taken like a gossiped one, then its body kept. */
  private keepAuthorBaid (served: { h: Uint8Array, b: Uint8Array }, author: Uint8Array, holder: PeerId): void {
    const verdict = this.ingestServed(served.h, holder)
    const signed = verdict?.verdict === 'accepted' ? verdict : verdict === undefined ? undefined : this.heldWithoutBody(verdict)
    if (signed === undefined || signed.entry.kind !== 'baid' || !equalBytes(signed.entry.author, author)) return
    this.keepBody(signed, served.b, holder)
  }

  /** A header a peer served rather than gossiped: checked like a gossiped one (an oversized one skipped), a gap it opens filled from that peer. */
  private ingestServed (header: Uint8Array, from: PeerId): IngestVerdict | undefined {
    if (header.byteLength > MAX_HEADER_BYTES) return undefined
    const verdict = this.ingest(header, from)
    if (verdict.verdict === 'accepted') this.onGap(verdict, from)
    return verdict
  }

  /**
   * A gap that hides an entry on a topic we follow (the header's per-topic link names a seq we lack) is filled now, up to
   * that entry. One that holds only the author's entries on other topics waits for a quiet moment: those headers keep the
   * log contiguous (pruning, link checks) but are news to nobody here, and filling each gap at once cost a narrowcast peer
   * most of its CPU under load (an attacked testnet delivered 0.52–0.73 filling every gap at once, 0.84 with this rule).
   */
  private onGap (verdict: SignedLogEntry & { missing: SeqRange | undefined }, from: PeerId): void {
    const { missing, entry } = verdict
    if (missing === undefined) return
    const missed = entry.tp.filter((seq, i) => seq > 0 && this.init.interests.includes(entry.topics[i]!) && !this.logs.knows(entry.author, seq))
    if (missed.length > 0) {
      void this.fillGap(entry.author, { from: missing.from, to: Math.max(...missed) }, from)
      return
    }
    const key = hex(entry.author)
    const waiting = this.laterGaps.get(key)
    if (waiting !== undefined) {
      waiting.from = from // the latest sender holds the entries before the one it sent
      return
    }
    this.laterGaps.set(key, { author: entry.author, from, since: this.now() })
    if (this.laterGaps.size > MAX_DEFERRED) this.laterGaps.delete(this.laterGaps.keys().next().value as string)
  }

  /** Fill the longest-waiting gap of other topics' entries when no pull of ours waits on the network, or once it waited too long. */
  private fillLaterGap (): void {
    if (this.filling.size > 0) return
    const [key, waiting] = this.laterGaps.entries().next().value ?? []
    if (key === undefined || waiting === undefined) return
    if (this.pulls.size >= this.budget.loadedPulls && this.now() - waiting.since < LATER_GAP_PATIENCE_MS) return
    this.laterGaps.delete(key)
    const gap = this.logs.firstGap(waiting.author)
    if (gap !== undefined) void this.fillGap(waiting.author, gap, waiting.from)
  }

  /**
   * Ask for the entries we missed: first the peer that showed us a later one, then the author, who has them all.
   * Each returned header goes through the same checks as a gossiped one.
   */
  private async fillGap (author: Uint8Array, range: SeqRange, from: PeerId): Promise<number> {
    const key = hex(author)
    if (this.filling.has(key)) return 0 // the fill in flight covers this gap or leaves it for the author's next header
    this.filling.add(key)
    try {
      for (const source of this.uniquePeers([from, agentPeerId(author)])) {
        const filled = await this.fillGapFrom(source, author, range)
        if (filled > 0 || this.logs.knows(author, range.to)) return filled
      }
      return 0
    } finally {
      this.filling.delete(key)
    }
  }

  private async fillGapFrom (from: PeerId, author: Uint8Array, range: SeqRange): Promise<number> {
    try {
      const answer = await this.ranges.request(from, encode({ a: author, f: range.from, t: range.to }))
      return await this.ingestFetched(GossipFrames.rangeResponse(answer).headers, from)
    } catch {
      // The gap stays open; the next header from this author asks again.
      return 0
    }
  }

  /**
   * The first subscriber we meet on a followed topic after starting tells us what arrived there lately: a peer back from a
   * restart (or new) would otherwise miss what was announced before it rejoined the mesh, until the author's next entry.
   */
  private readonly onSubscriptionChange = (event: CustomEvent<{ peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    for (const { topic, subscribe } of event.detail.subscriptions) {
      if (!subscribe || !this.topics.includes(topic) || this.caughtUp.has(topic) || this.catchingUp.has(topic)) continue
      void this.catchUp(topic, event.detail.peerId)
    }
  }

  private async catchUp (topic: string, from: PeerId): Promise<void> {
    const domain = domainOfTopic(topic)
    if (domain === undefined) return
    this.catchingUp.add(topic)
    try {
      const now = this.now()
      const last = this.logs.lastReceivedOnTopic(domain)
      const since = Math.max(0, now - CATCH_UP_LOOKBACK_MS, last === undefined ? 0 : last - CATCH_UP_MARGIN_MS)
      const answer = await this.ranges.request(from, encode({ d: domain, s: since }))
      this.caughtUp.add(topic)
      // Oldest first, so an author's entries arrive in order and open no gaps among themselves.
      await this.ingestFetched(GossipFrames.rangeResponse(answer).headers.slice(0, MAX_CATCH_UP_ENTRIES).reverse(), from)
    } catch (err) {
      // The next subscriber we meet is asked instead.
      this.log('catch-up on %s from %p failed: %s', topic, from, (err as Error).message)
    } finally {
      this.catchingUp.delete(topic)
    }
  }

  /** Headers a peer served (a gap fill or a catch-up), checked like gossiped ones; the bodies of followed topics pulled. Returns how many were new. */
  private async ingestFetched (headers: readonly Uint8Array[], from: PeerId): Promise<number> {
    const pulls: Array<Promise<unknown>> = []
    let accepted = 0
    for (const header of headers) {
      const verdict = this.ingestServed(header, from)
      if (verdict?.verdict !== 'accepted') continue
      accepted++
      // The gap may hold entries on topics we do not listen to: their headers close it, their bodies are not ours to fetch.
      const domain = this.followedTopic(verdict)
      if (domain !== undefined && !this.defers(verdict)) pulls.push(this.obtainBody(verdict, this.holders(verdict, from, domain)))
    }
    await Promise.all(pulls)
    return accepted
  }

  private serveFetch (req: Uint8Array): Uint8Array {
    const request = GossipFrames.fetchRequest(req)
    const body = this.logs.body(request.h)
    if (body === undefined) return encode({ missing: true })
    const baid = request.a === undefined ? undefined : this.logs.latest(request.a, 'baid')
    const baidBody = baid === undefined ? undefined : this.logs.body(baid.entry.bodyHash)
    return encode(baidBody === undefined ? { b: body } : { b: body, baid: { h: baid!.bytes, b: baidBody } })
  }

  private serveRange (req: Uint8Array): Uint8Array {
    const request = GossipFrames.rangeRequest(req)
    const found = 'd' in request ? this.logs.recentOnTopic(request.d, request.s, MAX_CATCH_UP_ENTRIES) : this.logs.range(request.a, request.f, request.t, MAX_RANGE_ENTRIES)
    const headers: Uint8Array[] = []
    let size = 0
    for (const header of found) {
      if (size + header.byteLength + 16 > RANGE_LIMITS.maxResponseBytes - 64) break
      headers.push(header)
      size += header.byteLength + 16
    }
    return encode({ headers })
  }
}

/** The agent key behind a PeerId, or an empty key for a peer that is no Hearth agent (so never a header's author). */
function agentKeyOf (peer: PeerId): Uint8Array {
  return peer.type === 'Ed25519' ? peer.publicKey.raw : new Uint8Array(0)
}

/** A counting semaphore: at most `size` holders of a slot at once, the rest wait in order. */
class Slots {
  private free: number
  private readonly waiting: Array<() => void> = []

  constructor (size: number) {
    this.free = size
  }

  async acquire (): Promise<void> {
    if (this.free > 0) {
      this.free--
      return
    }
    await new Promise<void>(resolve => this.waiting.push(resolve))
  }

  release (): void {
    const next = this.waiting.shift()
    if (next === undefined) this.free++
    else next()
  }
}
