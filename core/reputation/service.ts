import { InvalidRatingError, InvalidTrustInputError, UsageError } from '../api/errors.ts'
import type { PeerStanding, PeerTrust, TopicTrustView, TrustPart, TrustPenalty } from '../api/trust.ts'
import { TypedEvents } from '../common/events.ts'
import { agentKeyOf, baidIdOf, hex, peerIdOf } from '../identity/ids.ts'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import { explainTrust } from './breakdown.ts'
import { ConductRecord, MISCONDUCT_TOLERANCE, type ConductView, type Misconduct } from './conduct.ts'
import { TrustHistory, type TrustHistoryInit, type TrustPointRow } from './history.ts'
import { DEFAULT_MG_OPTIONS, PersonalTrust, standing, type MgEigenTrustOptions, type TopicTrust, type TrustNetwork, type TrustVector } from './mg-eigentrust.ts'
import { openReceipt, type OpenedReceipt } from './receipt.ts'
import { explorationTrust, relativeTrust, selectionTrust } from './selection.ts'
import { DEFAULT_SLASHING_POLICY, FraudLedger, VouchingRecord, type FraudProofKind } from './slashing.ts'
import { ReputationStore, type PeerChoice, type VerifiedRating } from './store.ts'
import { knownTopicSimilarity, similarityAt } from './topic-similarity.ts'
import { buildTrustMatrix, EvidenceLedger, type PeerIndex, type TrustMatrix } from './trust-graph.ts'

// The reputation plane as the app runs it: co-signed receipts in, one person's MG-EigenTrust per topic out, recomputed
// for the topics that changed shortly after evidence arrives. Peers are BAIDs (their genesis hashes), so trust outlives key rotation.

export interface ReputationComponents {
  readonly db: Database
  /** This person's BAID, once they have an identity. */
  readonly self: () => Uint8Array | undefined
  /** The BAID an agent key currently belongs to, if known here. */
  readonly baidOf: (agent: Uint8Array) => Uint8Array | undefined
}

export interface ReputationInit {
  /** Topics always computed (the known domains); topics seen in evidence are added. */
  readonly topics?: readonly string[]
  readonly options?: Partial<MgEigenTrustOptions>
  /** Evidence and failure proofs weigh half as much after this long. */
  readonly halfLifeMs?: number
  /** How long evidence may gather before the topics it touched are recomputed. */
  readonly recomputeDelayMs?: number
  /** How relative trust over time is kept (a point per change, bounded per peer and topic). */
  readonly history?: TrustHistoryInit
  readonly now?: () => number
}

/** One peer's place in a topic, as the Trust view lists it. */
export interface TopicScore {
  readonly peer: Uint8Array
  readonly score: number
  readonly relative: number
  readonly standing: PeerStanding
}

export interface ReputationEvents extends Record<string, unknown> {
  /** Scores changed in these topics. */
  'trust:updated': { topics: string[] }
  /** A rating from the network that did not count, and why. */
  'rating:ignored': { author: Uint8Array, reason: string }
  /** A peer's first-hand misconduct crossed the tolerance: it is shunned (gossip and connections) until its points decay. */
  'peer:shunned': { peerId: string, conduct: ConductView }
  /** Blocks, seeds or fraud proofs changed: peers connected now may have become shunned. */
  'standing:changed': Record<string, never>
}

/** What recording a receipt did: the requester's rating is what gets gossiped. */
export interface RecordedReceipt {
  readonly hash: Uint8Array
  readonly topic: string
  readonly satisfied: boolean
  /** The receipt was new here. */
  readonly added: boolean
}

export const DEFAULT_HALF_LIFE_MS = 30 * 24 * 3600 * 1000
const DEFAULT_RECOMPUTE_DELAY_MS = 1_000
/** Decay the in-memory evidence at most this often; between times it is at most this stale. */
const DECAY_STEP_MS = 3600 * 1000
/** Below gossipsub's graylist (−80) even with a full topic score (capped at +50): a blocked or slashed peer's RPCs are ignored. */
const SHUNNED_APP_SCORE = -200
/**
 * The application score per point of first-hand misconduct below the tolerance: a peer is scored down from its first
 * offence (pruned from meshes while its total is negative), yet stays above the gossip threshold (−10) until it is shunned.
 */
const APP_SCORE_PER_POINT = -3
/** A single mishap decayed for a half-life: no longer scored. */
const LEAST_SCORED_POINTS = 0.25
const PENDING_LIMIT = 256

