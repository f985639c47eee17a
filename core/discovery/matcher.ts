import { equalBytes } from '../common/codec.ts'
import { hex } from '../identity/ids.ts'
import { Bm25Index, type WeightedField } from './bm25.ts'
import { isLive, type CapabilityDescriptor } from './descriptor.ts'
import { cosine, type EmbeddingProvider } from './embeddings.ts'

// Intent-aware matching (mechanisms §3): hard constraints and schema compatibility filter, then rank by relevance × trust(topic) × QoS.

/** What the requester needs; every field is optional and an absent one does not filter. */
export interface DiscoverConstraints {
  /** Must be among the descriptor's topics. */
  topic?: string
  maxPrice?: number
  /** The data classes the requester will send: the descriptor must accept each. */
  dataClasses?: readonly string[]
  /** The requester's trust as the provider would see it: must reach the descriptor's minRequesterTrust. */
  requesterTrust?: number
  inputBytes?: number
  /** Verification tiers the requester accepts: the descriptor must offer at least one. */
  tiers?: readonly number[]
  /** Default true: skip capabilities that say they are unavailable. */
  available?: boolean
  excludeAgents?: readonly Uint8Array[]
  /** The field names the requester will send. */
  inputFields?: readonly string[]
  /** The field names the requester needs back. */
  outputFields?: readonly string[]
}

export interface DiscoverOptions {
  limit?: number
  now?: number
  signal?: AbortSignal
}

/**
 * How much the requester trusts an agent in the best of these topics, in [0, 1]; undefined when the agent is not to be
 * offered at all (blocked, slashed, known bad, under the person's threshold). Reputation plugs in here.
 */
export type TrustHook = (agent: Uint8Array, topics: readonly string[]) => number | undefined

/** Even an untrusted match keeps this share of its score, so relevance still orders peers nobody has rated yet. */
export const TRUST_FLOOR = 0.2

export const neutralTrust: TrustHook = () => 1

export interface Candidate {
  descriptor: CapabilityDescriptor
  /** relevance × (floor + (1 − floor) × trust) × qos: the order of the results. */
  score: number
  /** In (0, 1]: 1 for the best lexical match, blended with semantic similarity when embeddings are on. */
  relevance: number
  trust: number
  qos: number
  /** Plain-language reasons for the rank, for the UI. */
  reasons: string[]
}

export interface CapabilityIndexInit {
  trust?: TrustHook
  embeddings?: EmbeddingProvider
  /** Share of relevance taken from semantic similarity when embeddings are on. */
  embeddingWeight?: number
}

/** What BM25 reads of a descriptor, and how much each field counts. */
export function descriptorFields (descriptor: CapabilityDescriptor): WeightedField[] {
  return [
    { text: descriptor.name, weight: 3 },
    { text: descriptor.tags.join(' '), weight: 2 },
    { text: descriptor.topics.join(' '), weight: 2 },
    { text: descriptor.description, weight: 1 }
  ]
}

/** Whether a descriptor is live and meets every hard constraint; ranking only ever sees those that do. */
export function meetsConstraints (descriptor: CapabilityDescriptor, wanted: DiscoverConstraints, now: number): boolean {
  const offered = descriptor.constraints
  return isLive(descriptor, now) &&
    (wanted.available === false || descriptor.state.available) &&
    (wanted.topic === undefined || descriptor.topics.includes(wanted.topic)) &&
    (wanted.maxPrice === undefined || offered.price <= wanted.maxPrice) &&
    (wanted.dataClasses === undefined || wanted.dataClasses.every(c => offered.dataClasses.includes(c))) &&
    (wanted.requesterTrust === undefined || wanted.requesterTrust >= offered.minRequesterTrust) &&
    (wanted.inputBytes === undefined || wanted.inputBytes <= offered.maxInputBytes) &&
    (wanted.tiers === undefined || wanted.tiers.some(t => descriptor.verification.tiersOffered.includes(t))) &&
    (wanted.excludeAgents === undefined || !wanted.excludeAgents.some(a => equalBytes(a, descriptor.agent))) &&
    schemaCompatible(descriptor, wanted)
}

/**
 * Whether the requester's fields fit the descriptor's JSON Schemas: every required input is sent, nothing is sent
 * that a closed schema (additionalProperties: false) forbids, and every needed output is a declared property.
 */
