import { UsageError } from '../../api/errors.ts'
import type { Mechanism } from '../../negotiation/mechanism.ts'

// What a mechanism simulation runs: the CLI's options, checked, and the fixed world every run states in its output.

export interface MechanismScenario {
  readonly rounds: number
  readonly providers: number
  /** Tasks the leader posts each round. */
  readonly tasks: number
  readonly seed: number
}

export const DEFAULT_SCENARIO: MechanismScenario = { rounds: 20, providers: 20, tasks: 10, seed: 1 }

/** The world's constants: the same for every run, printed with the result so a reader can judge them. */
export const WORLD = {
  /** Value to the requester of one unit of delivered quality, in credits. */
  value: 30,
  /** When the requester really needs the result; later halves its value. */
  needMs: 60_000,
  lateHarm: 0.5,
  /** Harm to the requester, and gain to the provider, of personal data kept against its interest. */
  leakHarm: 15,
  leakGain: 4,
  /** Chance the person notices, later, a failure the mechanism did not catch. */
  noticeLater: 0.5,
  /** A paid price this many times the median asked is over-charging. */
  overCharge: 1.5,
  /** Providers tried per task, the first and its failovers. */
  attempts: 3,
  /** Share of tasks whose input holds personal data. */
  personalShare: 0.5,
  /** Share of providers that play honestly whatever the terms. */
  honestShare: 0.4
} as const

/** The naive leader of round 1: a flat reward, a tight deadline, weak penalties, no canary, loose egress. */
export const INITIAL_MECHANISM: Mechanism = {
  reward: { base: 15, qualityBonus: 0 },
  tier: 'T1',
  windowMs: 22_000,
  penalties: { forfeitOnFailure: true, lateFee: 2, fraudSlash: 0, shortfall: 0 },
  egress: { allowedDataClasses: ['public', 'personal'], redactionRequired: false },
  canary: false
}

/** Parse CLI strings into a scenario, with one clear error per bad option. */
export function parseScenario (raw: Readonly<Record<string, unknown>>): MechanismScenario {
  const integer = (name: keyof MechanismScenario, min: number, max: number): number => {
    const value = raw[name] === undefined ? DEFAULT_SCENARIO[name] : Number(raw[name])
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`)
    return value
  }
  return { rounds: integer('rounds', 1, 1000), providers: integer('providers', 2, 1000), tasks: integer('tasks', 1, 1000), seed: integer('seed', 0, 2 ** 31 - 1) }
}