/** One build of the engine's input: dense indexes for the peers and topics held now, the evidence, and the person's trust. */
interface Engine {
  readonly capacity: number
  readonly ledger: EvidenceLedger
  readonly trust: PersonalTrust
  readonly matrices: TrustMatrix[]
  /** Read from the stored fraud proofs at the next flush when undefined. */
  slashed: Uint8Array | undefined
  /** The stored proofs, decayed by age, as of the last slashing decision: what selection weighs for peers not slashed. */
  fraud: FraudLedger | undefined
  /** Per topic: the decayed weight of the person's own failure proofs against each peer (failed canaries), as bad own outcomes. */
  ownFailures: Array<Map<PeerIndex, number>>
  decayedAt: number
  computed: boolean
}

export class Reputation {
  readonly events = new TypedEvents<ReputationEvents>()
  readonly store: ReputationStore
  readonly history: TrustHistory
  private readonly components: ReputationComponents
  private readonly options: MgEigenTrustOptions
  private readonly halfLifeMs: number
  private readonly recomputeDelayMs: number
  private readonly now: () => number
  private readonly peerIndex = new Map<string, PeerIndex>()
  private readonly peerKeys: Uint8Array[] = []
  private readonly topicIndex = new Map<string, number>()
  private readonly topicNames: string[] = []
  private engine: Engine | undefined
  private readonly dirty = new Set<number>()
  /** Per topic, the vector last stored: a recompute that changed nothing is not written again. */
  private readonly stored = new Map<number, TrustVector>()
  private timer: ReturnType<typeof setTimeout> | undefined
  /** When the scheduled recompute runs (wall-clock ms: timers run on it, not on the injected clock). */
  private due = 0
  private stopped = false
  /** Peers each topic's newcomer prior may go to: agents announcing it now (set by the host once discovery runs). */
  private announcers: ((topic: string) => readonly Uint8Array[]) | undefined
  /** Ratings whose parties' BAIDs are not known yet: retried when a BAID arrives. */
  private readonly pending: Array<{ author: Uint8Array, body: Uint8Array }> = []
  private appScores = new Map<string, number>()
  private readonly conduct: ConductRecord

  constructor (components: ReputationComponents, init: ReputationInit = {}) {
    this.components = components
    this.store = new ReputationStore(components.db)
    this.history = new TrustHistory(components.db, init.history)
    this.options = { ...DEFAULT_MG_OPTIONS, ...init.options }
    this.halfLifeMs = init.halfLifeMs ?? DEFAULT_HALF_LIFE_MS
    this.recomputeDelayMs = init.recomputeDelayMs ?? DEFAULT_RECOMPUTE_DELAY_MS
    this.now = init.now ?? Date.now
    this.conduct = new ConductRecord(this.now)
    for (const topic of init.topics ?? []) this.topicOf(topic)
  }

  /** Where the newcomer prior may go: agents announcing a topic now. */
  setAnnouncers (announcers: (topic: string) => readonly Uint8Array[]): void {
    this.announcers = announcers
  }

  /** No recompute is scheduled after this: evidence that still arrives is stored, and computed from at the next start. */
  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * A receipt of one of our own tasks, co-signed by both sides. It is stored with the requester's rating in one transaction;
   * when we were the requester and the receipt is new, `logRating` runs inside that transaction too (the caller logs the
   * rating there and gossips it after), so a receipt is never kept without the rating that tells the network.
   */
  recordReceipt (bytes: Uint8Array, logRating?: (topic: string) => void): RecordedReceipt & { readonly rater: 'self' | 'peer' } {
    const opened = openReceipt(bytes)
    const self = this.components.self()
    const rater = this.baidOrThrow(opened.requester, 'requester')
    const ratee = this.baidOrThrow(opened.provider, 'provider')
    if (self === undefined || !(hex(rater) === hex(self) || hex(ratee) === hex(self))) throw new InvalidRatingError('a receipt recorded by hand must name this agent as requester or provider')
    const ours = hex(rater) === hex(self)
    const added = this.save(opened, bytes, rater, ratee, ours && logRating !== undefined ? () => { logRating(opened.receipt.topic) } : undefined)
    // Our own task's outcome: recomputed as soon as the loop is free, so the next request from or to this peer finds it done.
    if (added) this.schedule(0)
    return { hash: opened.hash, topic: opened.receipt.topic, satisfied: opened.receipt.satisfied, added, rater: ours ? 'self' : 'peer' }
  }

