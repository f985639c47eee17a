import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { migrations } from '../../core/migrations.ts'
import { PersonalTrust, powerIterate, type TrustNetwork } from '../../core/reputation/mg-eigentrust.ts'
import { ReputationStore, type VerifiedRating } from '../../core/reputation/store.ts'
import { KNOWN_TOPICS, knownTopicSimilarity } from '../../core/reputation/topic-similarity.ts'
import { buildTrustMatrix, EvidenceLedger, type TrustMatrix } from '../../core/reputation/trust-graph.ts'
import { closeDatabase, openDatabase } from '../../core/store/database.ts'

// MG-EigenTrust at scale, through the app's own store and engine, beside a plain sparse power iteration in C that
// iterates the same per-topic graphs from the same pre-trust to the same ε, in the same run. Only iterations are timed.

export interface ReputationBenchOptions {
  readonly peers: number
  /** Distinct (rater, ratee, topic) triples to generate (split evenly over topics). */
  readonly edges: number
  readonly topics: number
  readonly seedsPerTopic: number
  /** Ratings per `ingestRatings` call. */
  readonly batch: number
  /** Timed runs of each iteration (engine and C); the best is kept. */
  readonly reps: number
  readonly seed: number
}

export const DEFAULT_REPUTATION_BENCH: ReputationBenchOptions = { peers: 100_000, edges: 1_000_000, topics: 5, seedsPerTopic: 30, batch: 100_000, reps: 3, seed: 1 }

export interface ReputationBench {
  peers: number
  edges: number
  topics: number
  /** Engine power iteration, summed over topics (best of reps per topic). */
  seconds: number
  baseline_c_seconds: number
  ratio: number
  ingest_ratings_per_s: number
  /** The same, counting only this process's CPU time: what the write path costs when the machine is not shared. */
  ingest_cpu_ratings_per_s: number
  rating_rows: number
  iterations: number[]
  baseline_c_iterations: number[]
  /** Largest |engine − C| over every peer and topic: the two are the same computation. */
  max_abs_diff: number
  /** Σ over topics of the engine's trust vector (each sums to 1): the compared vectors are not trivially zero. */
  vector_sum: number
  /** PersonalTrust.computeAll on the network (the app's whole per-person path, a cold pass and a warm bridged pass per topic). */
  engine_compute_all_seconds: number
  graph_read_seconds: number
  matrix_build_seconds: number
  epsilon: number
  alpha: number
  total_seconds: number
  target_ratio: number
  target_ingest_per_s: number
  target_total_seconds: number
  target_met: boolean
}

const TARGET_RATIO = 3
const TARGET_INGEST = 100_000
const TARGET_TOTAL_SECONDS = 180
const C_SOURCE = fileURLToPath(new URL('./baseline/power-iteration.c', import.meta.url))