export function schemaCompatible (descriptor: CapabilityDescriptor, fields: { inputFields?: readonly string[], outputFields?: readonly string[] }): boolean {
  const { inputFields, outputFields } = fields
  if (inputFields !== undefined) {
    const input = descriptor.inputSchema
    if (!namesIn(input.required).every(f => inputFields.includes(f))) return false
    if (input.additionalProperties === false && !inputFields.every(f => declares(input, f))) return false
  }
  return outputFields === undefined || outputFields.every(f => declares(descriptor.outputSchema, f))
}

function namesIn (value: unknown): string[] {
  return Array.isArray(value) ? value.filter(v => typeof v === 'string') : []
}

function declares (schema: Record<string, unknown>, field: string): boolean {
  const properties = schema.properties
  return typeof properties === 'object' && properties !== null && Object.hasOwn(properties, field)
}

/**
 * QoS is self-reported, so it may only nudge the order: qos = 0.5 + 0.3·successRate + 0.2·1000/(1000 + p50LatencyMs),
 * which lies in [0.5, 1] (1 for always-successful and instant; a 1 s p50 costs 0.1).
 */
export function qosFactor (qos: CapabilityDescriptor['qos']): number {
  return 0.5 + 0.3 * qos.successRate + 0.2 * 1000 / (1000 + qos.p50LatencyMs)
}

// Trust and QoS can reorder BM25's ranking, so a lexical shortlist wider than asked for is reranked.
const shortlistSize = (limit: number): number => Math.max(limit * 5, 50)

interface Entry { descriptor: CapabilityDescriptor, vector?: number[] }

/** Cosine similarities to the intent, one per shortlisted entry, or why there are none. */
interface Similarity { values?: number[], failure?: Error }

/** The live capability descriptors this node knows, one per (agent, capability id), searchable by intent. */
export class CapabilityIndex {
  readonly #entries = new Map<string, Entry>()
  /** Capabilities held per agent (hex key), swept or not. */
  readonly #perAgent = new Map<string, number>()
  readonly #lexical = new Bm25Index()
  readonly #trust: TrustHook
  readonly #embeddings: EmbeddingProvider | undefined
  readonly #embeddingWeight: number

  constructor (init: CapabilityIndexInit = {}) {
    this.#trust = init.trust ?? neutralTrust
    this.#embeddings = init.embeddings
    this.#embeddingWeight = init.embeddingWeight ?? 0.5
  }

  get size (): number {
    return this.#entries.size
  }

  /** Keep the newest version of a capability; one older than the version held (late gossip) is ignored. */
  upsert (descriptor: CapabilityDescriptor): boolean {
    const key = keyOf(descriptor.agent, descriptor.id)
    const held = this.#entries.get(key)
    if (held !== undefined && held.descriptor.issuedAt > descriptor.issuedAt) return false
    // A fresh entry also drops the cached vector, which belonged to the replaced version.
    if (held === undefined) this.#count(descriptor.agent, 1)
    this.#entries.set(key, { descriptor })
    this.#lexical.add(key, descriptorFields(descriptor))
    return true
  }

  /** The capability held for this agent and id, live or not yet swept. */
  get (agent: Uint8Array, id: string): CapabilityDescriptor | undefined {
    return this.#entries.get(keyOf(agent, id))?.descriptor
  }

