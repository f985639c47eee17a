import type { MechanismClause } from '../api/negotiation.ts'
import { measuresQuality, type Mechanism } from './mechanism.ts'
import { deliberatelyLate, detectionChance } from './replay.ts'
import type { FailureTrace } from './trace.ts'

// Attribution feedback (the paper's "semantic gradient"): each failure is blamed on the clause of the mechanism that allowed it.

export interface Attribution {
  /** Index of the trace in the list attributed. */
  readonly trace: number
  readonly clause: MechanismClause
  /** One line a person can read: why this clause. */
  readonly explanation: string
}

export interface Attributor {
  /** One attribution per trace, judged against the mechanism about to be repaired. */
  attribute (traces: readonly FailureTrace[], mechanism: Mechanism, opts?: { signal?: AbortSignal }): Promise<Attribution[]>
}

/** The embedded default: a fixed rule per failure kind, reading only the trace and the mechanism. */
export class RuleAttributor implements Attributor {
  async attribute (traces: readonly FailureTrace[], mechanism: Mechanism): Promise<Attribution[]> {
    return traces.map((trace, i) => ({ trace: i, ...ruleFor(trace, mechanism) }))
  }
}

export function ruleFor (trace: FailureTrace, m: Mechanism): Omit<Attribution, 'trace'> {
  switch (trace.kind) {
    case 'late_delivery':
      return deliberatelyLate(trace)
        ? { clause: 'penalty', explanation: 'delivered far past the offered ETA, and lateness cost less than the task paid' }
        : { clause: 'deadline', explanation: 'delivered close to the offered ETA, which the deadline left no room for' }
    case 'wrong_result':
      return detectionChance('wrong_result', m) === 0
        ? { clause: 'canary', explanation: 'no canary or evidence check could catch a wrong result' }
        : { clause: 'penalty', explanation: 'a caught wrong result cost less than it was expected to earn' }
    case 'unverifiable_result':
    case 'quality_free_ride':
      return measuresQuality(m.tier)
        ? { clause: 'penalty', explanation: 'missing the committed quality cost less than the task paid' }
        : { clause: 'tier', explanation: 'the tier never measured quality, so the bonus was paid on a promise' }
    case 'over_charging':
      return { clause: 'reward', explanation: 'a flat base let an offer far above the market price be admissible' }
    case 'egress_violation':
      return { clause: 'egress', explanation: 'the data class could leave the device unredacted' }
  }
}