export function benchReputation (options: Partial<ReputationBenchOptions> = {}): ReputationBench {
  const o = { ...DEFAULT_REPUTATION_BENCH, ...options }
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-reputation-'))
  try {
    const topicNames = topicNamesFor(o.topics)
    const graph = generateGraph(o)
    const keys = peerKeys(o.peers, o.seed)

    // Ingest through the store's batched write path into a real SQLite file.
    const db = openDatabase(join(dir, 'hearth.sqlite'), migrations)
    const store = new ReputationStore(db)
    let ingestMs = 0
    let ingestCpuUs = 0
    let rows = 0
    for (const batch of ratingBatches(graph, keys, topicNames, o)) {
      const cpu = process.cpuUsage()
      const start = performance.now()
      rows += store.ingestRatings(batch)
      ingestMs += performance.now() - start
      const used = process.cpuUsage(cpu)
      ingestCpuUs += used.user + used.system
    }

    // Read the evidence back as the app would: tuples streamed from the store into the engine's ledger and matrices.
    const readStart = performance.now()
    const indexOf = new Map<string, number>()
    keys.forEach((key, i) => indexOf.set(key.toString('hex'), i))
    const topicOf = new Map(topicNames.map((name, k) => [name, k]))
    const ledger = new EvidenceLedger(o.peers, o.topics, graph.rater.length)
    for (const t of store.ratingsByTopic()) {
      ledger.addRating(indexOf.get(Buffer.from(t.rater.buffer, t.rater.byteOffset, 32).toString('hex')) as number,
        indexOf.get(Buffer.from(t.ratee.buffer, t.ratee.byteOffset, 32).toString('hex')) as number, topicOf.get(t.topic) as number, t.satisfied, t.unsatisfied)
    }
    closeDatabase(db)
    const readMs = performance.now() - readStart
    const buildStart = performance.now()
    const matrices = topicNames.map((_, k) => buildTrustMatrix(ledger, [k]))
    const buildMs = performance.now() - buildStart

    // The app's per-person path, once: it also yields each topic's pre-trust (seeds plus bridges), which both iterations start from.
    const network: TrustNetwork = { peers: o.peers, matrices, similarity: knownTopicSimilarity(topicNames), slashed: new Uint8Array(o.peers) }
    const trust = new PersonalTrust({ seeds: k => ({ peers: graph.seeds[k] as Int32Array }) })
    const computeStart = performance.now()
    const results = trust.computeAll(network)
    const computeMs = performance.now() - computeStart
    const { alpha, epsilon, maxIterations } = trust.options

    // Engine: the app's powerIterate, cold from pre-trust, with the person's credibility and blocks as compute passes them.
    const engineVectors: Float64Array[] = []
    const iterations: number[] = []
    let engineSeconds = 0
    for (const result of results) {
      let best = Infinity
      let vector = new Float64Array(0)
      let count = 0
      for (let r = 0; r < o.reps; r++) {
        const a = result.preTrust.slice()
        const b = new Float64Array(o.peers)
        const start = performance.now()
        const run = powerIterate(result.matrix, result.preTrust, alpha, epsilon, maxIterations, a, b, { credibility: result.raterCredibility, blocked: result.blocked })
        best = Math.min(best, (performance.now() - start) / 1000)
        vector = run.resultInA ? a : b
        count = run.iterations
      }
      engineSeconds += best
      engineVectors.push(vector)
      iterations.push(count)
    }

    // Baseline: the same graphs and pre-trust, written out for the C program, which times its own iterations.
    const binary = join(dir, 'power-iteration')
    execFileSync('gcc', ['-O2', '-o', binary, C_SOURCE, '-lm'], { stdio: ['ignore', 'ignore', 'inherit'] })
    const args = [String(o.reps)]
    results.forEach((result, k) => {
      const path = join(dir, `topic-${k}.bin`)
      writeGraph(path, result.matrix, result.preTrust, alpha, epsilon, maxIterations)
      args.push(path, join(dir, `topic-${k}.out`))
    })
    const lines = execFileSync(binary, args, { encoding: 'utf8' }).trim().split('\n')
    let cSeconds = 0
    let maxDiff = 0
    let vectorSum = 0
    const cIterations: number[] = []
    lines.forEach((line, k) => {
      const [its, , seconds] = line.split(' ').map(Number)
      cIterations.push(its as number)
      cSeconds += seconds as number
      const bytes = readFileSync(join(dir, `topic-${k}.out`))
      const cVector = new Float64Array(bytes.buffer, bytes.byteOffset, o.peers)
      const engine = engineVectors[k] as Float64Array
      for (let j = 0; j < o.peers; j++) {
        maxDiff = Math.max(maxDiff, Math.abs((engine[j] as number) - (cVector[j] as number)))
        vectorSum += engine[j] as number
      }
    })

    const ratio = engineSeconds / cSeconds
    const ingestPerS = rows / (ingestMs / 1000)
    const totalSeconds = (performance.now() - started) / 1000
    return {
      peers: o.peers,
      edges: ledger.size,
      topics: o.topics,
      seconds: round(engineSeconds, 4),
      baseline_c_seconds: round(cSeconds, 4),
      ratio: round(ratio, 2),
      ingest_ratings_per_s: Math.round(ingestPerS),
      ingest_cpu_ratings_per_s: Math.round(rows / (ingestCpuUs / 1e6)),
      rating_rows: rows,
      iterations,
      baseline_c_iterations: cIterations,
      max_abs_diff: maxDiff,
      vector_sum: round(vectorSum, 9),
      engine_compute_all_seconds: round(computeMs / 1000, 3),
      graph_read_seconds: round(readMs / 1000, 3),
      matrix_build_seconds: round(buildMs / 1000, 3),
      epsilon,
      alpha,
      total_seconds: round(totalSeconds, 1),
      target_ratio: TARGET_RATIO,
      target_ingest_per_s: TARGET_INGEST,
      target_total_seconds: TARGET_TOTAL_SECONDS,
      target_met: ratio <= TARGET_RATIO && ingestPerS >= TARGET_INGEST && totalSeconds <= TARGET_TOTAL_SECONDS
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function topicNamesFor (topics: number): string[] {
  return Array.from({ length: topics }, (_, k) => KNOWN_TOPICS[k] ?? `topic_${k}`)
}

/** Deterministic PRNG (mulberry32): the same graph on every run and machine. */
function prng (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function permutation (n: number, random: () => number): Int32Array {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const x = p[i] as number
    p[i] = p[j] as number
    p[j] = x
  }
  return p
}

interface SyntheticGraph {
  /** One entry per distinct (rater, ratee, topic) triple. */
  readonly rater: Int32Array
  readonly ratee: Int32Array
  readonly topic: Int32Array
  /** 0: one satisfied receipt; 1: one unsatisfied receipt; 2: two satisfied receipts. */
  readonly kind: Uint8Array
  /** Pre-trusted peers per topic: the most active raters there, as a person's contacts would be. */
  readonly seeds: Int32Array[]
}

/**
 * Power-law-ish graph per topic: a rater of rank r (in a per-topic random order of peers) is drawn with density ∝ r^(−2/3),
 * a ratee with density ∝ r^(−1/2) (popular providers), duplicates drawn again, until the topic has its share of distinct triples.
 */
function generateGraph (o: ReputationBenchOptions): SyntheticGraph {
  const random = prng(o.seed)
  const n = o.peers
  const rater = new Int32Array(o.edges)
  const ratee = new Int32Array(o.edges)
  const topic = new Int32Array(o.edges)
  const kind = new Uint8Array(o.edges)
  const seeds: Int32Array[] = []
  let e = 0
  for (let k = 0; k < o.topics; k++) {
    const raters = permutation(n, random)
    const ratees = permutation(n, random)
    seeds.push(raters.slice(0, Math.min(o.seedsPerTopic, n)))
    const target = Math.floor(o.edges * (k + 1) / o.topics)
    const seen = new Set<number>()
    while (e < target) {
      const i = raters[Math.floor(n * random() ** 3)] as number
      const j = ratees[Math.floor(n * random() ** 2)] as number
      if (i === j || seen.has(i * n + j)) continue
      seen.add(i * n + j)
      rater[e] = i
      ratee[e] = j
      topic[e] = k
      const roll = random()
      kind[e] = roll < 0.1 ? 1 : roll < 0.16 ? 2 : 0
      e++
    }
  }
  return { rater, ratee, topic, kind, seeds }
}

/** Synthetic 32-byte agent keys, one per peer. */
function peerKeys (peers: number, seed: number): Buffer[] {
  const random = prng(seed ^ 0x5eed)
  const all = Buffer.alloc(32 * peers)
  for (let x = 0; x < all.length; x += 4) all.writeUInt32LE(Math.floor(random() * 4294967296), x)
  return Array.from({ length: peers }, (_, i) => all.subarray(32 * i, 32 * i + 32))
}

/** The ratings as they would arrive (topics interleaved, in no key order), one rating per receipt, in batches. */
function * ratingBatches (graph: SyntheticGraph, keys: readonly Buffer[], topicNames: readonly string[], o: ReputationBenchOptions): Generator<VerifiedRating[]> {
  const total = graph.rater.length
  // A stride coprime with the count visits every triple once, scattered.
  let stride = 7_919
  while (gcd(stride, total) !== 1) stride += 2
  let receipt = 0
  let batch: VerifiedRating[] = []
  let hashes = Buffer.alloc(32 * (o.batch + 2))
  const push = (e: number, satisfied: number, unsatisfied: number): void => {
    const at = 32 * batch.length
    const hash = hashes.subarray(at, at + 32)
    hash.writeUInt32BE(receipt >>> 0, 0)
    hash.writeUInt32BE(Math.floor(receipt / 4294967296), 4)
    hash.writeUInt32BE(Math.imul(receipt, 0x9e3779b1) >>> 0, 8)
    receipt++
    batch.push({ rater: keys[graph.rater[e] as number] as Buffer, ratee: keys[graph.ratee[e] as number] as Buffer, topic: topicNames[graph.topic[e] as number] as string, satisfied, unsatisfied, receipt: hash, ts: 1_700_000_000_000 + receipt })
  }
  for (let x = 0; x < total; x++) {
    const e = (x * stride) % total
    const k = graph.kind[e]
    if (k === 1) push(e, 0, 1)
    else push(e, 1, 0)
    if (k === 2) push(e, 1, 0)
    if (batch.length >= o.batch) {
      yield batch
      batch = []
      hashes = Buffer.alloc(32 * (o.batch + 2))
    }
  }
  if (batch.length > 0) yield batch
}

const gcd = (a: number, b: number): number => b === 0 ? a : gcd(b, a % b)

/** The layout power-iteration.c reads: header, CSR rows, weights, leak and pre-trust. */
function writeGraph (path: string, matrix: TrustMatrix, preTrust: Float64Array, alpha: number, epsilon: number, maxIterations: number): void {
  const header = Buffer.alloc(28)
  header.writeInt32LE(matrix.peers, 0)
  header.writeInt32LE(matrix.ratee.length, 4)
  header.writeInt32LE(maxIterations, 8)
  header.writeDoubleLE(alpha, 12)
  header.writeDoubleLE(epsilon, 20)
  const view = (a: Int32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  writeFileSync(path, Buffer.concat([header, view(matrix.rowStart), view(matrix.ratee), view(matrix.weight), view(matrix.leak), view(preTrust)]))
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits))
