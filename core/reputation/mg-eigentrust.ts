import { InvalidTrustInputError } from '../api/errors.ts'
import { failuresStandOut } from './slashing.ts'
import { similarityAt, type TopicSimilarity } from './topic-similarity.ts'
import type { PeerIndex, TopicIndex, TrustMatrix } from './trust-graph.ts'

// MG-EigenTrust, personal and per topic: t ← (1−a)·Cᵀt + a·p until ‖Δt‖₁ < ε, where the pre-trust p mixes the
// person's seed set, bridge feedback from semantically similar topics (through a consistency gate) and a newcomer prior.

/** Score per PeerIndex in one topic; sums to 1 (or is all zero when the person trusts no one yet). */
export type TrustVector = Float64Array

export interface MgEigenTrustOptions {
  /** EigenTrust's a: the weight of pre-trust in every step. */
  readonly alpha: number
  /** Stop when the L1 change of one step falls below this. */
  readonly epsilon: number
  readonly maxIterations: number
  /** Share of pre-trust that similar topics may contribute (0 turns bridging off). */
  readonly bridgeWeight: number
  /**
   * Similarity at or below which a topic bridges nothing; above it a source's relevance rises linearly to 1 at similarity 1, and the
   * bridge's share of pre-trust is `bridgeWeight` × the relevance of the most similar source (unrelated topics bridge nothing).
   */
  readonly minBridgeSimilarity: number
  /** With the gate off, cross-topic trust flows whatever the peer did here (the ablation). */
  readonly gate: boolean
  /** Total pre-trust share for declared newcomers — a fixed budget split among all of them, so minting identities cannot grow it. */
  readonly newcomerPrior: number
  /** How hard disagreement with the person's reference receipts discredits a rater: credibility = ((1 + agree) / (1 + agree + w·disagree))^this. */
  readonly credibilityExponent: number
  /** w above: one lie outweighs this many agreements (agreeing about popular peers is cheap camouflage for a rater). */
  readonly disagreementWeight: number
  /** A peer whose verified failures are more than this share of the tasks credible raters gave it here, beyond doubt, is known bad. */
  readonly maxFailureRate: number
  /** z of the one-sided Wilson bound that share must clear it by (1.28: 90 %; a personal, per-topic exclusion that thaws as proofs age). */
  readonly failureConfidence: number
  /** Distinct reporters needed before failures summed over the topics they happened in make a peer known bad in every topic. */
  readonly minReportersEverywhere: number
}

export const DEFAULT_MG_OPTIONS: MgEigenTrustOptions = {
  alpha: 0.5,
  epsilon: 1e-6,
  maxIterations: 1000,
  bridgeWeight: 0.25,
  minBridgeSimilarity: 0.3,
  gate: true,
  newcomerPrior: 0.01,
  credibilityExponent: 2,
  disagreementWeight: 3,
  maxFailureRate: 0.2,
  failureConfidence: 1.28,
  minReportersEverywhere: 2
}

/** The public part every person computes alike: per-topic local-trust matrices from receipt-backed ratings, and the slashed set. */
export interface TrustNetwork {
  readonly peers: number
  readonly matrices: readonly TrustMatrix[]
  readonly similarity: TopicSimilarity
  /** 1 for a peer with a verified fraud proof against it: zero in every topic, its ratings void (dropped from the matrices). */
  readonly slashed: Uint8Array
  /** Verified task failures standing against peers below the slashing threshold: public, so every person weighs them. */
  readonly failures?: FailureRecord
}

/** Verified failure proofs (failed canaries, disputed receipts) standing against peers: FraudLedger. */
export interface FailureRecord {
  /** Peers with a failure proof standing in some topic. */
  accused (): readonly PeerIndex[]
  /** Decayed weight of the proofs against a peer in a topic, each reporter counting at most 1. */
  failuresIn (peer: PeerIndex, topic: TopicIndex): number
  /** Distinct reporters whose proofs against the peer stand, in any topic. */
  reportersAgainst (peer: PeerIndex): number
}

/** Pre-trusted peers with weights (default 1 each): the person, contacts, peers they were satisfied with. */
export interface SeedSet {
  readonly peers: ArrayLike<PeerIndex>
  readonly weights?: ArrayLike<number>
}

