import { DATA_CLASSES, type CooperationConstraints, type CooperationVerdict, type DataClass, type RateLimit, type RefusalReason } from '../api/policy.ts'
import { InvalidPolicySettingError } from '../api/errors.ts'

// Cooperation constraints (issue 5 §2): what a requester must meet before a capability serves it, judged by a pure function.

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

/** What a capability gets when the person set nothing: strangers may ask, but little, small and public only. */
export const DEFAULT_CONSTRAINTS: CooperationConstraints = {
  minRequesterTrust: 0,
  maxInputBytes: 64 * 1024,
  perPeer: { limit: 10, windowMs: MINUTE },
  overall: { limit: 500, windowMs: DAY },
  allowedDataClasses: ['public'],
  priceFloor: 0
}

/** The facts about one request that the constraints judge; the counts are tasks already admitted within each limit's window. */
export interface RequestFacts {
  /** Relative trust (0–1) in the task's topic; undefined when the requester is not to be offered work at all. */
  readonly requesterTrust: number | undefined
  readonly inputBytes: number
  readonly dataClasses: readonly DataClass[]
  readonly price: number
  readonly servedFromPeer: number
  readonly servedOverall: number
}

/** Every constraint the request fails, in a fixed order, so the person sees all of them at once. */
export function evaluate (constraints: CooperationConstraints, facts: RequestFacts): CooperationVerdict {
  const reasons: RefusalReason[] = []
  const trust = facts.requesterTrust
  if (trust === undefined || !(trust >= constraints.minRequesterTrust)) {
    reasons.push({ code: 'trust-below-minimum', minimum: constraints.minRequesterTrust, actual: trust ?? null })
  }
  if (!(facts.inputBytes <= constraints.maxInputBytes)) reasons.push({ code: 'input-too-large', limit: constraints.maxInputBytes, actual: facts.inputBytes })
  if (facts.servedFromPeer >= constraints.perPeer.limit) reasons.push({ code: 'peer-rate-limited', ...constraints.perPeer, used: facts.servedFromPeer })
  if (facts.servedOverall >= constraints.overall.limit) reasons.push({ code: 'overall-rate-limited', ...constraints.overall, used: facts.servedOverall })
  const outside = [...new Set(facts.dataClasses)].filter(c => !constraints.allowedDataClasses.includes(c))
  if (outside.length > 0) reasons.push({ code: 'data-class-not-allowed', classes: outside })
  if (!(facts.price >= constraints.priceFloor)) reasons.push({ code: 'price-below-floor', floor: constraints.priceFloor, offered: facts.price })
  return reasons.length === 0 ? { verdict: 'ok' } : { verdict: 'refuse', reasons }
}

/** Settings from the person (through the UI or CLI), checked before they are stored. */
export function checkConstraints (c: CooperationConstraints): CooperationConstraints {
  const fail = (what: string): never => { throw new InvalidPolicySettingError(what, { hint: 'Check the constraint values and try again.' }) }
  if (!(c.minRequesterTrust >= 0 && c.minRequesterTrust <= 1)) fail('minimum requester trust is between 0 and 1')
  if (!(Number.isSafeInteger(c.maxInputBytes) && c.maxInputBytes >= 0)) fail('maximum input size is a whole number of bytes')
  checkLimit(c.perPeer, 'per-peer', fail)
  checkLimit(c.overall, 'overall', fail)
  const unknown = c.allowedDataClasses.filter(d => !(DATA_CLASSES as readonly string[]).includes(d))
  if (unknown.length > 0) fail(`unknown data classes: ${unknown.join(', ')} (known: ${DATA_CLASSES.join(', ')})`)
  if (!(c.priceFloor >= 0 && c.priceFloor < Infinity)) fail('the price floor is a finite number of credits, at least 0')
  return { ...c, allowedDataClasses: [...new Set(c.allowedDataClasses)] }
}

function checkLimit (limit: RateLimit, name: string, fail: (what: string) => never): void {
  if (!(Number.isSafeInteger(limit.limit) && limit.limit >= 0)) fail(`the ${name} rate limit is a whole number of tasks`)
  if (!(Number.isSafeInteger(limit.windowMs) && limit.windowMs > 0)) fail(`the ${name} rate window is a positive whole number of milliseconds`)
}
