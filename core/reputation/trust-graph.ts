import { InvalidRatingError } from '../api/errors.ts'

// Receipt-backed evidence, aggregated per (topic, rater, ratee), and the row-stochastic local-trust matrix C built from it.

/** A peer as the engine sees it: a dense index the caller maps to a PeerId. */
export type PeerIndex = number
/** A topic as the engine sees it: an index into the caller's topic list. */
export type TopicIndex = number

/** One verified rating: the rater's satisfied / unsatisfied weight about the ratee in a topic (each backed by a co-signed receipt). */
export interface LocalTrust {
  readonly rater: PeerIndex
  readonly ratee: PeerIndex
  readonly topic: TopicIndex
  readonly satisfied: number
  readonly unsatisfied: number
}

/** Accumulated evidence with exponential time decay; the single store the trust matrices are built from. */
export class EvidenceLedger {
  readonly peers: number
  readonly topics: number
  private readonly slots = new Map<number, number>()
  private capacity: number
  private count = 0
  private raterOf: Int32Array
  private rateeOf: Int32Array
  private topicOf: Int32Array
  private satisfiedOf: Float64Array
  private unsatisfiedOf: Float64Array
  /** Peers forgotten since the last compaction: their triples are dropped, all at once, before the ledger is next read or written. */
  private readonly forgotten = new Set<PeerIndex>()

  constructor (peers: number, topics: number, initialCapacity = 1024) {
    if (!Number.isInteger(peers) || peers < 1 || !Number.isInteger(topics) || topics < 1) throw new InvalidRatingError('a ledger needs at least one peer and one topic')
    // The slot key packs (topic, rater, ratee) into one float64-safe integer.
    if (topics * peers * peers > Number.MAX_SAFE_INTEGER) throw new InvalidRatingError('too many peers × topics for one ledger')
    this.peers = peers
    this.topics = topics
    this.capacity = Math.max(16, initialCapacity)
    this.raterOf = new Int32Array(this.capacity)
    this.rateeOf = new Int32Array(this.capacity)
    this.topicOf = new Int32Array(this.capacity)
    this.satisfiedOf = new Float64Array(this.capacity)
    this.unsatisfiedOf = new Float64Array(this.capacity)
  }

  /** Distinct (rater, ratee, topic) triples held. */
  get size (): number { this.settle(); return this.count }

  add (rating: LocalTrust): void {
    this.addRating(rating.rater, rating.ratee, rating.topic, rating.satisfied, rating.unsatisfied)
  }

  /** Add evidence; the same triple accumulates. Self-ratings are ignored: a peer cannot vouch for itself. */
  addRating (rater: PeerIndex, ratee: PeerIndex, topic: TopicIndex, satisfied: number, unsatisfied: number): void {
    if (!(rater >= 0 && rater < this.peers && ratee >= 0 && ratee < this.peers && topic >= 0 && topic < this.topics) ||
      !Number.isInteger(rater) || !Number.isInteger(ratee) || !Number.isInteger(topic)) {
      throw new InvalidRatingError(`rating (${rater} → ${ratee}, topic ${topic}) is outside the ledger`)
    }
    if (!(satisfied >= 0 && unsatisfied >= 0) || !Number.isFinite(satisfied + unsatisfied)) throw new InvalidRatingError('rating weights must be finite and non-negative')
    if (rater === ratee) return
    this.settle()
    const key = (topic * this.peers + rater) * this.peers + ratee
    let slot = this.slots.get(key)
    if (slot === undefined) {
      if (this.count === this.capacity) this.grow()
      slot = this.count++
      this.slots.set(key, slot)
      this.raterOf[slot] = rater
      this.rateeOf[slot] = ratee
      this.topicOf[slot] = topic
    }
    this.satisfiedOf[slot] = (this.satisfiedOf[slot] as number) + satisfied
    this.unsatisfiedOf[slot] = (this.unsatisfiedOf[slot] as number) + unsatisfied
  }

  /** Age all evidence: multiply by 2^(−Δt / half-life) whenever the clock advances. */
  decay (factor: number): void {
    if (!(factor > 0 && factor <= 1)) throw new InvalidRatingError('decay factor must be in (0, 1]')
    this.settle()
    for (let s = 0; s < this.count; s++) {
      this.satisfiedOf[s] = (this.satisfiedOf[s] as number) * factor
      this.unsatisfiedOf[s] = (this.unsatisfiedOf[s] as number) * factor
    }
  }

  /** Evidence one rater holds about one ratee in a topic (zeros if none). */
  get (rater: PeerIndex, ratee: PeerIndex, topic: TopicIndex): { satisfied: number, unsatisfied: number } {
    this.settle()
    const slot = this.slots.get((topic * this.peers + rater) * this.peers + ratee)
    if (slot === undefined) return { satisfied: 0, unsatisfied: 0 }
    return { satisfied: this.satisfiedOf[slot] as number, unsatisfied: this.unsatisfiedOf[slot] as number }
  }

