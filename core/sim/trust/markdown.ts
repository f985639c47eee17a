import { METRIC_NAMES } from './metrics.ts'
import type { TrustSimResult } from './simulate.ts'

// The comparison table people read: one row per method, one column per metric (± its 95% interval when there is one).

export function markdownTable (result: TrustSimResult): string {
  const header = `| method | ${METRIC_NAMES.join(' | ')} |`
  const rule = `|---|${METRIC_NAMES.map(() => '---').join('|')}|`
  const rows = Object.entries(result.methods).map(([name, m]) => {
    const cells = METRIC_NAMES.map(metric => {
      const ci = m[`${metric}_ci95`]
      return ci === undefined ? `${m[metric]}` : `${m[metric]} ± ${ci}`
    })
    return `| ${name} | ${cells.join(' | ')} |`
  })
  return [header, rule, ...rows].join('\n')
}
