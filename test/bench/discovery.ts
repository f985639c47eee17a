import { performance } from 'node:perf_hooks'
import { BM25_DEFAULTS, tokenize } from '../../core/discovery/bm25.ts'
import type { CapabilityDescriptor } from '../../core/discovery/descriptor.ts'
import { CapabilityIndex, descriptorFields, meetsConstraints, qosFactor, type DiscoverConstraints } from '../../core/discovery/matcher.ts'
import { makeDescriptor, makeIntent } from '../helpers/descriptors.ts'

// Intent queries through `discover` over an inverted index, beside a brute-force scan of the same descriptors, same run.

export interface DiscoveryBench {
  descriptors: number
  queries: number
  p50_ms: number
  p99_ms: number
  scan_p50_ms: number
  scan_p99_ms: number
  speedup_p99: number
  index_build_ms: number
  top1_agreement: number
  target_p99_ms: number
  target_met: boolean
}

const TARGET_P99_MS = 5

export async function benchDiscovery (descriptors = 10_000, queries = 1000): Promise<DiscoveryBench> {
  const now = Date.now()
  const fleet = Array.from({ length: descriptors }, (_, i) => makeDescriptor(i, { now }))
  const buildStart = performance.now()
  const index = new CapabilityIndex()
  for (const descriptor of fleet) index.upsert(descriptor)
  const buildMs = performance.now() - buildStart
  const scan = new BruteForceScan(fleet)
  const asks = Array.from({ length: queries }, (_, i) => {
    const intent = makeIntent(i)
    return { intent: intent.text, constraints: typicalConstraints(i, intent.dataClasses) }
  })

  // Warm-up: let both paths reach optimised code before anything is timed.
  for (const { intent, constraints } of asks.slice(0, 100)) {
    await index.discover(intent, constraints, { now })
    scan.best(intent, constraints, now)
  }
  // Timed in separate passes, so neither path's garbage lands in the other's timings.
  const indexed: number[] = []
  const found: Array<CapabilityDescriptor | undefined> = []
  for (const { intent, constraints } of asks) {
    const start = performance.now()
    const [best] = await index.discover(intent, constraints, { now })
    indexed.push(performance.now() - start)
    found.push(best?.descriptor)
  }
  const scanned: number[] = []
  let agreements = 0
  asks.forEach(({ intent, constraints }, i) => {
    const start = performance.now()
    const best = scan.best(intent, constraints, now)
    scanned.push(performance.now() - start)
    if (best === found[i]) agreements++
  })

  const p99 = percentile(indexed, 0.99)
  const scanP99 = percentile(scanned, 0.99)
  return {
    descriptors,
    queries,
    p50_ms: round(percentile(indexed, 0.5)),
    p99_ms: round(p99),
    scan_p50_ms: round(percentile(scanned, 0.5)),
    scan_p99_ms: round(scanP99),
    speedup_p99: round(scanP99 / p99, 1),
    index_build_ms: round(buildMs, 1),
    top1_agreement: round(agreements / queries),
    target_p99_ms: TARGET_P99_MS,
    target_met: p99 <= TARGET_P99_MS
  }
}

/** What a requester typically states: a budget, the data it will send, its standing, a payload size; every fourth needs tier T2 or T3. */
function typicalConstraints (i: number, dataClasses: string[]): DiscoverConstraints {
  return { maxPrice: 0.15, dataClasses, requesterTrust: 0.5, inputBytes: 32 * 1024, ...(i % 4 === 0 ? { tiers: [2, 3] } : {}) }
}

interface ScannedDoc { descriptor: CapabilityDescriptor, frequencies: Map<string, number>, length: number }

/** The baseline: every query visits every descriptor, with the same filter and the same BM25 × QoS score, and no inverted index. */
class BruteForceScan {
  readonly #docs: ScannedDoc[]
  readonly #averageLength: number

  constructor (descriptors: readonly CapabilityDescriptor[]) {
    // Tokenising once up front keeps the comparison about search, not about text processing.
    this.#docs = descriptors.map(descriptor => {
      const frequencies = new Map<string, number>()
      let length = 0
      for (const { text, weight } of descriptorFields(descriptor)) {
        for (const token of tokenize(text)) {
          frequencies.set(token, (frequencies.get(token) ?? 0) + weight)
          length += weight
        }
      }
      return { descriptor, frequencies, length }
    })
    this.#averageLength = this.#docs.reduce((sum, doc) => sum + doc.length, 0) / this.#docs.length
  }

  best (intent: string, constraints: DiscoverConstraints, now: number): CapabilityDescriptor | undefined {
    const { k1, b } = BM25_DEFAULTS
    const n = this.#docs.length
    const terms = [...new Set(tokenize(intent))]
    const idf = terms.map(term => {
      const df = this.#docs.filter(doc => doc.frequencies.has(term)).length
      return Math.log(1 + (n - df + 0.5) / (df + 0.5))
    })
    let best: CapabilityDescriptor | undefined
    let bestScore = 0
    for (const doc of this.#docs) {
      if (!meetsConstraints(doc.descriptor, constraints, now)) continue
      let score = 0
      terms.forEach((term, j) => {
        const tf = doc.frequencies.get(term) ?? 0
        score += idf[j]! * tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc.length / this.#averageLength))
      })
      score *= qosFactor(doc.descriptor.qos)
      if (score > bestScore) {
        best = doc.descriptor
        bestScore = score
      }
    }
    return best
  }
}

function percentile (samples: readonly number[], p: number): number {
  const sorted = samples.toSorted((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits))