  /** Visit every triple: the read path for matrices, vouching records and persistence. */
  forEach (visit: (rater: PeerIndex, ratee: PeerIndex, topic: TopicIndex, satisfied: number, unsatisfied: number) => void): void {
    this.settle()
    for (let s = 0; s < this.count; s++) {
      visit(this.raterOf[s] as number, this.rateeOf[s] as number, this.topicOf[s] as number, this.satisfiedOf[s] as number, this.unsatisfiedOf[s] as number)
    }
  }

  /** Drop every triple that names the peer, so its index can be given to a fresh identity (batched: see `settle`). */
  forgetPeer (peer: PeerIndex): void {
    this.forgotten.add(peer)
  }

  /** Compact away the triples of forgotten peers, re-keying the kept ones: one pass however many peers were forgotten. */
  private settle (): void {
    if (this.forgotten.size === 0) return
    const gone = new Uint8Array(this.peers)
    for (const peer of this.forgotten) gone[peer] = 1
    this.forgotten.clear()
    let kept = 0
    for (let s = 0; s < this.count; s++) {
      const rater = this.raterOf[s] as number
      const ratee = this.rateeOf[s] as number
      const topic = this.topicOf[s] as number
      const key = (topic * this.peers + rater) * this.peers + ratee
      if (gone[rater] === 1 || gone[ratee] === 1) { this.slots.delete(key); continue }
      if (kept !== s) {
        this.raterOf[kept] = rater
        this.rateeOf[kept] = ratee
        this.topicOf[kept] = topic
        this.satisfiedOf[kept] = this.satisfiedOf[s] as number
        this.unsatisfiedOf[kept] = this.unsatisfiedOf[s] as number
        this.slots.set(key, kept)
      }
      kept++
    }
    this.count = kept
  }

  /** Decayed receipts naming each peer provider, per peer × topics + topic: the completed tasks a failure rate is measured against. */
  servedTasks (): Float64Array {
    this.settle()
    const served = new Float64Array(this.peers * this.topics)
    for (let s = 0; s < this.count; s++) {
      const at = (this.rateeOf[s] as number) * this.topics + (this.topicOf[s] as number)
      served[at] = (served[at] as number) + (this.satisfiedOf[s] as number) + (this.unsatisfiedOf[s] as number)
    }
    return served
  }

  /** Column arrays of the held triples, for building matrices without a callback per edge. */
  columns (): { rater: Int32Array, ratee: Int32Array, topic: Int32Array, satisfied: Float64Array, unsatisfied: Float64Array, size: number } {
    this.settle()
    return { rater: this.raterOf, ratee: this.rateeOf, topic: this.topicOf, satisfied: this.satisfiedOf, unsatisfied: this.unsatisfiedOf, size: this.count }
  }

  private grow (): void {
    this.capacity *= 2
    const grown = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => { const next = make(this.capacity); next.set(old); return next }
    this.raterOf = grown(this.raterOf, n => new Int32Array(n))
    this.rateeOf = grown(this.rateeOf, n => new Int32Array(n))
    this.topicOf = grown(this.topicOf, n => new Int32Array(n))
    this.satisfiedOf = grown(this.satisfiedOf, n => new Float64Array(n))
    this.unsatisfiedOf = grown(this.unsatisfiedOf, n => new Float64Array(n))
  }
}

/**
 * Normalised local trust C in CSR by rater: weight[e] = credibility(i) · max(s_ij, 0) / Σ_j max(s_ij, 0) with s = sat − unsat.
 * Edges with s ≤ 0 stay (weight 0) because the consistency gate reads their verdicts.
 */
export interface TrustMatrix {
  readonly peers: number
  readonly rowStart: Int32Array
  readonly ratee: Int32Array
  readonly weight: Float64Array
  /** (sat − unsat) / (sat + unsat) per edge: the rater's verdict in [−1, 1]. */
  readonly verdict: Float64Array
  readonly satisfied: Float64Array
  readonly unsatisfied: Float64Array
  /** 1 − Σ_j weight[i→j]: mass of rater i that falls back to pre-trust (no positive trust, or discredited). */
  readonly leak: Float64Array
  /** Per rater: 1, or less when it vouched for peers later proven fraudulent. */
  readonly credibility: Float64Array
  /** The same edges by ratee (CSC): colEdge[c] is an edge index above, colRater[c] its rater. */
  readonly colStart: Int32Array
  readonly colEdge: Int32Array
  readonly colRater: Int32Array
}