/** The person's own part of the input, per topic. */
export interface PersonalInput {
  seeds (topic: TopicIndex): SeedSet
  /** Peers new to this topic that the person is willing to try; they share `newcomerPrior`. */
  newcomers? (topic: TopicIndex): ArrayLike<PeerIndex>
  /**
   * The person's own receipts in this topic: their verdict about each peer they dealt with, in [−1, 1] ((good − bad) / (good + bad)).
   * A peer with a negative own verdict is vetoed (the person saw it fail); raters are judged by how well they agree with it.
   */
  experience? (topic: TopicIndex): OwnExperience
  /** Peers the person blocked by hand (`hearth trust block`): zero in every topic for this person. */
  blocked? (): ArrayLike<PeerIndex>
  /** Raters whose own receipts the person takes as reference where it has none of its own (its contacts): they judge other raters too. */
  referees? (): ArrayLike<PeerIndex>
}

export interface OwnExperience {
  readonly peers: ArrayLike<PeerIndex>
  readonly verdicts: ArrayLike<number>
}

/** A topic bridged into this one, as it stood when this topic was computed. */
export interface BridgeSource {
  readonly topic: TopicIndex
  /** The source's relevance here: bridgeRelevance(similarity, minBridgeSimilarity), in (0, 1]. */
  readonly similarity: number
  /** The source's endorsed trust (`endorsed`): what the newcomer prior put there is exploration and does not cross topics. */
  readonly vector: TrustVector
  readonly verdict: Float64Array
}

/** Result for one topic, with what is needed to explain every score exactly. */
export interface TopicTrust {
  readonly topic: TopicIndex
  readonly vector: TrustVector
  readonly iterations: number
  /** L1 change of the last step. */
  readonly residual: number
  readonly matrix: TrustMatrix
  /** The iterate before `vector`: vector = (1−a)·Cᵀ·previous + fallbackMass·preTrust, exactly. */
  readonly previous: Float64Array
  readonly preTrust: Float64Array
  /** (1−a)·(mass of previous that leaked to pre-trust) + a. */
  readonly fallbackMass: number
  readonly alpha: number
  /** Mixing weights of pre-trust components (sum 1, or all 0). */
  readonly mix: { readonly seed: number, readonly bridge: number, readonly newcomer: number }
  readonly seedShare: Float64Array
  readonly newcomerShare: number
  readonly newcomers: ArrayLike<PeerIndex>
  readonly bridges: readonly BridgeSource[]
  /** Σ_j of the unnormalised bridge mass; bridge share of j = Σ_l sim·gate·t_l[j] / bridgeTotal. */
  readonly bridgeTotal: number
  /** Trust-weighted verdict and weight of raters about each peer here, as used by the gate (weights from the warm start). */
  readonly gateVerdict: Float64Array
  readonly gateWeight: Float64Array
  /** Trust-weighted verdict about each peer here after convergence: what other topics' gates read. */
  readonly verdict: Float64Array
  /** Total trust of the raters behind `verdict` (0: nobody this person trusts has rated the peer here). */
  readonly verdictWeight: Float64Array
  readonly gateEnabled: boolean
  /** The slashed set this result was computed with (a copy). */
  readonly slashed: Uint8Array
  /** 1 for a peer this person vetoed here (own failed receipt) or blocked: zero here, its inflow returned to pre-trust. */
  readonly blocked: Uint8Array
  /** Per rater, this person's credibility for it here (agreement with the person's own receipts); multiplies its row of C. */
  readonly raterCredibility: Float64Array
  /** The score one fresh identity gets from the newcomer prior here: a peer reported bad whose endorsed trust is less is known-bad. */
  readonly newcomerLevel: number
  /**
   * The part of each score that originates in the newcomer prior: the budget itself and all it passed on along ratings (vector is
   * linear in pre-trust at the fixed point, so this is exact). It is exploration, not endorsement: fresh identities that rate each
   * other pass the budget around among themselves, and nobody the person trusts vouched for any of it. See `endorsed`.
   */
  readonly fromNewcomerPrior: Float64Array
  /** vector − fromNewcomerPrior (floored at 0): the endorsed trust of every peer (`endorsed`); the vector itself when no newcomer prior went in. */
  readonly endorsedTrust: TrustVector
  /** First-hand verdicts here (the person's own receipts, else its contacts'), when the person supplied experience; what the gate reads. */
  readonly firstHand: Float64Array | undefined
  /** 1 for a peer whose bridged trust the consistency gate cut (partly or wholly) here. */
  readonly gateCut: Uint8Array
  /**
   * 1 for a peer whose verified failures stand out among the tasks credible raters gave it: here, or — proved by several reporters —
   * summed over the topics they happened in (fraud in one topic is fraud in every topic).
   */
  readonly failing: Uint8Array
  /** Per peer accused when this was computed: the tasks credible raters gave it here (receipts weighted by credibility), what its failures are measured against. */
  readonly witnessedTasks: WitnessedTasks
}

