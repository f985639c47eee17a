import { InvalidTrustInputError } from '../api/errors.ts'
import type { EvidenceLedger, PeerIndex, TopicIndex } from './trust-graph.ts'

// When verified fraud proofs slash a peer, and how raters who vouched for slashed peers lose credibility.

/** What the app can verify: a double-signed log position, a failed canary inside a task, a disputed receipt with evidence. */
export type FraudProofKind = 'equivocation' | 'failed-canary' | 'disputed-receipt'

export interface FraudProof {
  readonly kind: FraudProofKind
  readonly offender: PeerIndex
  readonly topic: TopicIndex
}

export interface SlashingPolicy {
  /** Decayed task-failure proofs needed in one topic: honest agents fail now and then, one failure is not fraud. */
  readonly minFailures: number
  /** How hard vouching for a slashed peer discredits a rater: credibility = 1 − this × (share of its positive weight that went to slashed peers). */
  readonly vouchingPenalty: number
}

// No failure *rate* over served tasks: colluders could pad their served count with receipts from each other.
export const DEFAULT_SLASHING_POLICY: SlashingPolicy = { minFailures: 3, vouchingPenalty: 2 }

/** Proofs per (peer, topic), decaying like the evidence, and the slashing decision they lead to. */
export class FraudLedger {
  readonly peers: number
  readonly topics: number
  readonly policy: SlashingPolicy
  private readonly failures: Float64Array
  private readonly equivocated: Uint8Array

  constructor (peers: number, topics: number, policy: SlashingPolicy = DEFAULT_SLASHING_POLICY) {
    this.peers = peers
    this.topics = topics
    this.policy = policy
    this.failures = new Float64Array(peers * topics)
    this.equivocated = new Uint8Array(peers)
  }

  record (proof: FraudProof): void {
    if (!(proof.offender >= 0 && proof.offender < this.peers && proof.topic >= 0 && proof.topic < this.topics)) {
      throw new InvalidTrustInputError(`fraud proof (${proof.offender}, topic ${proof.topic}) outside the ledger`)
    }
    if (proof.kind === 'equivocation') this.equivocated[proof.offender] = 1
    else this.failures[proof.offender * this.topics + proof.topic] = (this.failures[proof.offender * this.topics + proof.topic] as number) + 1
  }

  /** Old failures weigh less, so an honest agent's rare mistakes never add up over a long life. */
  decay (factor: number): void {
    for (let x = 0; x < this.failures.length; x++) this.failures[x] = (this.failures[x] as number) * factor
  }

  /** Equivocation is fraud by itself; task failures are when several stand, in whatever topics (fraud in one topic is fraud). */
  shouldSlash (peer: PeerIndex): boolean {
    if (this.equivocated[peer] === 1) return true
    let total = 0
    for (let k = 0; k < this.topics; k++) total += this.failures[peer * this.topics + k] as number
    return total >= this.policy.minFailures
  }

  /** Decayed weight of the proofs standing against a peer, in every topic (equivocation counts as the slashing threshold itself). */
  against (peer: PeerIndex): number {
    let total = this.equivocated[peer] === 1 ? this.policy.minFailures : 0
    for (let k = 0; k < this.topics; k++) total += this.failures[peer * this.topics + k] as number
    return total
  }

  /** A fresh identity takes the index: nothing carries over. */
  forgetPeer (peer: PeerIndex): void {
    this.failures.fill(0, peer * this.topics, (peer + 1) * this.topics)
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