export interface TrustMatrixOptions {
  /** Slashed peers: their ratings and all ratings about them are dropped. */
  readonly excluded?: Uint8Array
  /** Per-rater credibility multiplier in [0, 1] (default 1). */
  readonly credibility?: Float64Array
}

/** Build C from the ledger's evidence in the given topics (one topic: per-topic trust; all topics: flattened EigenTrust). */
export function buildTrustMatrix (ledger: EvidenceLedger, topics: readonly TopicIndex[], options: TrustMatrixOptions = {}): TrustMatrix {
  const n = ledger.peers
  const { rater, ratee, topic, satisfied, unsatisfied, size } = ledger.columns()
  const wanted = new Uint8Array(ledger.topics)
  for (const t of topics) wanted[t] = 1
  const excluded = options.excluded
  const counts = new Int32Array(n + 1)
  for (let s = 0; s < size; s++) {
    const i = rater[s] as number
    const j = ratee[s] as number
    if (wanted[topic[s] as number] === 0 || (excluded !== undefined && (excluded[i] === 1 || excluded[j] === 1))) continue
    counts[i + 1] = (counts[i + 1] as number) + 1
  }
  for (let i = 0; i < n; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number)
  const total = counts[n] as number
  const cursor = counts.slice(0, n)
  const rawRatee = new Int32Array(total)
  const rawSat = new Float64Array(total)
  const rawUnsat = new Float64Array(total)
  for (let s = 0; s < size; s++) {
    const i = rater[s] as number
    const j = ratee[s] as number
    if (wanted[topic[s] as number] === 0 || (excluded !== undefined && (excluded[i] === 1 || excluded[j] === 1))) continue
    const e = cursor[i] as number
    cursor[i] = e + 1
    rawRatee[e] = j
    rawSat[e] = satisfied[s] as number
    rawUnsat[e] = unsatisfied[s] as number
  }
  // Merge a rater's duplicate ratees (several topics flattened into one row).
  const rowStart = new Int32Array(n + 1)
  const position = new Int32Array(n).fill(-1)
  let out = 0
  for (let i = 0; i < n; i++) {
    rowStart[i] = out
    const begin = out
    for (let e = counts[i] as number; e < (counts[i + 1] as number); e++) {
      const j = rawRatee[e] as number
      const at = position[j] as number
      if (at >= begin) {
        rawSat[at] = (rawSat[at] as number) + (rawSat[e] as number)
        rawUnsat[at] = (rawUnsat[at] as number) + (rawUnsat[e] as number)
      } else {
        rawRatee[out] = j
        rawSat[out] = rawSat[e] as number
        rawUnsat[out] = rawUnsat[e] as number
        position[j] = out
        out++
      }
    }
  }
  rowStart[n] = out
  const credibility = options.credibility ?? new Float64Array(n).fill(1)
  const weight = new Float64Array(out)
  const verdict = new Float64Array(out)
  const leak = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let positive = 0
    const end = rowStart[i + 1] as number
    for (let e = rowStart[i] as number; e < end; e++) {
      const s = (rawSat[e] as number) - (rawUnsat[e] as number)
      const volume = (rawSat[e] as number) + (rawUnsat[e] as number)
      verdict[e] = volume > 0 ? s / volume : 0
      if (s > 0) positive += s
    }
    const cred = Math.min(1, Math.max(0, credibility[i] ?? 1))
    let rowMass = 0
    if (positive > 0) {
      for (let e = rowStart[i] as number; e < end; e++) {
        const s = (rawSat[e] as number) - (rawUnsat[e] as number)
        if (s > 0) {
          const w = cred * s / positive
          weight[e] = w
          rowMass += w
        }
      }
    }
    leak[i] = Math.max(0, 1 - rowMass)
  }
  const rateeOut = rawRatee.slice(0, out)
  const colStart = new Int32Array(n + 1)
  for (let e = 0; e < out; e++) colStart[(rateeOut[e] as number) + 1] = (colStart[(rateeOut[e] as number) + 1] as number) + 1
  for (let j = 0; j < n; j++) colStart[j + 1] = (colStart[j + 1] as number) + (colStart[j] as number)
  const colCursor = colStart.slice(0, n)
  const colEdge = new Int32Array(out)
  const colRater = new Int32Array(out)
  for (let i = 0; i < n; i++) {
    const end = rowStart[i + 1] as number
    for (let e = rowStart[i] as number; e < end; e++) {
      const j = rateeOut[e] as number
      const c = colCursor[j] as number
      colCursor[j] = c + 1
      colEdge[c] = e
      colRater[c] = i
    }
  }
  return {
    peers: n,
    rowStart,
    ratee: rateeOut,
    weight,
    verdict,
    satisfied: rawSat.slice(0, out),
    unsatisfied: rawUnsat.slice(0, out),
    leak,
    credibility,
    colStart,
    colEdge,
    colRater
  }
}
