import { UsageError } from '../../api/errors.ts'
import { KNOWN_TOPICS } from '../../reputation/topic-similarity.ts'
import { METHOD_NAMES, type MethodName } from './methods.ts'

// What a trust simulation runs: the CLI's options, checked, and the fixed assumptions every run states in its output.

export const THREAT_MODELS = ['disguise', 'A', 'B', 'C', 'D'] as const
export type ThreatModelName = typeof THREAT_MODELS[number]

export interface TrustScenario {
  readonly nodes: number
  readonly topics: number
  readonly epochs: number
  /** Queries per topic per epoch. */
  readonly queries: number
  /** Candidates offered per query. */
  readonly candidates: number
  /** Independent runs (random seeds 1..seeds). */
  readonly seeds: number
  readonly malicious: number
  readonly camouflage: number
  readonly model: ThreatModelName
  /** Methods to run (all by default). */
  readonly methods: readonly MethodName[]
}

export const DEFAULT_SCENARIO: TrustScenario = {
  nodes: 100, topics: 5, epochs: 50, queries: 50, candidates: 8, seeds: 30, malicious: 0.2, camouflage: 0, model: 'disguise', methods: METHOD_NAMES
}

/** Assumptions of the world, the same for every method; printed in the result so a reader can judge them. */
export interface WorldAssumptions {
  /** Each honest node offers each topic with this probability (at least one). */
  readonly provider_share: number
  /** Honest contacts each node starts with (its seed set besides itself). */
  readonly contacts: number
  /** Honest agents deliver a bad result this often. */
  readonly honest_error_rate: number
  /** Share of tasks carrying a canary (indistinguishable from real work). */
  readonly canary_rate: number
  /** A defection on a task that carries a canary fails the canary this often (the defector may get the canary items right by luck). */
  readonly canary_catch: number
  /** Honest agents fail an (easy) canary this often. */
  readonly honest_canary_failure: number
  /** A bad result not caught by a canary is disputed with evidence this often. */
  readonly dispute_rate: number
  /** Evidence and proofs halve in weight over this many epochs. */
  readonly half_life_epochs: number
  /** Receipts each colluder makes with fellow colluders per topic per epoch. */
  readonly collusion_tasks: number
  /** Share of honest nodes that join at mid-run as fresh identities. */
  readonly late_joiners: number
  /** Epochs after joining at which newcomer_reputation is measured. */
  readonly newcomer_probe_epochs: number
  /** Honest observers whose fresh views decide the end-of-run penalties. */
  readonly observers: number
}

export const WORLD: WorldAssumptions = {
  provider_share: 0.6,
  contacts: 3,
  honest_error_rate: 0.02,
  canary_rate: 0.25,
  canary_catch: 0.9,
  honest_canary_failure: 0.005,
  dispute_rate: 0.2,
  half_life_epochs: 20,
  collusion_tasks: 2,
  late_joiners: 0.05,
  newcomer_probe_epochs: 2,
  observers: 30
}

export function topicNames (topics: number): string[] {
  return KNOWN_TOPICS.slice(0, topics)
}

/** Parse CLI strings into a scenario, with one clear error per bad option. */
export function parseScenario (raw: Readonly<Record<string, unknown>>): TrustScenario {
  const integer = (name: keyof TrustScenario, min: number, max: number): number => {
    const value = raw[name] === undefined ? DEFAULT_SCENARIO[name] as number : Number(raw[name])
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`)
    return value
  }
  const fraction = (name: 'malicious' | 'camouflage', max: number): number => {
    const value = raw[name] === undefined ? DEFAULT_SCENARIO[name] : Number(raw[name])
    if (!(value >= 0 && value <= max)) throw new UsageError(`--${name} must be a fraction from 0 to ${max}`)
    return value
  }
  const model = (raw.model ?? DEFAULT_SCENARIO.model) as string
  if (!(THREAT_MODELS as readonly string[]).includes(model)) throw new UsageError(`unknown --model "${model}"`, { hint: `use one of: ${THREAT_MODELS.join(', ')}` })
  const methods = raw.methods === undefined ? DEFAULT_SCENARIO.methods : String(raw.methods).split(',').map(m => m.trim())
  for (const m of methods) if (!(METHOD_NAMES as readonly string[]).includes(m)) throw new UsageError(`unknown method "${m}" in --methods`, { hint: `use some of: ${METHOD_NAMES.join(', ')}` })
  const scenario: TrustScenario = {
    nodes: integer('nodes', 10, 2000),
    topics: integer('topics', 2, KNOWN_TOPICS.length),
    epochs: integer('epochs', 2, 1000),
    queries: integer('queries', 1, 10_000),
    candidates: integer('candidates', 2, 64),
    seeds: integer('seeds', 1, 1000),
    malicious: fraction('malicious', 0.9),
    camouflage: fraction('camouflage', 1),
    model: model as ThreatModelName,
    methods: methods as MethodName[]
  }
  if (scenario.candidates >= scenario.nodes) throw new UsageError('--candidates must be fewer than --nodes')
  return scenario
}
