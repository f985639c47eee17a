import type { MechanismClause } from '../api/negotiation.ts'
import type { Attribution, Attributor } from './attribution.ts'
import type { Mechanism } from './mechanism.ts'
import { proposeRepair } from './repair.ts'
import { recurs } from './replay.ts'
import type { TraceStore } from './trace-store.ts'
import type { FailureTrace } from './trace.ts'

// The regression suite: a mechanism is admitted only if no stored failure recurs under it (see replay.ts), and
// attribution → repair iterates until one is admitted or the attempts run out, in which case the old mechanism stays.

export interface RegressionCheck {
  readonly total: number
  readonly passed: number
  /** Stored failures that would recur. */
  readonly failing: readonly FailureTrace[]
  /** 1 with no traces stored. */
  readonly passRate: number
}

export interface RepairOutcome {
  readonly accepted: boolean
  /** The mechanism to use from now on: the repair if accepted, else the one given. */
  readonly mechanism: Mechanism
  /** The last repair tried (the one given when nothing failed). */
  readonly proposal: Mechanism
  readonly clauses: readonly MechanismClause[]
  /** Every trace blamed along the way, with its clause and why. */
  readonly blamed: readonly BlamedTrace[]
  /** The regression run that decided. */
  readonly check: RegressionCheck
}

export interface BlamedTrace extends Omit<Attribution, 'trace'> {
  readonly trace: FailureTrace
}

export const DEFAULT_REPAIR_STEPS = 4

export function checkTraces (traces: readonly FailureTrace[], m: Mechanism): RegressionCheck {
  const failing = traces.filter(t => recurs(t, m))
  const passed = traces.length - failing.length
  return { total: traces.length, passed, failing, passRate: traces.length === 0 ? 1 : passed / traces.length }
}

export class RegressionSuite {
  private readonly store: TraceStore
  private readonly topic: string

  constructor (store: TraceStore, topic: string) {
    this.store = store
    this.topic = topic
  }

  record (trace: FailureTrace): FailureTrace {
    return this.store.save({ ...trace, topic: this.topic })
  }

  traces (): FailureTrace[] {
    return this.store.traces(this.topic)
  }

  /** Replays every stored trace under `m`. */
  check (m: Mechanism): RegressionCheck {
    return checkTraces(this.traces(), m)
  }

  /** True when a proposed mechanism (from a repair, an LLM or a person) lets no stored failure recur. */
  admits (m: Mechanism): boolean {
    return this.check(m).failing.length === 0
  }

  /**
   * Attribute what fails under `m`, repair, and replay the whole suite; repeat on what still fails, up to `steps` times.
   * Accepted only when every stored trace passes.
   */
  async repair (m: Mechanism, attributor: Attributor, opts: { steps?: number, signal?: AbortSignal } = {}): Promise<RepairOutcome> {
    const traces = this.traces()
    let check = checkTraces(traces, m)
    let proposal = m
    const blamed: BlamedTrace[] = []
    for (let step = 0; step < (opts.steps ?? DEFAULT_REPAIR_STEPS) && check.failing.length > 0; step++) {
      const failing = check.failing
      const attributions = await attributor.attribute(failing, proposal, opts.signal === undefined ? {} : { signal: opts.signal })
      blamed.push(...attributions.flatMap(a => failing[a.trace] === undefined ? [] : [{ ...a, trace: failing[a.trace]! }]))
      proposal = proposeRepair(proposal, attributions, failing)
      check = checkTraces(traces, proposal)
    }
    const accepted = check.failing.length === 0 && proposal !== m
    return { accepted, mechanism: accepted ? proposal : m, proposal, clauses: [...new Set(blamed.map(a => a.clause))], blamed, check }
  }
}
