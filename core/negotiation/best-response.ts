import type { MechanismTerms, Offer } from '../api/negotiation.ts'
import { measuresQuality, windowOf } from './mechanism.ts'
import { detectionChance } from './replay.ts'

// A follower's side of the Stackelberg round: given the leader's published terms, the offer that is best for this
// provider. An honest provider accepts only when it is individually rational: expected pay ≥ cost + expected penalties.

/** What a provider knows about itself: set by its person or policy, or learned from its own receipts. */
export interface ProviderProfile {
  /** Credits one task costs it to do well. */
  readonly cost: number
  /** Price over cost it asks (≥ 1). */
  readonly markup: number
  readonly priceFloor: number
  /** Its typical time to deliver. */
  readonly etaMs: number
  /** Delivery time varies uniformly within ±etaSpread · etaMs. */
  readonly etaSpread: number
  /** Quality it delivers, 0–1. */
  readonly quality: number
  /** Share of honest attempts that fail. */
  readonly failureRate: number
  /** Data classes its policy lets it take in; any when absent. */
  readonly dataClasses?: readonly string[]
}

/** What a provider intends to do if awarded: honest, or a deviation the simulator plays. */
export interface Plan {
  readonly price: number
  readonly etaMs: number
  readonly committedQuality: number
  readonly deliveredQuality: number
  /** Credits the work costs as planned. */
  readonly cost: number
  readonly lateChance: number
  readonly failureRate: number
  /** Chance the result is knowingly wrong (fraud). */
  readonly wrongChance: number
  /** Credits gained on the side (e.g. from data kept against the egress terms). */
  readonly sideGain: number
}

export type OfferBody = Pick<Offer, 'decision' | 'price' | 'etaMs' | 'quality'> & { readonly reason?: string }

/** P(delivery > window) when delivery is uniform on etaMs · [1 − spread, 1 + spread]. */
export function lateChance (etaMs: number, spread: number, windowMs: number): number {
  const lo = etaMs * (1 - spread)
  const hi = etaMs * (1 + spread)
  if (windowMs >= hi) return 0
  if (windowMs < lo || hi === lo) return 1
  return (hi - windowMs) / (hi - lo)
}

export function askingPrice (profile: ProviderProfile): number {
  return Math.max(profile.priceFloor, profile.cost * profile.markup)
}

export function honestPlan (profile: ProviderProfile, windowMs: number): Plan {
  return {
    price: askingPrice(profile),
    etaMs: profile.etaMs,
    committedQuality: profile.quality,
    deliveredQuality: profile.quality,
    cost: profile.cost,
    lateChance: lateChance(profile.etaMs, profile.etaSpread, windowMs),
    failureRate: profile.failureRate,
    wrongChance: 0,
    sideGain: 0
  }
}

/** What a plan earns in expectation if awarded, under the terms' reward, verification and penalties. */
export function expectedUtility (terms: MechanismTerms, plan: Plan): number {
  const measured = measuresQuality(terms.tier)
  const paidQuality = measured ? plan.deliveredQuality : plan.committedQuality
  const payment = plan.price + terms.reward.qualityBonus * paidQuality
  const caught = plan.wrongChance * detectionChance('wrong_result', terms)
  const succeeds = 1 - plan.failureRate
  const pay = succeeds * (1 - caught) * payment + plan.failureRate * (terms.penalties.forfeitOnFailure ? 0 : plan.price)
  const shortfall = measured ? succeeds * terms.penalties.shortfall * Math.max(0, plan.committedQuality - plan.deliveredQuality) : 0
  const penalties = succeeds * caught * terms.penalties.fraudSlash + plan.lateChance * terms.penalties.lateFee + shortfall
  return pay - plan.cost - penalties + plan.sideGain
}

/** The honest follower's answer: price max(floor, cost · markup), its own ETA and quality; accept iff individually rational. */
export function bestResponse (terms: MechanismTerms, profile: ProviderProfile, now: number, dataClasses: readonly string[] = []): OfferBody {
  const plan = honestPlan(profile, windowOf(terms, now))
  const offer = { price: plan.price, etaMs: plan.etaMs, quality: plan.committedQuality }
  const refused = dataClasses.filter(c => profile.dataClasses !== undefined && !profile.dataClasses.includes(c))
  if (refused.length > 0) return { decision: 'decline', reason: `does not take ${refused.join(', ')} data`, ...offer }
  if (plan.price > terms.reward.base) return { decision: 'decline', reason: `asks ${round(plan.price)}, over the base reward ${terms.reward.base}`, ...offer }
  const utility = expectedUtility(terms, plan)
  if (utility < 0) return { decision: 'decline', reason: `not worth it: expected ${round(utility)} credits after cost and penalty risk`, ...offer }
  return { decision: 'accept', ...offer }
}

const round = (x: number): number => Math.round(x * 100) / 100