  /** The bytes of a co-signed receipt we keep, by its hash (the SHA-256 of those bytes). */
  receiptBytes (hash: Uint8Array): Uint8Array | undefined {
    return this.store.receipt(hash)?.bytes
  }

  /**
   * A `rating` log entry from the network: its body is a co-signed receipt and its author must be the receipt's requester
   * (only the one who asked rates). Returns false for a rating that does not count; a verdict is reported on `rating:ignored`.
   */
  ingestRating (author: Uint8Array, body: Uint8Array): boolean {
    let opened: OpenedReceipt
    try {
      opened = openReceipt(body)
      if (hex(opened.requester) !== hex(author)) throw new InvalidRatingError('a rating must be logged by the receipt\'s requester')
    } catch (err) {
      if (!(err instanceof InvalidRatingError)) throw err
      this.events.emit('rating:ignored', { author, reason: err.message })
      // The author signed a log entry over a receipt no honest requester logs (checked before it is gossiped).
      this.noteMisconduct(peerIdOf(author), 'forged-receipt')
      return false
    }
    const rater = this.components.baidOf(opened.requester)
    const ratee = this.components.baidOf(opened.provider)
    if (rater === undefined || ratee === undefined) {
      // Its parties' BAIDs usually arrive on the same topics moments later.
      if (this.pending.length >= PENDING_LIMIT) this.pending.shift()
      this.pending.push({ author, body })
      return false
    }
    this.save(opened, body, rater, ratee)
    return true
  }

  /** A BAID became known: ratings that waited for it are taken again. */
  retryPending (): void {
    for (const { author, body } of this.pending.splice(0)) this.ingestRating(author, body)
  }

  /** A verified fraud proof against an agent: its BAID is slashed in every topic (equivocation at once, task failures once several stand). */
  recordFraudProof (proof: { offender: Uint8Array, kind: FraudProofKind, topic?: string, evidence: Uint8Array }): boolean {
    const offender = this.components.baidOf(proof.offender) ?? proof.offender
    const added = this.store.recordFraudProof({ offender, kind: proof.kind, topic: proof.topic, evidence: proof.evidence, detectedAt: this.now() })
    if (added) this.invalidate({ slashing: true })
    return added
  }

  addContact (peer: Uint8Array): boolean { return this.changed(this.store.addContact(peer, this.now())) }
  removeContact (peer: Uint8Array): boolean { return this.changed(this.store.removeContact(peer)) }
  contacts (): PeerChoice[] { return this.store.contacts() }
  block (peer: Uint8Array): boolean { return this.changed(this.store.block(peer, this.now())) }
  unblock (peer: Uint8Array): boolean { return this.changed(this.store.unblock(peer)) }
  blocks (): PeerChoice[] { return this.store.blocks() }

  /** The lowest relative trust (0–1) a peer needs to be offered for work in a topic. */
  setThreshold (topic: string, minTrust: number): void {
    this.store.setThreshold(topic, minTrust)
    this.topicOf(topic)
  }

  removeThreshold (topic: string): boolean { return this.store.removeThreshold(topic) }
  thresholds (): Array<{ topic: string, minTrust: number }> { return this.store.thresholds() }

  /**
   * Discovery's and negotiation's trust hook: the selection trust (selection.ts, the rule the simulator selects by) of an agent in
   * the best of these topics, 0–1: a known peer's relative trust, an unknown's exploration weight under every known peer's; undefined
   * when the agent is not to be offered work at all (slashed, blocked, known bad, or under the threshold).
   */
  trustFor (agent: Uint8Array, topics: readonly string[]): number | undefined {
    // Asked once per discovery candidate: recompute only when something is due, never rescan per call.
    if (this.stale()) this.flush()
    const peer = this.components.baidOf(agent)
    let best: number | undefined
    for (const topic of topics) {
      const view = this.rank(peer, topic)
      if (view !== undefined && (best === undefined || view > best)) best = view
    }
    return best
  }

  /** A protocol violation this node saw a peer commit (PeerId text): first-hand conduct, weighed beside the ratings. */
  noteMisconduct (peerId: string, offence: Misconduct): void {
    if (this.conduct.note(peerId, offence)) this.events.emit('peer:shunned', { peerId, conduct: this.conduct.view(peerId) })
  }

  /** What this node saw a peer do wrong, decayed. */
  conductOf (peerId: string): ConductView {
    return this.conduct.view(peerId)
  }

