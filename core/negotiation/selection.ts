import type { MechanismTerms, Offer } from '../api/negotiation.ts'
import { windowOf } from './mechanism.ts'

// The leader's choice: admissible offers ranked by trust × price × QoS, best first; the order is the failover order.
//
//   score = trust · (cheapest / price) · (1 − ½ · eta / window) · quality
//
// trust: the provider's selection trust in the task's topic (lifted by a floor so an unknown can still be tried, last, in the
// order reputation explores unknowns); price: normalised so the
// cheapest admissible offer scores 1; ETA: an offer due at once scores 1, one due at the deadline ½; quality: the commitment.
// An offer is admissible if it accepts, asks at most the base reward, promises delivery by the deadline and some quality.

export interface RankedOffer {
  readonly offer: Offer
  readonly score: number
  readonly parts: { readonly trust: number, readonly price: number, readonly timeliness: number, readonly quality: number }
}

/** A newcomer without trust ranks after everyone trusted, yet can still be tried. */
export const TRUST_FLOOR = 0.01
const MIN_PRICE = 0.01

/** Why an offer cannot be selected, or undefined when it can. */
export function inadmissible (offer: Offer, terms: MechanismTerms, now: number): string | undefined {
  if (offer.decision !== 'accept') return 'declined'
  if (offer.price > terms.reward.base) return 'asks more than the base reward'
  if (offer.etaMs > windowOf(terms, now)) return 'cannot deliver by the deadline'
  if (!(offer.quality > 0)) return 'commits to no quality'
  return undefined
}

/** `trustOf` gives a provider's trust (0–1) in the task's topic. Ties go to the lower key, so the order is deterministic. */
export function selectOffers (offers: readonly Offer[], trustOf: (provider: Uint8Array) => number, terms: MechanismTerms, now: number = Date.now()): RankedOffer[] {
  const admissible = offers.filter(o => inadmissible(o, terms, now) === undefined)
  if (admissible.length === 0) return []
  const cheapest = Math.max(MIN_PRICE, Math.min(...admissible.map(o => o.price)))
  const window = Math.max(1, windowOf(terms, now))
  return admissible.map(offer => {
    const parts = {
      trust: TRUST_FLOOR + (1 - TRUST_FLOOR) * Math.max(0, Math.min(1, trustOf(offer.provider))),
      price: cheapest / Math.max(MIN_PRICE, offer.price),
      timeliness: 1 - 0.5 * offer.etaMs / window,
      quality: offer.quality
    }
    return { offer, parts, score: parts.trust * parts.price * parts.timeliness * parts.quality }
  }).sort((a, b) => b.score - a.score || compareBytes(a.offer.provider, b.offer.provider))
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.byteLength, b.byteLength); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.byteLength - b.byteLength
}
