import { z } from 'zod'
import { VERIFICATION_TIERS, type EgressTerms, type MechanismTerms, type Penalties, type RewardRule, type VerificationTier } from '../api/negotiation.ts'
import { MechanismTermsSchema } from './messages.ts'

// The leader's mechanism: the rule each task's terms are made from. It holds the deadline as a window, so a repair
// ("deadline too tight") means the same for every later task, and a stored failure replays against any version of it.

export interface Mechanism {
  readonly reward: RewardRule
  readonly tier: VerificationTier
  /** How long after the request a result is due. */
  readonly windowMs: number
  readonly penalties: Penalties
  readonly egress: EgressTerms
  readonly canary: boolean
}

/** No deadline is stretched beyond a day: past that, a repair is asking for a different task. */
export const MAX_WINDOW_MS = 24 * 3600 * 1000

export const MechanismSchema = MechanismTermsSchema.omit({ deadline: true }).extend({
  windowMs: z.number().int().min(1).max(MAX_WINDOW_MS)
}).strict() satisfies z.ZodType<Mechanism>

/** The terms one task is published with. */
export function termsFor (mechanism: Mechanism, now: number): MechanismTerms {
  const { windowMs, ...rest } = mechanism
  return { ...rest, deadline: now + windowMs }
}

/** The time a follower has for a task from `now`. */
export function windowOf (terms: MechanismTerms, now: number): number {
  return Math.max(0, terms.deadline - now)
}

export function tierRank (tier: VerificationTier): number {
  return VERIFICATION_TIERS.indexOf(tier)
}

/** Measured quality (live challenge-response) starts at T2; below it the leader pays for the quality it was promised. */
export function measuresQuality (tier: VerificationTier): boolean {
  return tierRank(tier) >= tierRank('T2')
}