  /**
   * gossipsub's application score for a peer: far below the graylist when the person blocked it, it was slashed, or its
   * conduct here crossed the tolerance; below that, scored down by its misconduct points from the first offence.
   */
  appScore (peerId: string): number {
    const standing = this.standingScore(peerId)
    if (standing < 0) return standing
    // Conduct decays by the second, so it is read live (a map lookup), not cached.
    const points = this.conduct.points(peerId)
    if (points >= MISCONDUCT_TOLERANCE) return SHUNNED_APP_SCORE
    return points < LEAST_SCORED_POINTS ? 0 : APP_SCORE_PER_POINT * points
  }

  /** Whether to refuse a peer's connections: the person blocked it, a verified fraud proof slashed it, or it misbehaved here past the tolerance. */
  shuns (peerId: string): boolean {
    return this.standingScore(peerId) < 0 || this.conduct.shunned(peerId)
  }

  /** SHUNNED_APP_SCORE for a peer whose BAID the person blocked or a fraud proof slashed, else 0 (cached until standings change). */
  private standingScore (peerId: string): number {
    let score = this.appScores.get(peerId)
    if (score === undefined) {
      // gossipsub asks about every peer, Hearth or not: a non-Ed25519 PeerId has no BAID and must not throw in its heartbeat.
      const agent = ed25519KeyOf(peerId)
      const baid = agent === undefined ? undefined : this.components.baidOf(agent)
      score = baid !== undefined && (this.store.isBlocked(baid) || this.isSlashed(baid)) ? SHUNNED_APP_SCORE : 0
      if (this.appScores.size > 4096) this.appScores.clear()
      this.appScores.set(peerId, score)
    }
    return score
  }

  /** Score, standing and breakdown of one peer in one topic or in every topic, for the UI and `hearth trust show`. */
  show (peer: Uint8Array, topic?: string): PeerTrust {
    this.flush()
    const topics = topic === undefined ? [...this.topicNames] : [topic]
    return {
      contact: this.store.isContact(peer),
      blocked: this.store.isBlocked(peer),
      slashed: this.isSlashed(peer),
      topics: topics.map(name => this.topicView(peer, name))
    }
  }

  /** Every topic computed: the known domains, those with thresholds and those seen in evidence. */
  topics (): string[] {
    this.flush()
    return [...this.topicNames]
  }

  /**
   * The peers that count in a topic, most trusted first: every one with a score there, and those blocked or slashed
   * (the person's own BAID left out), at most `limit`.
   */
  scores (topic: string, limit = 200): TopicScore[] {
    this.flush()
    const self = this.selfIndex()
    const out: TopicScore[] = []
    for (const [j, peer] of this.peerKeys.entries()) {
      if (j === self) continue
      const view = this.score(peer, topic)
      if (view.score > 0 || view.standing === 'blocked' || view.standing === 'slashed') out.push({ peer, score: view.score, relative: view.relative, standing: view.standing })
    }
    return out.sort((a, b) => b.relative - a.relative || b.score - a.score).slice(0, limit)
  }

  /** A peer's relative trust in a topic over time, oldest first. */
  trustHistory (peer: Uint8Array, topic: string): TrustPointRow[] {
    this.flush()
    return this.history.points(peer, topic)
  }

  /** Agents announced something: index newcomers among them soon (once per burst of announcements). */
  announcersChanged (): void {
    this.schedule()
  }

  /** Recompute now whatever evidence changed (the daemon does it on its own shortly after evidence arrives). */
  flush (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.admitAnnouncers()
    const engine = this.engine ?? this.build()
    const now = this.now()
    if (now - engine.decayedAt >= DECAY_STEP_MS) {
      engine.ledger.decay(2 ** (-(now - engine.decayedAt) / this.halfLifeMs))
      engine.decayedAt = now
      // Proofs age too: a frozen peer's failures may no longer stand out.
      engine.slashed = undefined
      for (let k = 0; k < this.topicNames.length; k++) this.dirty.add(k)
    }
    if (engine.computed && this.dirty.size === 0) return
    const network = this.network(engine)
    const changed = new Set(engine.computed ? this.dirty : this.topicNames.keys())
    this.dirty.clear()
    if (!engine.computed) {
      engine.trust.computeAll(network)
      engine.computed = true
    } else {
      for (const k of changed) engine.trust.compute(network, k)
      // Similar topics read these as bridge sources: bring them along once.
      const similar = new Set<number>()
      for (let l = 0; l < this.topicNames.length; l++) {
        if (changed.has(l)) continue
        for (const k of changed) if (similarityAt(network.similarity, k, l) > this.options.minBridgeSimilarity) similar.add(l)
      }
      for (const l of similar) { engine.trust.compute(network, l); changed.add(l) }
    }
    // Every changed topic's vector and history points in one commit: a rating changes several similar topics at once.
    const written = new Map<number, TrustVector>()
    softTransaction(this.components.db, () => {
      for (const k of changed) {
        const result = engine.trust.topic(k) as TopicTrust
        const vector = result.vector.subarray(0, this.peerKeys.length)
        if (!sameVector(this.stored.get(k), vector)) {
          this.store.saveTrustVector(this.topicNames[k] as string, this.peerKeys, vector, now)
          written.set(k, vector.slice())
        }
        this.history.record(this.topicNames[k] as string, this.relatives(result), now)
      }
    })
    for (const [k, vector] of written) this.stored.set(k, vector)
    this.appScores.clear()
    this.events.emit('trust:updated', { topics: [...changed].map(k => this.topicNames[k] as string) })
  }