/** Where a peer stands for selection in one person's view of a topic: the app's selection threshold. */
export type Standing = 'slashed' | 'blocked' | 'known-bad' | 'selectable'

/**
 * The selection threshold a person applies, in absolute terms: a peer is not selectable when it is slashed, when the person's own
 * receipts with it here are net bad (veto), when its verified failures here stand out among the tasks credible raters gave it
 * (`failing`), or when the consistency gate cut the trust it carried from a similar topic (credible raters the person trusts report
 * it worse here) and its endorsed trust (`endorsed`: what is left, less whatever came from the newcomer prior) is below what a fresh
 * identity gets (`newcomerLevel`).
 * Every exclusion is caused by a proof or by negative evidence; a peer that is merely unknown, or only badmouthed (a bad rating
 * takes no trust away in EigenTrust), stays selectable.
 */
export function standing (result: TopicTrust, peer: PeerIndex): Standing {
  if (result.slashed[peer] === 1) return 'slashed'
  if (result.blocked[peer] === 1) return 'blocked'
  if (result.failing[peer] === 1) return 'known-bad'
  if (result.gateCut[peer] === 1 && endorsed(result, peer) < result.newcomerLevel) return 'known-bad'
  return 'selectable'
}

/**
 * A peer's endorsed trust here: its score less what came from the newcomer prior, i.e. the trust that flowed from the person's own
 * seed set and from bridges of its other topics. A peer is known to be good only when this exceeds `newcomerLevel`; trust the
 * newcomer budget injected (however far it travelled along fresh identities' praise of each other) never makes a peer known.
 */
export function endorsed (result: TopicTrust, peer: PeerIndex): number {
  return result.endorsedTrust[peer] as number
}

/**
 * The consistency gate, a hard rule: bridged trust is cut to zero when the credible evidence here about the peer is net negative
 * (the person's own receipts, else its contacts'; only a person who supplies no experience falls back to its trusted raters, weighted
 * by trust and credibility); otherwise it passes. A drop that stays positive cuts nothing.
 */
export function consistencyGate (verdictHere: number, weightHere: number): number {
  return weightHere > 0 && verdictHere < 0 ? 0 : 1
}

/** How much a source topic of this similarity says about the target: 0 at or below the floor, rising linearly to 1. */
export function bridgeRelevance (similarity: number, floor: number): number {
  return similarity <= floor ? 0 : Math.min(1, (similarity - floor) / (1 - floor))
}

/** Reusable buffers, so a computation allocates only its outputs. */
class Scratch {
  readonly peers: number
  readonly queue: Int32Array
  readonly reached: Uint8Array
  readonly agree: Float64Array
  readonly disagree: Float64Array
  readonly reference: Float64Array
  readonly referenceWeight: Float64Array
  readonly source: Float64Array
  readonly term: Float64Array
  constructor (peers: number) {
    this.source = new Float64Array(peers)
    this.term = new Float64Array(peers)
    this.reference = new Float64Array(peers)
    this.referenceWeight = new Float64Array(peers)
    this.peers = peers
    this.queue = new Int32Array(peers)
    this.reached = new Uint8Array(peers)
    this.agree = new Float64Array(peers)
    this.disagree = new Float64Array(peers)
  }
}
let scratch: Scratch | undefined
const scratchFor = (peers: number): Scratch => {
  if (scratch?.peers !== peers) scratch = new Scratch(peers)
  return scratch
}

/**
 * Power iteration t ← (1−a)·Cᵀt + ((1−a)·leak(t) + a)·p from `start` (masked to what p can reach).
 * Writes into `a` and `b` alternately; returns which holds the result.
 */
export function powerIterate (matrix: TrustMatrix, preTrust: Float64Array, alpha: number, epsilon: number, maxIterations: number,
  a: Float64Array, b: Float64Array, personal?: PersonalWeights): { resultInA: boolean, iterations: number, residual: number, fallbackMass: number } {
  const { credibility, blocked } = personal ?? impersonal(matrix.peers)
  return iterateTrust(matrix, preTrust, alpha, epsilon, maxIterations, a, b, credibility, blocked)
}

/** Rows scaled by the person's credibility for each rater, and inflow to the peers it vetoed dropped. */
interface PersonalWeights { readonly credibility: Float64Array, readonly blocked: Uint8Array }

/** Every rater fully credible, nobody vetoed: plain EigenTrust's step. */
const impersonal = (peers: number): PersonalWeights => ({ credibility: new Float64Array(peers).fill(1), blocked: new Uint8Array(peers) })

