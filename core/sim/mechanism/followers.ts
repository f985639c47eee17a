import type { MechanismTerms } from '../../api/negotiation.ts'
import { bestResponse, expectedUtility, honestPlan, lateChance, type OfferBody, type Plan, type ProviderProfile } from '../../negotiation/best-response.ts'
import { createRandom, shuffle } from '../../common/random.ts'
import { WORLD } from './scenario.ts'

// The simulated followers: honest ones answer with the app's bestResponse; strategic ones also weigh one deviation
// (over-promise quality, shade effort, deliver late, exploit a flat reward, return junk, keep personal data) and play it
// whenever the terms make it pay at least as well as honesty.

export const STRATEGIES = ['honest', 'overpromise', 'shirker', 'laggard', 'exploiter', 'cheater', 'leaker'] as const
export type Strategy = typeof STRATEGIES[number]

export interface Follower {
  readonly index: number
  readonly key: Uint8Array
  readonly strategy: Strategy
  readonly profile: ProviderProfile
}

/** A follower's answer to one task: the offer it sends and the plan it will carry out if awarded. */
export interface Answer {
  readonly offer: OfferBody
  readonly plan: Plan
  readonly deviates: boolean
}

export function makeFollowers (count: number, seed: number): Follower[] {
  const random = createRandom(seed ^ 0x5eed)
  const honest = Math.max(1, Math.round(count * WORLD.honestShare))
  const deviations = STRATEGIES.slice(1)
  const strategies = shuffle(random, Array.from({ length: count }, (_, i): Strategy => i < honest ? 'honest' : deviations[(i - honest) % deviations.length]!))
  const between = (lo: number, hi: number): number => lo + (hi - lo) * random()
  return strategies.map((strategy, index) => {
    const key = new Uint8Array(32)
    new DataView(key.buffer).setUint32(28, index + 1)
    return {
      index,
      key,
      strategy,
      profile: {
        cost: between(3, 8),
        markup: between(1.1, 1.4),
        priceFloor: 1,
        etaMs: Math.round(between(8_000, 30_000)),
        etaSpread: 0.3,
        quality: between(0.65, 0.95),
        failureRate: between(0.01, 0.06)
      }
    }
  })
}

/** How much longer than its honest ETA a laggard really takes, and what it saves by it. */
export const LAGGARD_SLOWDOWN = 2

/** The deviation a strategic follower considers; undefined for honest followers. */
export function deviationPlan (f: Follower, terms: MechanismTerms, windowMs: number, personal: boolean): Plan | undefined {
  const h = honestPlan(f.profile, windowMs)
  const p = f.profile
  switch (f.strategy) {
    case 'honest': return undefined
    case 'overpromise': return { ...h, committedQuality: Math.min(1, p.quality + 0.3) }
    case 'shirker': return { ...h, deliveredQuality: p.quality * 0.5, cost: p.cost * 0.5 }
    case 'laggard': return { ...h, etaMs: Math.round(p.etaMs / LAGGARD_SLOWDOWN), cost: p.cost * 0.6, lateChance: lateChance(p.etaMs * LAGGARD_SLOWDOWN, p.etaSpread, windowMs) }
    case 'exploiter': return { ...h, price: Math.max(h.price, terms.reward.base) }
    case 'cheater': return { ...h, cost: p.cost * 0.05, deliveredQuality: 0, wrongChance: 1 }
    case 'leaker': {
      const leakable = personal && !terms.egress.redactionRequired && terms.egress.allowedDataClasses.includes('personal')
      return { ...h, sideGain: leakable ? WORLD.leakGain : 0 }
    }
  }
}

/** Honest: the app's bestResponse. Strategic: the deviation when it pays at least as well and is itself worth taking. */
export function answer (f: Follower, terms: MechanismTerms, now: number, windowMs: number, dataClasses: readonly string[]): Answer {
  const honest = bestResponse(terms, f.profile, now, dataClasses)
  const plan = honestPlan(f.profile, windowMs)
  const deviation = deviationPlan(f, terms, windowMs, dataClasses.includes('personal'))
  if (deviation !== undefined && deviation.price <= terms.reward.base) {
    const gain = expectedUtility(terms, deviation)
    const honestGain = honest.decision === 'accept' ? expectedUtility(terms, plan) : 0
    // At equal pay a deviation still wins more often (a shorter ETA, a higher commitment, a higher price), so ties deviate.
    if (gain >= 0 && gain >= honestGain) {
      return { offer: { decision: 'accept', price: deviation.price, etaMs: deviation.etaMs, quality: deviation.committedQuality }, plan: deviation, deviates: true }
    }
  }
  return { offer: honest, plan, deviates: false }
}