  /** Each peer's relative trust in a freshly computed topic (the person left out), as the history records it. */
  private * relatives (result: TopicTrust): Generator<{ peer: Uint8Array, relative: number }> {
    const self = this.selfIndex()
    for (const [j, peer] of this.peerKeys.entries()) {
      if (j === self || j >= result.vector.length) continue
      yield { peer, relative: relativeTrust(result, j, self) }
    }
  }

  /** Whether a query must recompute first: no engine yet, evidence waiting, or the evidence is due to age. */
  private stale (): boolean {
    const engine = this.engine
    return engine === undefined || !engine.computed || this.dirty.size > 0 || this.now() - engine.decayedAt >= DECAY_STEP_MS
  }

  /** Agents announcing a topic get an index, so the newcomer prior can reach them; topics that gained one are recomputed. */
  private admitAnnouncers (): void {
    if (this.announcers === undefined) return
    const seen = new Set<string>()
    for (const [k, topic] of this.topicNames.entries()) {
      for (const agent of this.announcers(topic)) {
        // An agent announcing in several topics is looked up once.
        if (seen.has(hex(agent))) continue
        seen.add(hex(agent))
        const baid = this.components.baidOf(agent)
        if (baid === undefined || this.peerIndex.has(hex(baid))) continue
        this.indexOf(baid)
        this.dirty.add(k)
      }
    }
    // Past the engine's room: rebuilt from the store, which sizes it anew.
    if (this.engine !== undefined && this.peerKeys.length > this.engine.capacity) this.engine = undefined
  }

  private rank (peer: Uint8Array | undefined, topic: string): number | undefined {
    // Blocked, slashed, known bad, under the person's threshold: not offered work (score() decides, as the Trust view shows it).
    const { standing: verdict, result, index } = this.score(peer, topic)
    if (verdict !== 'selectable') return undefined
    const self = this.selfIndex()
    // Never rated, never announced here: explored as a fresh identity with nothing against it.
    if (result === undefined || index === undefined || index >= result.vector.length) return result === undefined ? 0 : explorationTrust(result, { fresh: true, against: 0, self })
    const fraud = this.engine?.fraud
    return selectionTrust(result, index, {
      ...(self === undefined ? {} : { self }),
      ...(fraud === undefined ? {} : { proofsAgainst: (p: PeerIndex) => p < fraud.peers ? fraud.against(p) : 0 })
    })
  }

  /** A peer's standing and relative trust in a topic; one it has never heard of is selectable with nothing. */
  private score (peer: Uint8Array | undefined, topic: string): { score: number, relative: number, standing: PeerStanding, result: TopicTrust | undefined, index: PeerIndex | undefined } {
    const k = this.topicIndex.get(topic)
    const index = peer === undefined ? undefined : this.peerIndex.get(hex(peer))
    const result = k === undefined ? undefined : this.engine?.trust.topic(k)
    if (peer !== undefined && this.store.isBlocked(peer)) return { score: 0, relative: 0, standing: 'blocked', result, index }
    if (peer !== undefined && index === undefined && this.isSlashed(peer)) return { score: 0, relative: 0, standing: 'slashed', result, index }
    if (result === undefined || index === undefined || index >= result.vector.length) return { score: 0, relative: 0, standing: this.belowThreshold(topic, 0) ? 'below-threshold' : 'selectable', result, index }
    const score = result.vector[index] as number
    // Endorsed trust, as selection reads it: the newcomer budget lets a fresh peer be tried, never known.
    const relative = relativeTrust(result, index, this.selfIndex())
    const engineStanding = standing(result, index)
    const verdict: PeerStanding = engineStanding !== 'selectable' ? engineStanding : this.belowThreshold(topic, relative) ? 'below-threshold' : 'selectable'
    return { score, relative, standing: verdict, result, index }
  }

