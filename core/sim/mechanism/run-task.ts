import type { MechanismTerms, Offer } from '../../api/negotiation.ts'
import { hex } from '../../identity/ids.ts'
import { measuresQuality, tierRank, type Mechanism } from '../../negotiation/mechanism.ts'
import { detectionChance } from '../../negotiation/replay.ts'
import { selectOffers } from '../../negotiation/selection.ts'
import { facts as factsOf, type FailureTrace } from '../../negotiation/trace.ts'
import { LAGGARD_SLOWDOWN, type Answer, type Follower } from './followers.ts'
import { WORLD } from './scenario.ts'

// One task of a round, played to its end with fixed random draws: the app's selection ranks the offers, providers are
// tried in failover order, and what the leader can see becomes failure traces. Pure, so a counterfactual can replay it.

/** Each follower's fixed luck for this task, the same in every counterfactual. */
export interface Draws {
  /** Delivery time factor within ±spread. */
  readonly time: number
  readonly fail: number
  readonly catch: number
  readonly notice: number
}

export interface TaskSetting {
  readonly topic: string
  readonly task: string
  readonly mechanism: Mechanism
  readonly terms: MechanismTerms
  readonly now: number
  readonly personal: boolean
  readonly followers: readonly Follower[]
  readonly trust: readonly number[]
  readonly draws: readonly Draws[]
}

export interface TaskOutcome {
  /** Realized utility per follower (0 when not reached). */
  readonly utility: readonly number[]
  /** Followers that carried out an honest plan, delivered, and still ended below zero. */
  readonly irViolations: number
  readonly welfare: number
  readonly traces: FailureTrace[]
  /** Per follower reached: did the leader end satisfied with it? */
  readonly verdicts: ReadonlyMap<number, boolean>
}

export function runTask (s: TaskSetting, answers: readonly Answer[]): TaskOutcome {
  const utility = new Array<number>(s.followers.length).fill(0)
  const verdicts = new Map<number, boolean>()
  const traces: FailureTrace[] = []
  const windowMs = s.mechanism.windowMs
  const offers: Offer[] = answers.map((a, i) => ({ ...a.offer, task: s.task, provider: s.followers[i]!.key }))
  const accepting = offers.filter(o => o.decision === 'accept').map(o => o.price).sort((a, b) => a - b)
  const marketPrice = accepting[Math.floor(accepting.length / 2)] ?? 0
  const ranked = selectOffers(offers, p => s.trust[indexOf(p)] ?? 0, s.terms, s.now)
  const measured = measuresQuality(s.terms.tier)
  let welfare = 0
  let irViolations = 0
  const trace = (kind: FailureTrace['kind'], i: number, partial: Partial<FailureTrace['facts']> & { paid: number }): void => {
    const plan = answers[i]!.plan
    traces.push({
      kind,
      topic: s.topic,
      task: s.task,
      provider: hex(s.followers[i]!.key),
      mechanism: s.mechanism,
      recordedAt: s.now,
      facts: factsOf({ price: plan.price, marketPrice, offeredEtaMs: plan.etaMs, committedQuality: plan.committedQuality, deliveredQuality: plan.deliveredQuality, ...partial })
    })
  }

  for (const { offer } of ranked.slice(0, WORLD.attempts)) {
    const i = indexOf(offer.provider)
    const { plan, deviates } = answers[i]!
    const f = s.followers[i]!
    const d = s.draws[i]!
    welfare -= plan.cost
    if (d.fail < plan.failureRate) {
      utility[i] = (s.terms.penalties.forfeitOnFailure ? 0 : plan.price) - plan.cost
      verdicts.set(i, false)
      continue
    }
    if (plan.wrongChance > 0 && d.catch < detectionChance('wrong_result', s.terms)) {
      utility[i] = -plan.cost - s.terms.penalties.fraudSlash
      verdicts.set(i, false)
      trace('wrong_result', i, { paid: plan.price, deliveredQuality: 0 })
      continue
    }
    const slow = f.strategy === 'laggard' && deviates ? LAGGARD_SLOWDOWN : 1
    const deliveredAfterMs = Math.round(f.profile.etaMs * slow * d.time)
    const late = deliveredAfterMs > windowMs
    const delivered = plan.wrongChance > 0 ? 0 : plan.deliveredQuality
    const gap = Math.max(0, plan.committedQuality - delivered)
    const leaked = plan.sideGain > 0
    const paid = plan.price + s.terms.reward.qualityBonus * (measured ? delivered : plan.committedQuality)
    const penalties = (late ? s.terms.penalties.lateFee : 0) + (measured ? s.terms.penalties.shortfall * gap : 0)
    utility[i] = paid - plan.cost - penalties + plan.sideGain
    if (!deviates && utility[i]! < 0) irViolations++
    welfare += WORLD.value * delivered * (deliveredAfterMs > WORLD.needMs ? 1 - WORLD.lateHarm : 1) - (leaked ? WORLD.leakHarm : 0)

    let satisfied = true
    if (late) { trace('late_delivery', i, { paid, deliveredAfterMs }); satisfied = false }
    if (plan.wrongChance > 0) {
      if (d.notice < WORLD.noticeLater) { trace('wrong_result', i, { paid, deliveredQuality: 0 }); satisfied = false }
    } else if (gap > 0.01) {
      if (measured) { trace('quality_free_ride', i, { paid, deliveredQuality: delivered }); satisfied = false } else if (d.notice < WORLD.noticeLater) { trace('unverifiable_result', i, { paid, deliveredQuality: delivered }); satisfied = false }
    }
    if (leaked && (tierRank(s.terms.tier) >= tierRank('T3') || d.notice < WORLD.noticeLater)) { trace('egress_violation', i, { paid, dataClass: 'personal' }); satisfied = false }
    if (plan.price > WORLD.overCharge * marketPrice) { trace('over_charging', i, { paid }); satisfied = false }
    verdicts.set(i, satisfied)
    break
  }
  return { utility, irViolations, welfare, traces, verdicts }

  function indexOf (key: Uint8Array): number {
    return new DataView(key.buffer, key.byteOffset).getUint32(28) - 1
  }
}

/** The best the task could have gone: the one follower whose honest work, with its own luck, is worth most (or nobody). */
export function bestWelfare (s: TaskSetting): number {
  let best = 0
  s.followers.forEach((f, i) => {
    const d = s.draws[i]!
    const p = f.profile
    const value = d.fail < p.failureRate ? 0 : WORLD.value * p.quality * (p.etaMs * d.time > WORLD.needMs ? 1 - WORLD.lateHarm : 1)
    best = Math.max(best, value - p.cost)
  })
  return best
}