// The loops take the typed arrays as parameters: V8 compiles them about 40 % faster than when read from an optional object.
function iterateTrust (matrix: TrustMatrix, preTrust: Float64Array, alpha: number, epsilon: number, maxIterations: number,
  a: Float64Array, b: Float64Array, credibility: Float64Array, blocked: Uint8Array): { resultInA: boolean, iterations: number, residual: number, fallbackMass: number } {
  const n = matrix.peers
  const { rowStart, ratee, weight, leak } = matrix
  const keep = 1 - alpha
  let t = a
  let u = b
  let iterations = 0
  let residual = Infinity
  let fallbackMass = alpha
  while (iterations < maxIterations) {
    u.fill(0)
    let leaked = 0
    for (let i = 0; i < n; i++) {
      let ti = t[i] as number
      if (ti === 0) continue
      // A discredited rater's withheld share falls back to pre-trust, like a row with no positive trust.
      const cred = credibility[i] as number
      const li = leak[i] as number
      leaked += ti * (li + (1 - cred) * (1 - li))
      ti *= cred
      if (ti === 0) continue
      const end = rowStart[i + 1] as number
      for (let e = rowStart[i] as number; e < end; e++) {
        const j = ratee[e] as number
        u[j] = (u[j] as number) + (weight[e] as number) * ti
      }
    }
    // Trust flowing to a peer the person vetoed goes back to pre-trust instead.
    for (let j = 0; j < n; j++) if (blocked[j] === 1) { leaked += u[j] as number; u[j] = 0 }
    fallbackMass = keep * leaked + alpha
    let diff = 0
    for (let j = 0; j < n; j++) {
      const v = keep * (u[j] as number) + fallbackMass * (preTrust[j] as number)
      diff += Math.abs(v - (t[j] as number))
      u[j] = v
    }
    const swap = t
    t = u
    u = swap
    iterations++
    residual = diff
    if (diff < epsilon) break
  }
  return { resultInA: t === a, iterations, residual, fallbackMass }
}

/**
 * The fixed point's response to one pre-trust component: x = (1−a)·Aᵀx + source, with A the step of `powerIterate` (rows scaled by
 * credibility, inflow to blocked peers dropped) and the fallback mass held at its converged value (folded into `source` by the
 * caller), iterated from `start` (a warm start; `source` itself when there is none) until ‖Δx‖₁ < epsilon. Writes into `a` and `b`
 * alternately; returns the one holding the result.
 */
export function propagate (matrix: TrustMatrix, source: Float64Array, alpha: number, epsilon: number, maxIterations: number,
  start: Float64Array | undefined, a: Float64Array, b: Float64Array, personal?: PersonalWeights): Float64Array {
  const { credibility, blocked } = personal ?? impersonal(matrix.peers)
  return propagateTrust(matrix, source, alpha, epsilon, maxIterations, start, a, b, credibility, blocked)
}

function propagateTrust (matrix: TrustMatrix, source: Float64Array, alpha: number, epsilon: number, maxIterations: number,
  start: Float64Array | undefined, a: Float64Array, b: Float64Array, credibility: Float64Array, blocked: Uint8Array): Float64Array {
  const n = matrix.peers
  const { rowStart, ratee, weight } = matrix
  const keep = 1 - alpha
  a.set(start ?? source)
  let t = a
  let u = b
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    u.fill(0)
    for (let i = 0; i < n; i++) {
      const ti = (t[i] as number) * (credibility[i] as number)
      if (ti === 0) continue
      const end = rowStart[i + 1] as number
      for (let e = rowStart[i] as number; e < end; e++) {
        const j = ratee[e] as number
        u[j] = (u[j] as number) + (weight[e] as number) * ti
      }
    }
    let diff = 0
    for (let j = 0; j < n; j++) {
      const v = (blocked[j] === 1 ? 0 : keep * (u[j] as number)) + (source[j] as number)
      diff += Math.abs(v - (t[j] as number))
      u[j] = v
    }
    const swap = t
    t = u
    u = swap
    if (diff < epsilon) break
  }
  return t
}

/** Trust-weighted mean verdict of raters about each peer, and the total rater trust behind it. */
export function raterVerdicts (matrix: TrustMatrix, trust: Float64Array, verdict: Float64Array, weight: Float64Array, credibility?: Float64Array): void {
  const n = matrix.peers
  const { rowStart, ratee } = matrix
  verdict.fill(0)
  weight.fill(0)
  for (let i = 0; i < n; i++) {
    const ti = (trust[i] as number) * (credibility === undefined ? 1 : (credibility[i] as number))
    if (ti === 0) continue
    const end = rowStart[i + 1] as number
    for (let e = rowStart[i] as number; e < end; e++) {
      const j = ratee[e] as number
      verdict[j] = (verdict[j] as number) + ti * (matrix.verdict[e] as number)
      weight[j] = (weight[j] as number) + ti
    }
  }
  for (let j = 0; j < n; j++) if ((weight[j] as number) > 0) verdict[j] = (verdict[j] as number) / (weight[j] as number)
}