  private belowThreshold (topic: string, relative: number): boolean {
    const min = this.store.threshold(topic)
    return min !== undefined && relative < min
  }

  private topicView (peer: Uint8Array, topic: string): TopicTrustView {
    const { score, relative, standing: verdict, result, index } = this.score(peer, topic)
    const threshold = this.store.threshold(topic)
    const base = { topic, score, relative, standing: verdict, ...(threshold === undefined ? {} : { threshold }) }
    if (result === undefined || index === undefined) return { ...base, parts: [], penalties: verdict === 'blocked' ? [{ kind: 'vetoed' }] : verdict === 'slashed' ? [{ kind: 'slashed' }] : [] }
    const breakdown = explainTrust(result, index, this.engine?.fraud)
    const name = (i: PeerIndex): string => baidIdOf(this.peerKeys[i] as Uint8Array)
    const topicName = (k: number): string => this.topicNames[k] as string
    const parts: TrustPart[] = breakdown.parts.map(part => {
      switch (part.kind) {
        case 'rating': return { ...part, from: name(part.from) }
        case 'bridge': return { ...part, fromTopic: topicName(part.fromTopic) }
        default: return part
      }
    })
    const penalties: TrustPenalty[] = breakdown.penalties.map(penalty => {
      switch (penalty.kind) {
        case 'negative-evidence': case 'discredited-rater': return { ...penalty, from: name(penalty.from) }
        case 'gate': return { ...penalty, fromTopic: topicName(penalty.fromTopic) }
        default: return penalty
      }
    })
    return { ...base, parts, penalties }
  }

  private save (opened: OpenedReceipt, bytes: Uint8Array, rater: Uint8Array, ratee: Uint8Array, alongside?: () => void): boolean {
    const { receipt, hash } = opened
    // Held already, with its rating: no durable write to learn that.
    if (this.store.holdsReceipt(hash)) return false
    const ts = this.now()
    const rating: VerifiedRating = { rater, ratee, topic: receipt.topic, satisfied: receipt.satisfied ? 1 : 0, unsatisfied: receipt.satisfied ? 0 : 1, receipt: hash, ts }
    const stored = { hash, requester: rater, provider: ratee, topic: receipt.topic, satisfied: receipt.satisfied, bytes, receivedAt: ts }
    // The ledger in memory learns the rating only once its commit (and whatever went alongside) stood.
    const added = transaction(this.components.db, () => {
      const fresh = this.store.saveRatedReceipt(stored, rating)
      if (fresh) alongside?.()
      return fresh
    })
    if (added) this.evidence(rating)
    return added
  }

  /** New evidence goes into the live ledger when it fits; otherwise the engine is rebuilt from the store at the next flush. */
  private evidence (rating: VerifiedRating): void {
    const k = this.topicOf(rating.topic)
    const rater = this.indexOf(rating.rater)
    const ratee = this.indexOf(rating.ratee)
    const engine = this.engine
    if (engine === undefined || rater >= engine.capacity || ratee >= engine.capacity || k >= engine.matrices.length) {
      this.engine = undefined
    } else {
      engine.ledger.addRating(rater, ratee, k, rating.satisfied, rating.unsatisfied)
      this.dirty.add(k)
    }
    this.schedule()
  }

  private changed (didChange: boolean): boolean {
    if (didChange) this.invalidate({ slashing: false })
    return didChange
  }

  /** Seeds, blocks or (with `slashing`) the fraud proofs changed: every topic is recomputed. */
  private invalidate ({ slashing }: { slashing: boolean }): void {
    for (let k = 0; k < this.topicNames.length; k++) this.dirty.add(k)
    if (slashing && this.engine !== undefined) this.engine.slashed = undefined
    this.appScores.clear()
    this.events.emit('standing:changed', {})
    this.schedule()
  }

  /** A recompute in `delayMs` (or sooner, if one is due sooner): evidence arriving in bursts is computed from once. */
  private schedule (delayMs = this.recomputeDelayMs): void {
    if (this.stopped || (this.timer !== undefined && this.due <= Date.now() + delayMs)) return
    clearTimeout(this.timer)
    this.due = Date.now() + delayMs
    // A database closed without stopping us first (an embedder's shortcut) leaves nothing to compute from.
    this.timer = setTimeout(() => { this.timer = undefined; if (this.components.db.open) this.flush() }, delayMs)
    this.timer.unref()
  }

