// A horizontal bar chart as a standalone SVG string: a benchmark figure beside its same-run baselines and its target.
// Plain SVG so the report needs no canvas, browser or chart package; GitHub and any browser render it from the Markdown.

export interface ChartBar {
  readonly label: string
  readonly value: number
  /** What the bar is: the measured figure, a baseline measured in the same run, or the target the figure answers to. */
  readonly kind: 'value' | 'baseline' | 'target'
}

export interface BarChart {
  readonly title: string
  readonly unit?: string
  readonly bars: readonly ChartBar[]
  /** Colours the figure's bar: true met, false missed, undefined when it has no target. */
  readonly met?: boolean
}

const WIDTH = 640
const LABEL_WIDTH = 190
const VALUE_WIDTH = 110
const BAR_HEIGHT = 22
const GAP = 8
const TOP = 34
const COLOURS = { met: '#2e7d32', missed: '#c62828', value: '#1565c0', baseline: '#9e9e9e', target: '#ffffff' }

export function barChartSvg (chart: BarChart): string {
  const bars = chart.bars.filter(b => Number.isFinite(b.value))
  const max = Math.max(0, ...bars.map(b => Math.abs(b.value)))
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20
  const height = TOP + bars.length * (BAR_HEIGHT + GAP) + 10
  const scale = (v: number): number => max === 0 ? 0 : Math.max(1, (Math.abs(v) / max) * span)
  const target = bars.find(b => b.kind === 'target')
  const rows = bars.map((bar, i) => {
    const y = TOP + i * (BAR_HEIGHT + GAP)
    const w = scale(bar.value)
    const fill = bar.kind === 'value' ? (chart.met === undefined ? COLOURS.value : chart.met ? COLOURS.met : COLOURS.missed) : bar.kind === 'baseline' ? COLOURS.baseline : COLOURS.target
    const stroke = bar.kind === 'target' ? ' stroke="#424242" stroke-width="1.5" stroke-dasharray="5 3"' : ''
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT / 2 + 4}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"${stroke}><title>${escapeXml(`${bar.label}: ${formatNumber(bar.value)}${unitSuffix(chart.unit)}`)}</title></rect>`,
      `<text x="${(LABEL_WIDTH + w + 6).toFixed(1)}" y="${y + BAR_HEIGHT / 2 + 4}">${escapeXml(`${formatNumber(bar.value)}${unitSuffix(chart.unit)}`)}</text>`
    ].join('')
  })
  // The target also as a line across every bar: where each one stands against it.
  const line = target === undefined || max === 0
    ? ''
    : `<line x1="${(LABEL_WIDTH + scale(target.value)).toFixed(1)}" y1="${TOP - 4}" x2="${(LABEL_WIDTH + scale(target.value)).toFixed(1)}" y2="${height - 6}" stroke="#424242" stroke-width="1" stroke-dasharray="3 3"/>`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
    ...rows,
    line,
    '</svg>',
    ''
  ].join('\n')
}

/** Numbers as a person reads them: thousands separated, at most three significant decimals. */
export function formatNumber (v: number): string {
  if (!Number.isFinite(v)) return String(v)
  const abs = Math.abs(v)
  if (abs > 0 && abs < 1) return v.toLocaleString('en-US', { maximumSignificantDigits: 3 })
  return v.toLocaleString('en-US', { maximumFractionDigits: abs >= 100 ? 0 : 2 })
}

function unitSuffix (unit: string | undefined): string {
  if (unit === undefined || unit === '') return ''
  return unit === '×' || unit.startsWith('/') ? unit : ` ${unit}`
}

function escapeXml (text: string): string {
  return text.replace(/[<>&"']/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
}
