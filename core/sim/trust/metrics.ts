// The figures a run reports (as the issue defines them), and their mean and 95% interval over seeds.

export const METRIC_NAMES = [
  'attack_success', 'attacker_roi', 'control_entries_per_epoch', 'detection_rate', 'false_positive_rate', 'newcomer_reputation', 'honest_success'
] as const
export type MetricName = typeof METRIC_NAMES[number]
export type RunMetrics = Record<MetricName, number>

/** Raw counts of one run, turned into RunMetrics at the end. */
export class RunCounters {
  honestQueries = 0
  honestServedWell = 0
  /** Honest requesters' queries answered by a malicious provider that defected. */
  defections = 0
  /** Defections caught by a canary: the result was rejected, unused, and the query went to another candidate. */
  defectionsCaught = 0
  /** Good services malicious providers gave honest requesters: the reputation they paid for. */
  maliciousGoodServices = 0
  /** Identities lost to slashing: each fresh one starts from nothing. */
  identitiesBurned = 0
  /** Ratings and fraud proofs published (log entries every peer may fetch). */
  controlEntries = 0
}

export function runMetrics (c: RunCounters, epochs: number, penalties: { detection: number, falsePositive: number, newcomer: number }, trustInUse: boolean): RunMetrics {
  const investment = Math.max(1, c.maliciousGoodServices + c.identitiesBurned)
  return {
    attack_success: c.honestQueries > 0 ? c.defections / c.honestQueries : 0,
    attacker_roi: (c.defections - investment) / investment,
    control_entries_per_epoch: trustInUse ? c.controlEntries / epochs : 0,
    detection_rate: penalties.detection,
    false_positive_rate: penalties.falsePositive,
    newcomer_reputation: penalties.newcomer,
    honest_success: c.honestQueries > 0 ? c.honestServedWell / c.honestQueries : 0
  }
}

/** Mean of each metric over runs, with `<metric>_ci95` (half-width, normal approximation) when there are several. */
export function summarise (runs: readonly RunMetrics[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const name of METRIC_NAMES) {
    const values = runs.map(r => r[name])
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
    out[name] = round(mean)
    if (values.length > 1) {
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)
      out[`${name}_ci95`] = round(1.96 * Math.sqrt(variance / values.length))
    }
  }
  return out
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6