  /** Every capability held from one agent. */
  ofAgent (agent: Uint8Array): CapabilityDescriptor[] {
    const key = hex(agent)
    return [...this.#entries.values()].filter(e => hex(e.descriptor.agent) === key).map(e => e.descriptor)
  }

  /** How many capabilities are held from one agent. */
  countOf (agent: Uint8Array): number {
    return this.#perAgent.get(hex(agent)) ?? 0
  }

  remove (agent: Uint8Array, id: string): boolean {
    const key = keyOf(agent, id)
    this.#lexical.remove(key)
    if (!this.#entries.delete(key)) return false
    this.#count(agent, -1)
    return true
  }

  #count (agent: Uint8Array, by: number): void {
    const key = hex(agent)
    const count = (this.#perAgent.get(key) ?? 0) + by
    if (count > 0) this.#perAgent.set(key, count)
    else this.#perAgent.delete(key)
  }

  /** Agents with a live descriptor in a topic: who the newcomer prior may go to. */
  agentsIn (topic: string, now = Date.now()): Uint8Array[] {
    const agents = new Map<string, Uint8Array>()
    for (const { descriptor } of this.#entries.values()) {
      if (descriptor.topics.includes(topic) && isLive(descriptor, now)) agents.set(hex(descriptor.agent), descriptor.agent)
    }
    return [...agents.values()]
  }

  /** Drop every descriptor whose TTL has run out; returns how many. */
  expire (now = Date.now()): number {
    let dropped = 0
    for (const [key, { descriptor }] of this.#entries) {
      if (isLive(descriptor, now)) continue
      this.#entries.delete(key)
      this.#lexical.remove(key)
      this.#count(descriptor.agent, -1)
      dropped++
    }
    return dropped
  }

  /** Candidates for `intent` that meet `constraints`, best first; none when no descriptor shares a word with the intent. */
  async discover (intent: string, constraints: DiscoverConstraints = {}, options: DiscoverOptions = {}): Promise<Candidate[]> {
    const limit = options.limit ?? 10
    const now = options.now ?? Date.now()
    // Trust is asked once per entry: the shortlist filter and the ranking read the same answer.
    const trusted = new Map<string, number>()
    const admit = (key: string): boolean => {
      const { descriptor } = this.#entries.get(key)!
      if (!meetsConstraints(descriptor, constraints, now)) return false
      const trust = this.#trust(descriptor.agent, constraints.topic === undefined ? descriptor.topics : [constraints.topic])
      if (trust === undefined) return false
      trusted.set(key, unit(trust))
      return true
    }
    const hits = this.#lexical.search(intent, shortlistSize(limit), admit)
    if (hits.length === 0) return []
    const entries = hits.map(hit => this.#entries.get(hit.id)!)
    const similarity = await this.#similarity(intent, entries, options.signal)
    const topScore = hits[0]!.score
    const ranked = hits.map((hit, i) => {
      const { descriptor } = entries[i]!
      const lexical = hit.score / topScore
      const semantic = similarity.values === undefined ? undefined : Math.max(0, similarity.values[i]!)
      const relevance = semantic === undefined ? lexical : (1 - this.#embeddingWeight) * lexical + this.#embeddingWeight * semantic
      const trust = trusted.get(hit.id)!
      const qos = qosFactor(descriptor.qos)
      return { descriptor, score: relevance * (TRUST_FLOOR + (1 - TRUST_FLOOR) * trust) * qos, relevance, trust, qos, matched: hit.matched, semantic }
    })
    return ranked.sort((x, y) => y.score - x.score).slice(0, limit).map(({ matched, semantic, ...candidate }) => ({
      ...candidate,
      reasons: explain(candidate, matched, semantic, similarity.failure, constraints.topic)
    }))
  }

  /** Cosine similarity of the intent to each entry; vectors are cached on the entry, so once per descriptor version. */
  async #similarity (intent: string, entries: Entry[], signal: AbortSignal | undefined): Promise<Similarity> {
    if (this.#embeddings === undefined) return {}
    const missing = entries.filter(e => e.vector === undefined)
    try {
      const vectors = await this.#embeddings.embed([intent, ...missing.map(e => embeddingText(e.descriptor))], { signal })
      missing.forEach((entry, i) => { entry.vector = vectors[i + 1] })
      return { values: entries.map(entry => cosine(vectors[0]!, entry.vector!)) }
    } catch (err) {
      // Embeddings are an optional refinement: only the caller's own cancellation fails discovery.
      signal?.throwIfAborted()
      return { failure: err instanceof Error ? err : new Error(String(err)) }
    }
  }
}

/** The ranking in words, for a UI that shows why a capability came first. */
function explain (candidate: Omit<Candidate, 'reasons'>, matched: string[], semantic: number | undefined, failure: Error | undefined, topic: string | undefined): string[] {
  const reasons = [`matches ${matched.map(t => `“${t}”`).join(', ')}`]
  if (semantic !== undefined) reasons.push(`similar in meaning (${semantic.toFixed(2)})`)
  if (failure !== undefined) reasons.push(`ranked by keywords only: embeddings failed (${failure.name})`)
  if (candidate.trust !== 1) reasons.push(`trust ${candidate.trust.toFixed(2)}${topic === undefined ? '' : ` in ${topic}`}`)
  const { successRate, p50LatencyMs } = candidate.descriptor.qos
  reasons.push(`reports ${Math.round(successRate * 100)}% success, ${p50LatencyMs} ms typical`)
  return reasons
}

function keyOf (agent: Uint8Array, id: string): string {
  return `${hex(agent)}/${id}`
}

function embeddingText (descriptor: CapabilityDescriptor): string {
  return `${descriptor.name}. ${descriptor.description} ${descriptor.tags.join(', ')}`
}

/** A hook's answer clamped to [0, 1], so a faulty reputation source cannot outweigh relevance. */
function unit (value: number): number {
  return Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value))
}
