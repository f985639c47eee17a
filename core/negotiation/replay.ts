import type { FailureKind } from '../api/negotiation.ts'
import { measuresQuality, tierRank, type Mechanism } from './mechanism.ts'
import type { FailureTrace } from './trace.ts'

// The replay model behind the regression suite. A stored failure "recurs" under a mechanism unless that mechanism
// prevents it (the failure can no longer happen, or the offer that caused it is no longer admissible) or deters it: the
// provider's expected loss when caught is at least what the task paid it, an upper bound on what the deviation gained
// (a provider that served at a profit saved at most its payment). Penalties deter choices, never accidents, so lateness
// near the offered ETA is fixed only by a wider deadline. The replay reads nothing but the trace and the mechanism.

/** A canary catches a wrong result this often (the offender may get the known-answer items right by luck). */
export const CANARY_CATCH = 0.9
/** Re-running the receipted tool calls of a T3 evidence package catches a wrong result this often. */
export const EVIDENCE_CATCH = 0.9
/** Delivery this far past the offered ETA is a choice, not an accident. */
export const DELIBERATE_LATENESS = 1.5

/** Chance the mechanism itself catches a failure of this kind. */
export function detectionChance (kind: FailureKind, m: Pick<Mechanism, 'canary' | 'tier'>): number {
  switch (kind) {
    case 'late_delivery':
    case 'over_charging':
      return 1
    case 'wrong_result':
      return 1 - (1 - (m.canary ? CANARY_CATCH : 0)) * (1 - (tierRank(m.tier) >= tierRank('T3') ? EVIDENCE_CATCH : 0))
    case 'unverifiable_result':
    case 'quality_free_ride':
      return measuresQuality(m.tier) ? 1 : 0
    case 'egress_violation':
      return tierRank(m.tier) >= tierRank('T3') ? 1 : 0
  }
}

export function deliberatelyLate (trace: FailureTrace): boolean {
  return trace.facts.deliveredAfterMs > DELIBERATE_LATENESS * trace.facts.offeredEtaMs
}

export function qualityGap (trace: FailureTrace): number {
  return Math.max(0, trace.facts.committedQuality - trace.facts.deliveredQuality)
}

/** Would this failure happen again under `m`? */
export function recurs (trace: FailureTrace, m: Mechanism): boolean {
  const f = trace.facts
  const caught = detectionChance(trace.kind, m)
  switch (trace.kind) {
    case 'late_delivery':
      if (m.windowMs >= f.deliveredAfterMs) return false
      return !(deliberatelyLate(trace) && m.penalties.lateFee >= f.paid)
    case 'wrong_result':
      // Caught, the offender loses its payment and the slash.
      return caught * (f.paid + m.penalties.fraudSlash) < f.paid
    case 'unverifiable_result':
    case 'quality_free_ride':
      // Measured, a shortfall costs the bonus it no longer earns and the shortfall penalty.
      return caught * (m.reward.qualityBonus + m.penalties.shortfall) * qualityGap(trace) < f.paid
    case 'over_charging':
      return m.reward.base >= f.price
    case 'egress_violation':
      return !m.egress.redactionRequired && (f.dataClass === undefined || m.egress.allowedDataClasses.includes(f.dataClass))
  }
}