/** A rater less credible than this (about one contradiction of the person's experience per seven agreements) is no witness at all. */
const MIN_WITNESS_CREDIBILITY = 0.5

/** One set per accused list (the fraud ledger hands out the same list until proofs change): shared by every result computed meanwhile. */
const accusedSets = new WeakMap<readonly PeerIndex[], ReadonlySet<PeerIndex>>()

/**
 * The tasks credible raters gave each accused peer here: its receipts, each rater's weighted by this person's credibility for it.
 * Colluders padding a cheat's record with receipts from each other count only as far as their ratings agree with the person's own
 * (and its contacts') experience. Summed on first asking (most accused peers are never asked about in most topics), for the peers
 * accused when the topic was computed; others have none.
 */
export class WitnessedTasks {
  private readonly matrix: TrustMatrix
  private readonly credibility: Float64Array
  private readonly accused: ReadonlySet<PeerIndex>
  private readonly summed = new Map<PeerIndex, number>()

  constructor (matrix: TrustMatrix, credibility: Float64Array, accused: readonly PeerIndex[]) {
    this.matrix = matrix
    this.credibility = credibility
    let set = accusedSets.get(accused)
    if (set === undefined) { set = new Set(accused); accusedSets.set(accused, set) }
    this.accused = set
  }

  get (peer: PeerIndex): number | undefined {
    if (!this.accused.has(peer) || !(peer >= 0 && peer < this.matrix.peers)) return undefined
    let tasks = this.summed.get(peer)
    if (tasks !== undefined) return tasks
    const { colStart, colEdge, colRater, satisfied, unsatisfied } = this.matrix
    tasks = 0
    for (let c = colStart[peer] as number; c < (colStart[peer + 1] as number); c++) {
      const e = colEdge[c] as number
      const weight = this.credibility[colRater[c] as number] as number
      if (weight >= MIN_WITNESS_CREDIBILITY) tasks += weight * ((satisfied[e] as number) + (unsatisfied[e] as number))
    }
    this.summed.set(peer, tasks)
    return tasks
  }
}

/** Mark every peer reachable from p's support along positive trust: nothing outside it can ever hold trust. */
function markReachable (matrix: TrustMatrix, preTrust: Float64Array, s: Scratch, credibility: Float64Array, blocked: Uint8Array): void {
  const { reached, queue } = s
  const { rowStart, ratee, weight } = matrix
  reached.fill(0)
  let head = 0
  let tail = 0
  for (let j = 0; j < matrix.peers; j++) {
    if ((preTrust[j] as number) > 0) { reached[j] = 1; queue[tail++] = j }
  }
  while (head < tail) {
    const i = queue[head++] as number
    if ((credibility[i] as number) === 0) continue
    const end = rowStart[i + 1] as number
    for (let e = rowStart[i] as number; e < end; e++) {
      const j = ratee[e] as number
      if (reached[j] === 0 && blocked[j] === 0 && (weight[e] as number) > 0) { reached[j] = 1; queue[tail++] = j }
    }
  }
}

/**
 * One person's MG-EigenTrust across topics. Keeps the last result per topic: it is the warm start when evidence
 * arrives, and the bridge source for similar topics.
 */
export class PersonalTrust {
  readonly options: MgEigenTrustOptions
  private readonly input: PersonalInput
  private readonly results: (TopicTrust | undefined)[] = []

  constructor (input: PersonalInput, options: Partial<MgEigenTrustOptions> = {}) {
    this.options = { ...DEFAULT_MG_OPTIONS, ...options }
    const o = this.options
    if (!(o.alpha > 0 && o.alpha <= 1) || !(o.epsilon > 0) || !(o.maxIterations >= 1) || !(o.bridgeWeight >= 0) ||
      !(o.newcomerPrior >= 0) || !(o.bridgeWeight + o.newcomerPrior < 1) || !(o.minBridgeSimilarity >= 0 && o.minBridgeSimilarity < 1) || !(o.credibilityExponent >= 0) || !(o.disagreementWeight >= 0) ||
      !(o.maxFailureRate >= 0 && o.maxFailureRate < 1) || !(o.failureConfidence >= 0) || !(o.minReportersEverywhere >= 1)) {
      throw new InvalidTrustInputError('MG-EigenTrust options out of range')
    }
    this.input = input
  }

  /** The latest result for a topic, if computed. */
  topic (topic: TopicIndex): TopicTrust | undefined {
    return this.results[topic]
  }

