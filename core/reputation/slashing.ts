import { InvalidTrustInputError } from '../api/errors.ts'
import type { EvidenceLedger, PeerIndex, TopicIndex } from './trust-graph.ts'

// When verified fraud proofs slash a peer, and how raters who vouched for slashed peers lose credibility. Equivocation is fraud by
// itself; task failures are fraud only when they are, beyond doubt, a large share of the tasks the peer served in a topic, and were
// proved by several requesters: honest agents fail now and then, and at any scale a long life adds those failures up.

/** What the app can verify: a double-signed log position, a failed canary inside a task, a disputed receipt with evidence. */
export type FraudProofKind = 'equivocation' | 'failed-canary' | 'disputed-receipt'

export interface FraudProof {
  readonly kind: FraudProofKind
  readonly offender: PeerIndex
  readonly topic: TopicIndex
  /** Who proved it: the requester whose canary failed or who disputed the receipt. */
  readonly reporter: PeerIndex
}

export interface SlashingPolicy {
  /** A failure share of a peer's tasks in a topic above this, beyond doubt, is fraud rather than bad luck. */
  readonly maxFailureRate: number
  /** z of the one-sided Wilson lower bound the failure share must clear the rate by (2.33: 99 %). */
  readonly confidence: number
  /** Distinct reporters whose proofs must stand in the topic: one accuser cannot frame a peer, however many proofs it files. */
  readonly minReporters: number
  /** How hard vouching for a slashed peer discredits a rater: credibility = 1 − this × (share of its positive weight that went to slashed peers). */
  readonly vouchingPenalty: number
}

// Honest agents fail well under 5 % of tasks (a missed canary, a disputed bad result); defectors fail most of the tasks they cheat on.
export const DEFAULT_SLASHING_POLICY: SlashingPolicy = { maxFailureRate: 0.2, confidence: 2.33, minReporters: 2, vouchingPenalty: 2 }

/** A reporter's proof stops standing once decay has brought it below this (four half-lives). */
const STANDING = 1 / 16

/** Wilson score lower bound of a rate from `failures` of `trials` (decayed counts are fine): what the rate is at least, at confidence z. */
export function wilsonLowerBound (failures: number, trials: number, z: number): number {
  if (!(trials > 0)) return 0
  const p = Math.min(1, failures / trials)
  const z2 = z * z
  const centre = p + z2 / (2 * trials)
  const spread = z * Math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
  return Math.max(0, (centre - spread) / (1 + z2 / trials))
}

/** Failures (decayed, each reporter at most 1) that are, at confidence z, more than `maxRate` of the tasks (failed ones included when not counted). */
export function failuresStandOut (failures: number, tasks: number, maxRate: number, z: number): boolean {
  return failures > 0 && wilsonLowerBound(failures, Math.max(failures, tasks), z) > maxRate
}

/** Proofs per (peer, topic, reporter), decaying like the evidence, and the slashing decision they lead to. */
export class FraudLedger {
  readonly peers: number
  readonly topics: number
  readonly policy: SlashingPolicy
  /** Per (peer, topic): the decayed proof weight, each reporter counting at most 1. */
  private readonly failures: Float64Array
  /** Per (peer, topic): reporters whose proof still stands. */
  private readonly reporters: Int32Array
  /** Per (peer, topic, reporter) key: that reporter's decayed proof weight (at most 1). */
  private readonly reported = new Map<number, number>()
  private readonly equivocated: Uint8Array
  private offenders: { accused: PeerIndex[], reporters: Map<PeerIndex, Set<PeerIndex>> } | undefined

  constructor (peers: number, topics: number, policy: SlashingPolicy = DEFAULT_SLASHING_POLICY) {
    if (topics * peers * peers > Number.MAX_SAFE_INTEGER) throw new InvalidTrustInputError('too many peers × topics for one fraud ledger')
    this.peers = peers
    this.topics = topics
    this.policy = policy
    this.failures = new Float64Array(peers * topics)
    this.reporters = new Int32Array(peers * topics)
    this.equivocated = new Uint8Array(peers)
  }

  record (proof: FraudProof): void {
    const { offender, topic, reporter } = proof
    if (!(offender >= 0 && offender < this.peers && topic >= 0 && topic < this.topics && reporter >= 0 && reporter < this.peers)) {
      throw new InvalidTrustInputError(`fraud proof (${offender}, topic ${topic}, by ${reporter}) outside the ledger`)
    }
    if (proof.kind === 'equivocation') { this.equivocated[offender] = 1; return }
    const at = offender * this.topics + topic
    const key = at * this.peers + reporter
    const held = this.reported.get(key) ?? 0
    if (held === 0) this.reporters[at] = (this.reporters[at] as number) + 1
    // A reporter's repeated proofs refresh its weight, never add to it.
    this.reported.set(key, 1)
    this.offenders = undefined
    this.failures[at] = (this.failures[at] as number) + 1 - held
  }

  /** Old proofs weigh less, and past four half-lives no longer stand. */
  decay (factor: number): void {
    this.offenders = undefined
    this.failures.fill(0)
    for (const [key, weight] of this.reported) {
      const at = Math.floor(key / this.peers)
      const next = weight * factor
      if (next < STANDING) {
        this.reported.delete(key)
        this.reporters[at] = (this.reporters[at] as number) - 1
        continue
      }
      this.reported.set(key, next)
      this.failures[at] = (this.failures[at] as number) + next
    }
  }

