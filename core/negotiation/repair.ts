import type { MechanismClause, Penalties } from '../api/negotiation.ts'
import type { Attribution } from './attribution.ts'
import { MAX_WINDOW_MS, measuresQuality, type Mechanism } from './mechanism.ts'
import { detectionChance, qualityGap } from './replay.ts'
import type { FailureTrace } from './trace.ts'

// A repair: for each clause blamed, the smallest change to the mechanism that stops the traces blamed on it
// under the replay model. Penalties are set last, since how much deters depends on the detection the other clauses give.

/** Room left over a late delivery when a deadline is widened. */
const DEADLINE_SLACK = 1.2
/** A base cap this far above the market price still admits every fair offer. */
const MARKET_HEADROOM = 1.4

const up = (x: number): number => Math.ceil(x * 100) / 100

export function proposeRepair (m: Mechanism, attributions: readonly Attribution[], traces: readonly FailureTrace[]): Mechanism {
  const blamed = (clause: MechanismClause): FailureTrace[] => attributions.filter(a => a.clause === clause).flatMap(a => traces[a.trace] ?? [])
  let next: Mechanism = m

  const late = blamed('deadline')
  if (late.length > 0) {
    const needed = Math.max(...late.map(t => Math.ceil(t.facts.deliveredAfterMs * DEADLINE_SLACK)))
    next = { ...next, windowMs: Math.min(MAX_WINDOW_MS, Math.max(next.windowMs, needed)) }
  }
  if (blamed('canary').length > 0) next = { ...next, canary: true }
  if (blamed('tier').length > 0) next = { ...next, tier: measuresQuality(next.tier) ? 'T3' : 'T2' }
  const overCharged = blamed('reward')
  if (overCharged.length > 0) {
    const cap = Math.min(...overCharged.map(t => up(t.facts.marketPrice * MARKET_HEADROOM)))
    next = { ...next, reward: { ...next.reward, base: Math.min(next.reward.base, cap) } }
  }
  const leaks = blamed('egress')
  if (leaks.length > 0) {
    const leaked = new Set(leaks.flatMap(t => t.facts.dataClass ?? []))
    next = { ...next, egress: { allowedDataClasses: next.egress.allowedDataClasses.filter(c => !leaked.has(c)), redactionRequired: true } }
  }
  const weak = blamed('penalty')
  if (weak.length > 0) next = { ...next, penalties: strongerPenalties(next, weak) }
  return next
}

function strongerPenalties (m: Mechanism, traces: readonly FailureTrace[]): Penalties {
  let { lateFee, fraudSlash, shortfall } = m.penalties
  for (const t of traces) {
    const caught = detectionChance(t.kind, m)
    if (t.kind === 'late_delivery') lateFee = Math.max(lateFee, up(t.facts.paid))
    // caught · (paid + slash) ≥ paid
    if (t.kind === 'wrong_result' && caught > 0) fraudSlash = Math.max(fraudSlash, up(t.facts.paid * (1 - caught) / caught))
    // caught · (bonus + shortfall) · gap ≥ paid
    if ((t.kind === 'quality_free_ride' || t.kind === 'unverifiable_result') && caught > 0 && qualityGap(t) > 0) {
      shortfall = Math.max(shortfall, up(t.facts.paid / (caught * qualityGap(t)) - m.reward.qualityBonus))
    }
  }
  return { ...m.penalties, lateFee, fraudSlash, shortfall }
}
