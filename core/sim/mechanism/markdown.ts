import type { MechanismSimResult } from './simulate.ts'

// The per-round table people read.

export function markdownTable (result: MechanismSimResult): string {
  const header = '| round | ic_violations | ir_violations | system_loss | regression_pass_rate | traces | repair |'
  const rule = '|---|---|---|---|---|---|---|'
  const rows = result.rounds.map(r => `| ${r.round} | ${r.ic_violations} | ${r.ir_violations} | ${r.system_loss} | ${r.regression_pass_rate} | ${r.traces} | ${r.repair}${r.clauses.length > 0 ? ` (${r.clauses.join(', ')})` : ''} |`)
  return [header, rule, ...rows].join('\n')
}