  /** Recompute every topic; topics never computed get a first pass so that bridges have sources. */
  computeAll (network: TrustNetwork): TopicTrust[] {
    const topics = network.matrices.length
    for (let k = 0; k < topics; k++) if (this.results[k] === undefined) this.compute(network, k)
    const out: TopicTrust[] = []
    for (let k = 0; k < topics; k++) out.push(this.compute(network, k))
    return out
  }

  /** Recompute one topic on the current network, warm-started from its last vector, bridging from the latest vectors of similar topics. */
  compute (network: TrustNetwork, topic: TopicIndex): TopicTrust {
    const matrix = network.matrices[topic]
    if (matrix === undefined) throw new InvalidTrustInputError(`no matrix for topic ${topic}`)
    const n = network.peers
    if (matrix.peers !== n || network.slashed.length !== n) throw new InvalidTrustInputError('network arrays disagree on the number of peers')
    const o = this.options
    const s = scratchFor(n)
    const slashed = network.slashed
    const last = this.results[topic]

    // Personal experience first: the person's own receipts veto peers that failed them here, and judge the raters.
    const blocked = new Uint8Array(n)
    const manual = this.input.blocked?.() ?? []
    for (let x = 0; x < manual.length; x++) { const peer = manual[x] as number; if (peer >= 0 && peer < n) blocked[peer] = 1 }
    const raterCredibility = new Float64Array(n).fill(1)
    const own = this.input.experience?.(topic)
    let firstHand: Float64Array | undefined
    let firstHandWeight: Float64Array | undefined
    if (own !== undefined) {
      // Reference verdicts: the person's own receipts first, else the mean verdict of its referees' receipts (its contacts).
      const reference = s.reference.fill(0)
      const referenceWeight = s.referenceWeight.fill(0)
      const referees = this.input.referees?.() ?? []
      for (let x = 0; x < referees.length; x++) {
        const r = referees[x] as number
        if (!(r >= 0 && r < n) || slashed[r] === 1) continue
        const end = matrix.rowStart[r + 1] as number
        for (let e = matrix.rowStart[r] as number; e < end; e++) {
          const j = matrix.ratee[e] as number
          reference[j] = (reference[j] as number) + (matrix.verdict[e] as number)
          referenceWeight[j] = (referenceWeight[j] as number) + 1
        }
      }
      for (let j = 0; j < n; j++) if ((referenceWeight[j] as number) > 0) reference[j] = (reference[j] as number) / (referenceWeight[j] as number)
      for (let x = 0; x < own.peers.length; x++) {
        const j = own.peers[x] as number
        const mine = own.verdicts[x] as number
        if (!(j >= 0 && j < n) || !(mine >= -1 && mine <= 1)) throw new InvalidTrustInputError(`bad own verdict about ${j}`)
        if (mine < 0) blocked[j] = 1
        reference[j] = mine
        referenceWeight[j] = 1
      }
      firstHand = reference.slice()
      firstHandWeight = referenceWeight.slice()
      const agree = s.agree.fill(0)
      const disagree = s.disagree.fill(0)
      const { colStart, colEdge, colRater } = matrix
      for (let j = 0; j < n; j++) {
        const ref = reference[j] as number
        if ((referenceWeight[j] as number) === 0 || ref === 0) continue
        const end = colStart[j + 1] as number
        for (let c = colStart[j] as number; c < end; c++) {
          const i = colRater[c] as number
          const x2 = (matrix.verdict[colEdge[c] as number] as number) * ref
          if (x2 > 0) agree[i] = (agree[i] as number) + x2
          else disagree[i] = (disagree[i] as number) - x2
        }
      }
      for (let i = 0; i < n; i++) {
        const d = disagree[i] as number
        if (d > 0) raterCredibility[i] = ((1 + (agree[i] as number)) / (1 + (agree[i] as number) + o.disagreementWeight * d)) ** o.credibilityExponent
      }
    }

    // Seed component: the person's own pre-trust, never on a slashed peer.
    const seedShare = new Float64Array(n)
    const seeds = this.input.seeds(topic)
    let seedTotal = 0
    for (let x = 0; x < seeds.peers.length; x++) {
      const peer = seeds.peers[x] as number
      const w = seeds.weights === undefined ? 1 : (seeds.weights[x] as number)
      if (peer < 0 || peer >= n || !(w >= 0)) throw new InvalidTrustInputError(`bad seed ${peer}`)
      if (slashed[peer] === 1 || blocked[peer] === 1 || w === 0) continue
      seedShare[peer] = (seedShare[peer] as number) + w
      seedTotal += w
    }
    if (seedTotal > 0) for (let j = 0; j < n; j++) seedShare[j] = (seedShare[j] as number) / seedTotal

    // Newcomer component: a fixed budget over declared newcomers, so a thousand fresh Sybils share what one would get.
    const declared = this.input.newcomers?.(topic) ?? []
    const newcomers: PeerIndex[] = []
    for (let x = 0; x < declared.length; x++) {
      const peer = declared[x] as number
      if (peer >= 0 && peer < n && slashed[peer] === 0 && blocked[peer] === 0) newcomers.push(peer)
    }
    const newcomerShare = newcomers.length > 0 ? 1 / newcomers.length : 0

    // Gate verdicts here, weighted by the warm-start trust (or by the seeds on a cold start): the person's current view of the raters.
    const gateVerdict = new Float64Array(n)
    const gateWeight = new Float64Array(n)
    const bridges: BridgeSource[] = []
    if (o.bridgeWeight > 0) {
      for (let l = 0; l < network.matrices.length; l++) {
        const source = this.results[l]
        const relevance = bridgeRelevance(similarityAt(network.similarity, topic, l), o.minBridgeSimilarity)
        if (l === topic || source === undefined || relevance === 0) continue
        bridges.push({ topic: l, similarity: relevance, vector: source.endorsedTrust, verdict: source.firstHand ?? source.verdict })
      }
      // The gate reads first-hand evidence when the person has it (a bad rating from a stranger is no proof); otherwise its trusted raters.
      if (bridges.length > 0 && o.gate) {
        if (firstHand !== undefined && firstHandWeight !== undefined) { gateVerdict.set(firstHand); gateWeight.set(firstHandWeight) } else raterVerdicts(matrix, last?.vector ?? seedShare, gateVerdict, gateWeight, raterCredibility)
      }
    }
    const bridge = new Float64Array(n)
    const gateCut = new Uint8Array(n)
    let bridgeTotal = 0
    for (const source of bridges) {
      for (let j = 0; j < n; j++) {
        const tl = source.vector[j] as number
        if (tl === 0 || slashed[j] === 1 || blocked[j] === 1) continue
        const gate = o.gate ? consistencyGate(gateVerdict[j] as number, gateWeight[j] as number) : 1
        if (gate < 1) gateCut[j] = 1
        const b = source.similarity * gate * tl
        bridge[j] = (bridge[j] as number) + b
        bridgeTotal += b
      }
    }

    // Mix: absent components give their share back to the seeds; nothing at all means no trust at all.
    let relevance = 0
    for (const source of bridges) relevance = Math.max(relevance, source.similarity)
    const bridgeMix = bridgeTotal > 0 ? o.bridgeWeight * relevance : 0
    const newcomerMix = newcomers.length > 0 ? o.newcomerPrior : 0
    const seedMix = seedTotal > 0 ? 1 - bridgeMix - newcomerMix : 0
    const mixTotal = seedMix + bridgeMix + newcomerMix
    const mix = mixTotal > 0 ? { seed: seedMix / mixTotal, bridge: bridgeMix / mixTotal, newcomer: newcomerMix / mixTotal } : { seed: 0, bridge: 0, newcomer: 0 }
    const preTrust = new Float64Array(n)
    for (let j = 0; j < n; j++) {
      preTrust[j] = mix.seed * (seedShare[j] as number) + (bridgeTotal > 0 ? mix.bridge * (bridge[j] as number) / bridgeTotal : 0)
    }
    for (const peer of newcomers) preTrust[peer] = (preTrust[peer] as number) + mix.newcomer * newcomerShare

    const a = new Float64Array(n)
    const b = new Float64Array(n)
    let iterations = 0
    let residual = 0
    let fallbackMass = o.alpha
    let vector = a
    let previous = b
    if (mixTotal > 0) {
      // Warm start, masked to what p reaches: a peer no longer reachable from the seeds restarts at exactly zero.
      markReachable(matrix, preTrust, s, raterCredibility, blocked)
      let startTotal = 0
      if (last !== undefined) {
        for (let j = 0; j < n; j++) {
          const v = s.reached[j] === 1 ? (last.vector[j] as number) : 0
          a[j] = v
          startTotal += v
        }
      }
      if (startTotal > 0) for (let j = 0; j < n; j++) a[j] = (a[j] as number) / startTotal
      else a.set(preTrust)
      const run = powerIterate(matrix, preTrust, o.alpha, o.epsilon, o.maxIterations, a, b, { credibility: raterCredibility, blocked })
      iterations = run.iterations
      residual = run.residual
      fallbackMass = run.fallbackMass
      vector = run.resultInA ? a : b
      previous = run.resultInA ? b : a
    }
    // What the newcomer budget contributed to the fixed point, wherever it flowed: kept apart from endorsement (see `endorsed`).
    let fromNewcomerPrior = new Float64Array(n)
    if (mixTotal > 0 && mix.newcomer > 0) {
      const source = s.source.fill(0)
      for (const peer of newcomers) source[peer] = (source[peer] as number) + fallbackMass * mix.newcomer * newcomerShare
      // Warm-started like the vector, and to the same ε: it is read against the vector, which is no finer.
      const start = last !== undefined && last.mix.newcomer > 0 ? last.fromNewcomerPrior : undefined
      const held = propagate(matrix, source, o.alpha, o.epsilon, o.maxIterations, start, fromNewcomerPrior, s.term, { credibility: raterCredibility, blocked })
      if (held !== fromNewcomerPrior) fromNewcomerPrior = held.slice()
    }
    let endorsedTrust = vector
    if (mixTotal > 0 && mix.newcomer > 0) {
      // Exactly zero where no chain of credible ratings leads from the seeds or a bridge: the subtraction alone leaves iteration residue there.
      const vouched = s.source
      for (let j = 0; j < n; j++) vouched[j] = mix.seed * (seedShare[j] as number) + (bridgeTotal > 0 ? mix.bridge * (bridge[j] as number) : 0)
      markReachable(matrix, vouched, s, raterCredibility, blocked)
      endorsedTrust = new Float64Array(n)
      for (let j = 0; j < n; j++) endorsedTrust[j] = s.reached[j] === 1 ? Math.max(0, (vector[j] as number) - (fromNewcomerPrior[j] as number)) : 0
    }
    const verdict = new Float64Array(n)
    const verdictWeight = bridge.fill(0) // the bridge mass is no longer needed: reuse its buffer
    raterVerdicts(matrix, vector, verdict, verdictWeight, raterCredibility)
    const witnessed = new WitnessedTasks(matrix, raterCredibility, network.failures?.accused() ?? [])
    const failing = this.failingPeers(network, topic, witnessed)

    const result: TopicTrust = {
      topic, vector, iterations, residual, matrix, previous, preTrust, fallbackMass, alpha: o.alpha, mix,
      seedShare, newcomerShare, newcomers, bridges, bridgeTotal, gateVerdict, gateWeight, verdict, verdictWeight,
      gateEnabled: o.gate, slashed: slashed.slice(), blocked, raterCredibility,
      newcomerLevel: fallbackMass * o.newcomerPrior / Math.max(1, newcomers.length),
      fromNewcomerPrior,
      endorsedTrust,
      gateCut,
      failing,
      witnessedTasks: witnessed,
      firstHand
    }
    this.results[topic] = result
    return result
  }