  /** Load every rating (decayed by age) into a fresh ledger sized with room to grow, and a fresh personal engine. */
  private build (): Engine {
    const now = this.now()
    const tuples = [...this.store.decayedRatings(now, this.halfLifeMs)]
    for (const t of tuples) { this.topicOf(t.topic); this.indexOf(t.rater); this.indexOf(t.ratee) }
    for (const choice of [...this.store.contacts(), ...this.store.blocks()]) this.indexOf(choice.peer)
    for (const offender of this.store.slashedPeers()) this.indexOf(offender)
    const self = this.components.self()
    if (self !== undefined) this.indexOf(self)
    for (const { topic } of this.store.thresholds()) this.topicOf(topic)
    const capacity = Math.max(64, 2 ** Math.ceil(Math.log2(this.peerKeys.length * 2 + 1)))
    const topics = Math.max(1, this.topicNames.length)
    const ledger = new EvidenceLedger(capacity, topics, Math.max(1024, tuples.length * 2))
    for (const t of tuples) ledger.addRating(this.indexOf(t.rater), this.indexOf(t.ratee), this.topicOf(t.topic), t.satisfied, t.unsatisfied)
    const trust = new PersonalTrust({
      seeds: k => this.seeds(k),
      experience: k => this.experience(k),
      referees: () => this.store.contacts().map(c => this.indexOf(c.peer)),
      blocked: () => this.store.blocks().map(b => this.indexOf(b.peer)),
      newcomers: k => this.newcomers(k)
    }, this.options)
    this.dirty.clear()
    this.engine = { capacity, ledger, trust, matrices: [], slashed: undefined, fraud: undefined, ownFailures: [], decayedAt: now, computed: false }
    return this.engine
  }

  /** The engine's input for this flush: matrices rebuilt for dirty topics only. */
  private network (engine: Engine): TrustNetwork {
    const n = engine.capacity
    const topics = this.topicNames.length
    if (engine.slashed === undefined) {
      engine.slashed = this.slashedMask(engine)
      for (let k = 0; k < topics; k++) this.dirty.add(k)
    }
    const slashed = engine.slashed
    const vouching = new VouchingRecord(n, topics)
    for (let p = 0; p < n; p++) if (slashed[p] === 1) vouching.noteSlashed(engine.ledger, p)
    for (let k = 0; k < topics; k++) {
      if (engine.matrices[k] !== undefined && !this.dirty.has(k) && engine.computed) continue
      engine.matrices[k] = buildTrustMatrix(engine.ledger, [k], { excluded: slashed, credibility: vouching.credibility(engine.ledger, k, DEFAULT_SLASHING_POLICY.vouchingPenalty) })
    }
    return { peers: n, matrices: engine.matrices, similarity: knownTopicSimilarity(this.topicNames), slashed, ...(engine.fraud === undefined ? {} : { failures: engine.fraud }) }
  }

  /**
   * Slashed by the stored proofs: equivocation at once; task failures once their share of the tasks served stands out, proved by
   * several reporters (policy in slashing.ts). Every stored failure proof is the person's own (its canaries): one accuser, so they
   * never slash by themselves — they count as the person's own bad outcomes instead (`experience`: a veto in that topic).
   */
  private slashedMask (engine: Engine): Uint8Array {
    const topics = Math.max(1, this.topicNames.length)
    const fraud = new FraudLedger(engine.capacity, topics)
    const own: Array<Map<PeerIndex, number>> = Array.from({ length: topics }, () => new Map())
    const self = this.selfIndex()
    const now = this.now()
    // Oldest first, ageing the ledger by each gap: every proof ends up weighted by 2^(−its age / half-life).
    let at: number | undefined
    for (const proof of this.store.fraudProofs()) {
      const p = this.peerIndex.get(hex(proof.offender))
      if (p === undefined || p >= engine.capacity) continue
      if (at !== undefined && proof.detectedAt > at) fraud.decay(2 ** (-(proof.detectedAt - at) / this.halfLifeMs))
      at = Math.max(at ?? proof.detectedAt, proof.detectedAt)
      const k = proof.topic === undefined ? 0 : (this.topicIndex.get(proof.topic) ?? 0)
      fraud.record({ kind: proof.kind, offender: p, topic: k, reporter: self !== undefined && self < engine.capacity ? self : p })
      if (proof.kind === 'equivocation') continue
      const mine = own[k] as Map<PeerIndex, number>
      mine.set(p, (mine.get(p) ?? 0) + 2 ** (-Math.max(0, now - proof.detectedAt) / this.halfLifeMs))
    }
    if (at !== undefined && now > at) fraud.decay(2 ** (-(now - at) / this.halfLifeMs))
    engine.fraud = fraud
    engine.ownFailures = own
    const served = engine.ledger.servedTasks()
    const mask = new Uint8Array(engine.capacity)
    for (let p = 0; p < engine.capacity; p++) if (fraud.shouldSlash(p, served)) mask[p] = 1
    return mask
  }