  /**
   * Equivocation is fraud by itself. Task failures are when, in some topic (fraud in one topic is fraud), enough distinct reporters
   * stand behind them and the Wilson lower bound of their share of the tasks the peer served there (`served`, per peer × topics + topic:
   * the decayed receipts naming it provider, EvidenceLedger.servedTasks) exceeds the policy's rate: scale-invariant, so neither a long
   * honest life nor many topics add chance failures up to a slash.
   */
  shouldSlash (peer: PeerIndex, served: ArrayLike<number>): boolean {
    if (this.equivocated[peer] === 1) return true
    const { minReporters, maxFailureRate, confidence } = this.policy
    for (let k = 0; k < this.topics; k++) {
      const at = peer * this.topics + k
      if ((this.reporters[at] as number) < minReporters) continue
      if (failuresStandOut(this.failures[at] as number, served[at] ?? 0, maxFailureRate, confidence)) return true
    }
    return false
  }

  /** Peers with a failure proof standing in some topic. */
  accused (): readonly PeerIndex[] {
    return this.byOffender().accused
  }

  /** Distinct reporters whose failure proofs against the peer stand, in any topic. */
  reportersAgainst (peer: PeerIndex): number {
    return this.byOffender().reporters.get(peer)?.size ?? 0
  }

  /** The standing proofs by offender, rebuilt after a change (engines read it once per topic computed). */
  private byOffender (): { accused: PeerIndex[], reporters: Map<PeerIndex, Set<PeerIndex>> } {
    if (this.offenders !== undefined) return this.offenders
    const reporters = new Map<PeerIndex, Set<PeerIndex>>()
    for (const key of this.reported.keys()) {
      const offender = Math.floor(key / this.peers / this.topics)
      let set = reporters.get(offender)
      if (set === undefined) { set = new Set(); reporters.set(offender, set) }
      set.add(key % this.peers)
    }
    this.offenders = { accused: [...reporters.keys()], reporters }
    return this.offenders
  }

  /** Decayed weight of the failure proofs standing against a peer in one topic, each reporter counting at most 1. */
  failuresIn (peer: PeerIndex, topic: TopicIndex): number {
    return this.failures[peer * this.topics + topic] ?? 0
  }

  /** Decayed weight of the proofs standing against a peer in every topic, each reporter counting at most 1 per topic (equivocation: infinite). */
  against (peer: PeerIndex): number {
    if (this.equivocated[peer] === 1) return Infinity
    let total = 0
    for (let k = 0; k < this.topics; k++) total += this.failures[peer * this.topics + k] as number
    return total
  }

  /** A fresh identity takes the index: nothing carries over, neither its proofs nor the ones it reported. */
  forgetPeer (peer: PeerIndex): void {
    this.offenders = undefined
    for (const key of this.reported.keys()) {
      const at = Math.floor(key / this.peers)
      if (Math.floor(at / this.topics) !== peer && key % this.peers !== peer) continue
      this.failures[at] = Math.max(0, (this.failures[at] as number) - (this.reported.get(key) as number))
      this.reporters[at] = (this.reporters[at] as number) - 1
      this.reported.delete(key)
    }
    this.equivocated[peer] = 0
  }
}

/** Per (topic, rater): positive weight given to peers that were later slashed. Decays with the evidence. */
export class VouchingRecord {
  readonly peers: number
  readonly topics: number
  private readonly vouched: Float64Array

  constructor (peers: number, topics: number) {
    this.peers = peers
    this.topics = topics
    this.vouched = new Float64Array(peers * topics)
  }

  /** Call before the slashed peer's evidence is forgotten: remember who vouched for it, and how much. */
  noteSlashed (ledger: EvidenceLedger, slashed: PeerIndex): void {
    ledger.forEach((rater, ratee, topic, satisfied, unsatisfied) => {
      if (ratee !== slashed || satisfied <= unsatisfied) return
      this.vouched[topic * this.peers + rater] = (this.vouched[topic * this.peers + rater] as number) + satisfied - unsatisfied
    })
  }

  decay (factor: number): void {
    for (let x = 0; x < this.vouched.length; x++) this.vouched[x] = (this.vouched[x] as number) * factor
  }

  forgetPeer (peer: PeerIndex): void {
    for (let k = 0; k < this.topics; k++) this.vouched[k * this.peers + peer] = 0
  }

  /** Credibility per rater in a topic: 1 − penalty × vouched / (vouched + current positive weight), floored at 0. */
  credibility (ledger: EvidenceLedger, topic: TopicIndex, penalty: number): Float64Array {
    const positive = new Float64Array(this.peers)
    const { rater, topic: topicOf, satisfied, unsatisfied, size } = ledger.columns()
    for (let s = 0; s < size; s++) {
      if (topicOf[s] !== topic) continue
      const net = (satisfied[s] as number) - (unsatisfied[s] as number)
      if (net > 0) positive[rater[s] as number] = (positive[rater[s] as number] as number) + net
    }
    const out = new Float64Array(this.peers)
    for (let i = 0; i < this.peers; i++) {
      const v = this.vouched[topic * this.peers + i] as number
      out[i] = v > 0 ? Math.max(0, 1 - penalty * v / (v + (positive[i] as number))) : 1
    }
    return out
  }
}