  /**
   * Peers whose verified failures stand out (`failuresStandOut`) against the tasks credible raters gave them: in this topic, or
   * summed over every topic where proofs against them stand (other topics as last computed), once enough distinct reporters stand
   * behind them — one accuser cannot make a peer known bad everywhere.
   */
  private failingPeers (network: TrustNetwork, topic: TopicIndex, witnessed: WitnessedTasks): Uint8Array {
    const o = this.options
    const failing = new Uint8Array(network.peers)
    const record = network.failures
    if (record === undefined) return failing
    for (const j of record.accused()) {
      // The tasks witnessed here matter only where proofs here stand (neither test below reads them otherwise).
      const failuresHere = record.failuresIn(j, topic)
      const tasks = failuresHere > 0 ? (witnessed.get(j) ?? 0) : 0
      if (failuresStandOut(failuresHere, tasks, o.maxFailureRate, o.failureConfidence)) { failing[j] = 1; continue }
      if (record.reportersAgainst(j) < o.minReportersEverywhere) continue
      let failures = 0
      let total = 0
      for (let l = 0; l < network.matrices.length; l++) {
        const here = record.failuresIn(j, l)
        if (!(here > 0)) continue
        failures += here
        total += Math.max(here, l === topic ? tasks : (this.results[l]?.witnessedTasks.get(j) ?? 0))
      }
      if (failuresStandOut(failures, total, o.maxFailureRate, o.failureConfidence)) failing[j] = 1
    }
    return failing
  }

  /** Forget a peer's entries in every cached vector (its index is being given to a fresh identity). */
  forgetPeer (peer: PeerIndex): void {
    for (const result of this.results) {
      if (result === undefined) continue
      result.vector[peer] = 0
      result.verdict[peer] = 0
      result.fromNewcomerPrior[peer] = 0
      result.endorsedTrust[peer] = 0
    }
  }
}