  private isSlashed (peer: Uint8Array): boolean {
    const index = this.peerIndex.get(hex(peer))
    const mask = this.engine?.slashed
    if (index !== undefined && mask !== undefined && index < mask.length) return mask[index] === 1
    return this.store.fraudProofs(peer).some(p => p.kind === 'equivocation')
  }

  private seeds (k: number): { peers: number[] } {
    const peers: number[] = []
    const self = this.selfIndex()
    if (self !== undefined) peers.push(self)
    for (const c of this.store.contacts()) peers.push(this.indexOf(c.peer))
    // Peers the person was satisfied with here.
    const own = this.experience(k)
    for (let x = 0; x < own.peers.length; x++) if ((own.verdicts[x] as number) > 0) peers.push(own.peers[x] as number)
    return { peers }
  }

  /** The person's own outcomes in a topic, one verdict per provider: its receipts, and its failure proofs (failed canaries) as bad ones. */
  private experience (k: number): { peers: number[], verdicts: number[] } {
    const self = this.selfIndex()
    const matrix = this.engine?.matrices[k]
    const peers: number[] = []
    const verdicts: number[] = []
    if (self === undefined || matrix === undefined || self >= matrix.peers) return { peers, verdicts }
    const failures = new Map(this.engine?.ownFailures[k])
    const end = matrix.rowStart[self + 1] as number
    for (let e = matrix.rowStart[self] as number; e < end; e++) {
      const peer = matrix.ratee[e] as number
      const good = matrix.satisfied[e] as number
      const bad = (matrix.unsatisfied[e] as number) + (failures.get(peer) ?? 0)
      failures.delete(peer)
      peers.push(peer)
      verdicts.push(good + bad > 0 ? (good - bad) / (good + bad) : 0)
    }
    for (const [peer, weight] of failures) {
      if (weight <= 0 || peer >= matrix.peers) continue
      peers.push(peer)
      verdicts.push(-1)
    }
    return { peers, verdicts }
  }

  /** Agents announcing the topic that nobody has rated in it yet. */
  private newcomers (k: number): number[] {
    const matrix = this.engine?.matrices[k]
    if (this.announcers === undefined || matrix === undefined) return []
    const out: number[] = []
    for (const agent of this.announcers(this.topicNames[k] as string)) {
      const baid = this.components.baidOf(agent)
      const p = baid === undefined ? undefined : this.peerIndex.get(hex(baid))
      if (p !== undefined && p < matrix.peers && matrix.colStart[p + 1] === matrix.colStart[p]) out.push(p)
    }
    return out
  }

  private selfIndex (): PeerIndex | undefined {
    const self = this.components.self()
    return self === undefined ? undefined : this.peerIndex.get(hex(self))
  }

  private indexOf (peer: Uint8Array): PeerIndex {
    const key = hex(peer)
    let index = this.peerIndex.get(key)
    if (index === undefined) {
      index = this.peerKeys.length
      this.peerIndex.set(key, index)
      this.peerKeys.push(Uint8Array.from(peer))
    }
    return index
  }

  private topicOf (topic: string): number {
    let k = this.topicIndex.get(topic)
    if (k === undefined) {
      k = this.topicNames.length
      this.topicIndex.set(topic, k)
      this.topicNames.push(topic)
      this.engine = undefined
    }
    return k
  }

  private baidOrThrow (agent: Uint8Array, role: string): Uint8Array {
    const baid = this.components.baidOf(agent)
    if (baid === undefined) throw new InvalidTrustInputError(`the receipt's ${role} has no BAID known here`)
    return baid
  }
}

/** The agent key behind a PeerId, or undefined for a PeerId of another key type (no Hearth agent). */
function ed25519KeyOf (peerId: string): Uint8Array | undefined {
  try {
    return agentKeyOf(peerId)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    return undefined
  }
}

function sameVector (a: TrustVector | undefined, b: TrustVector): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i])
}
