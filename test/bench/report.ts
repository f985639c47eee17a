import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADVERSARY_KINDS } from '../../core/daemon/testnet/adversaries/kinds.ts'
import { barChartSvg, formatNumber } from './svg-chart.ts'

// The bench report (issue 7 §6): what each benchmark's JSON line says, figure by figure, beside the baseline measured in the
// same run and the target it answers to. Targets come from the JSON's own `target_*` fields where it carries them; the
// fallbacks are the issues' numbers. Written as report.json and report.md, with one SVG chart per compared figure.

export type Json = Record<string, unknown>

export interface TargetSpec {
  readonly op: '>=' | '<='
  /** The JSON field that states the target (preferred), e.g. `target_p99_ms`. */
  readonly key?: string
  /** The target when the JSON does not state it: a number, or derived from the same run (⅓ of a baseline). */
  readonly fallback: number | ((result: Json) => number | undefined)
  /** Where a derived target comes from, shown beside it: "⅓ × full-body". */
  readonly text?: string
}

export interface BaselineSpec {
  readonly label: string
  /** A figure of the same run; or `value`, a fixed reference a ratio is measured against (1 = the baseline itself). */
  readonly key?: string
  readonly value?: number
}

export interface FigureSpec {
  /** Path in the JSON, dotted: `bodyless.delivery`. */
  readonly key: string
  readonly label: string
  readonly unit?: string
  readonly baselines?: readonly BaselineSpec[]
  readonly target?: TargetSpec
}

export interface BenchmarkSpec {
  readonly name: string
  readonly title: string
  /** How a person runs it (shown in the report). */
  readonly command: string
  /** What the report spawns, from the app folder: a binary under node_modules/.bin and its arguments. */
  readonly bin: string
  readonly args: readonly string[]
  readonly timeoutMs: number
  readonly figures: readonly FigureSpec[]
}

/** One benchmark's run as a child process: its last stdout line parsed, or why there is none. */
export interface BenchmarkRun {
  readonly name: string
  readonly status: 'ok' | 'failed'
  readonly seconds: number
  readonly exitCode: number | null
  readonly error?: string
  readonly result?: Json
  /** Its stderr, relative to the report folder. */
  readonly log?: string
}

export interface FigureResult {
  readonly key: string
  readonly label: string
  readonly unit?: string
  readonly value: number | undefined
  readonly baselines: ReadonlyArray<{ label: string, value: number }>
  readonly target?: { op: '>=' | '<=', value: number, text: string }
  /** Undefined when the figure answers to no target. */
  readonly met: boolean | undefined
  readonly chart?: string
}

export interface BenchmarkReport extends BenchmarkRun {
  readonly title: string
  readonly command: string
  readonly figures: readonly FigureResult[]
}

export interface ReportSummary { benchmarks: number, targets_met: number, targets_missed: number, failed: number }

export interface ReportMeta {
  readonly generatedAt: string
  readonly commit?: string
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly loadAverage: readonly number[]
}

const MIN = 60_000
/** An npm script's command run with `--json`, as a person types it and as the report spawns it (its entry file under tsx). */
const npmScript = (script: string, entry: string, words: readonly string[]): Pick<BenchmarkSpec, 'command' | 'bin' | 'args'> => ({
  command: `npm run -s ${script} -- ${[...words, '--json'].join(' ')}`,
  bin: 'tsx',
  args: [entry, ...words, '--json']
})
const bench = (name: string, extra: readonly string[] = []): ReturnType<typeof npmScript> => npmScript('bench', 'test/bench/main.ts', [name, ...extra])
const testnet = (extra: readonly string[]): ReturnType<typeof npmScript> => npmScript('hearth', 'core/daemon/main.ts', ['testnet', ...extra])

/** Every benchmark the report runs, in order (quick ones first), and the figures it reads from each. */
export const BENCHMARKS: readonly BenchmarkSpec[] = [
  {
    name: 'identity',
    title: 'Identity verification: T0/T1 against raw Ed25519',
    ...bench('identity'),
    timeoutMs: 10 * MIN,
    figures: [
      { key: 't1_vs_native', label: 'T1 (envelope + cached BAID chain) ÷ native verify', unit: '×', baselines: [{ label: 'native Ed25519 verify', value: 1 }], target: { op: '>=', key: 'target_t1_vs_native', fallback: 0.5 } },
      { key: 't1_per_s', label: 'T1 verifications', unit: '/s', baselines: [{ label: 'native Ed25519 verify', key: 'native_verify_per_s' }, { label: '@noble Ed25519 verify', key: 'noble_verify_per_s' }] },
      { key: 't0_per_s', label: 'T0 verifications', unit: '/s', baselines: [{ label: 'native Ed25519 verify', key: 'native_verify_per_s' }] }
    ]
  },
  {
    name: 'discovery',
    title: 'Discovery: intent queries over 10,000 descriptors',
    ...bench('discovery'),
    timeoutMs: 10 * MIN,
    figures: [
      { key: 'p99_ms', label: 'query p99', unit: 'ms', baselines: [{ label: 'brute-force scan p99', key: 'scan_p99_ms' }], target: { op: '<=', key: 'target_p99_ms', fallback: 5 } },
      { key: 'p50_ms', label: 'query p50', unit: 'ms', baselines: [{ label: 'brute-force scan p50', key: 'scan_p50_ms' }] }
    ]
  },
  {
    name: 'reputation',
    title: 'Reputation: MG-EigenTrust over 100,000 peers and 1,000,000 ratings',
    ...bench('reputation'),
    timeoutMs: 20 * MIN,
    figures: [
      { key: 'ratio', label: 'engine ÷ C power iteration', unit: '×', baselines: [{ label: 'C power iteration', value: 1 }], target: { op: '<=', key: 'target_ratio', fallback: 3 } },
      { key: 'seconds', label: 'engine power iteration', unit: 's', baselines: [{ label: 'C power iteration', key: 'baseline_c_seconds' }] },
      { key: 'ingest_ratings_per_s', label: 'SQLite ingest', unit: 'ratings/s', target: { op: '>=', key: 'target_ingest_per_s', fallback: 100_000 } },
      { key: 'total_seconds', label: 'whole bench', unit: 's', target: { op: '<=', key: 'target_total_seconds', fallback: 180 } }
    ]
  },
  {
    name: 'task',
    title: 'Task round trips between two agents on loopback',
    ...bench('task'),
    timeoutMs: 15 * MIN,
    figures: [
      { key: 'p50_ms', label: 'round trip p50', unit: 'ms', baselines: [{ label: 'raw MCP echo p50', key: 'mcp_echo_p50_ms' }, { label: 'libp2p ping p50', key: 'ping_p50_ms' }], target: { op: '<=', key: 'target_p50_ms', fallback: 20 } },
      { key: 'p95_ms', label: 'round trip p95', unit: 'ms', baselines: [{ label: 'raw MCP echo p50', key: 'mcp_echo_p50_ms' }] }
    ]
  },
  {
    name: 'ui',
    title: 'UI and core: start, first render, a 1,000-request Inbox, memory',
    ...bench('ui'),
    timeoutMs: 15 * MIN,
    figures: [
      { key: 'start_to_online_ms', label: 'daemon spawn to online', unit: 'ms', baselines: [{ label: 'bare libp2p node start', key: 'baseline_libp2p_start_ms' }], target: { op: '<=', key: 'target_start_ms', fallback: 1000 } },
      { key: 'first_render_ms', label: 'first render (Inbox)', unit: 'ms', baselines: [{ label: 'blank page render', key: 'baseline_blank_render_ms' }], target: { op: '<=', key: 'target_first_render_ms', fallback: 1000 } },
      { key: 'idle_rss_mb', label: 'idle core RSS', unit: 'MB', baselines: [{ label: 'bare libp2p node RSS', key: 'baseline_libp2p_rss_mb' }] },
      { key: 'inbox_1000_render_ms', label: '1,000 queued requests: first rows', unit: 'ms', baselines: [{ label: 'blank page render', key: 'baseline_blank_render_ms' }] },
      { key: 'inbox_1000_scroll_ms', label: '1,000 queued requests: scroll to the end', unit: 'ms' }
    ]
  },
  {
    name: 'crash',
    title: 'Crash safety: SIGKILLs while writing approvals, decisions, receipts and ratings',
    ...bench('crash'),
    timeoutMs: 45 * MIN,
    figures: [
      { key: 'lost', label: 'acknowledged writes lost', target: { op: '<=', key: 'target_lost', fallback: 0 } },
      { key: 'integrity_failures', label: 'integrity_check failures', target: { op: '<=', key: 'target_integrity_failures', fallback: 0 } },
      { key: 'half_applied', label: 'writes found half-applied', target: { op: '<=', fallback: 0 } },
      { key: 'queue_restored', label: 'restarts with the approval queue restored exactly', baselines: [{ label: 'restarts', key: 'restarts' }], target: { op: '>=', fallback: r => num(r, 'restarts'), text: 'every restart' } },
      { key: 'acknowledged', label: 'acknowledged writes', baselines: [{ label: 'kills', key: 'kills' }] }
    ]
  },
  {
    name: 'fuzz',
    title: 'Fuzzing every decoder that takes network input',
    ...npmScript('fuzz', 'test/fuzz/main.ts', []),
    timeoutMs: 20 * MIN,
    figures: [
      { key: 'crashes', label: 'crashes', target: { op: '<=', fallback: 0 } },
      { key: 'unnamed_errors', label: 'unnamed errors', target: { op: '<=', fallback: 0 } },
      { key: 'seconds', label: 'whole run', unit: 's', target: { op: '<=', fallback: 600 } },
      { key: 'min_inputs_per_decoder', label: 'inputs, fewest of any decoder', target: { op: '>=', fallback: 100_000 } },
      { key: 'max_heap_mb', label: 'largest heap of a fuzzing process', unit: 'MB' }
    ]
  },
  {
    name: 'testnet',
    title: 'Testnet: 30 real daemons, 20 % churn, bodyless gossip against full-body broadcast',
    ...testnet(['--nodes', '30', '--churn', '0.2']),
    timeoutMs: 40 * MIN,
    figures: [
      { key: 'bodyless.delivery', label: 'bodyless delivery', baselines: [{ label: 'full-body delivery', key: 'full_body.delivery' }], target: { op: '>=', key: 'target_delivery', fallback: 0.99 } },
      { key: 'bodyless.delivery_eventual', label: 'bodyless delivery by the end of the run (late ones too)', baselines: [{ label: 'full-body', key: 'full_body.delivery_eventual' }] },
      {
        key: 'bodyless.bytes_per_announcement',
        label: 'bodyless bytes per announcement per node',
        unit: 'B',
        baselines: [{ label: 'full-body bytes', key: 'full_body.bytes_per_announcement' }],
        target: { op: '<=', fallback: r => optionalNum(r, 'full_body.bytes_per_announcement') === undefined ? undefined : num(r, 'full_body.bytes_per_announcement') / 3, text: '⅓ × full-body' }
      },
      { key: 'bodyless.p95_ms', label: 'bodyless delivery p95', unit: 'ms', baselines: [{ label: 'full-body p95', key: 'full_body.p95_ms' }], target: { op: '<=', key: 'target_p95_ms', fallback: 1500 } },
      { key: 'bodyless.p50_ms', label: 'bodyless delivery p50', unit: 'ms', baselines: [{ label: 'full-body p50', key: 'full_body.p50_ms' }] }
    ]
  },
  {
    name: 'attack',
    title: 'Testnet under attack: 30 honest daemons and one hostile process per kind, against the same workload unattacked',
    ...testnet(['--nodes', '30', '--adversaries', ADVERSARY_KINDS.join(',')]),
    timeoutMs: 30 * MIN,
    figures: [
      { key: 'attack.honest_delivery', label: 'honest delivery within 5 s under attack', baselines: [{ label: 'unattacked', key: 'attack.honest_delivery_unattacked' }], target: { op: '>=', fallback: 0.99 } },
      { key: 'attack.honest_delivery_eventual', label: 'honest delivery by the end of the run (late ones too)' },
      { key: 'attack.forged_accepted', label: 'forged items accepted', target: { op: '<=', fallback: 0 } },
      { key: 'attack.replayed_accepted', label: 'replayed headers accepted', target: { op: '<=', fallback: 0 } },
      { key: 'attack.offenders_penalised', label: 'offenders penalised by gossipsub and reputation', target: { op: '>=', fallback: 1 } },
      { key: 'attack.honest_max_rss_mb', label: 'largest RSS of an honest daemon', unit: 'MB', target: { op: '<=', fallback: 300 } },
      // One machine: the adversaries' CPU is the honest daemons' too.
      { key: 'attack.honest_cores', label: 'CPU of the honest daemons', unit: 'cores', baselines: [{ label: 'unattacked', key: 'attack.honest_cores_unattacked' }, { label: 'adversaries', key: 'attack.adversary_cores' }] }
    ]
  },
  {
    name: 'soak',
    title: 'Soak: 30 daemons under sustained announcements and delegations, 10 minutes measured after 5 of warm-up',
    ...bench('soak'),
    timeoutMs: 30 * MIN,
    figures: [
      // Slopes after the warm-up, per node; the target answers to the median node, the worst stands beside it.
      { key: 'heap_growth_pct_per_min', label: 'heap growth after GC, median node', unit: '%/min', target: { op: '<=', key: 'target_heap_growth_pct_per_min', fallback: 1 } },
      { key: 'heap_growth_pct_per_min_max', label: 'heap growth after GC, worst node', unit: '%/min' },
      // Flat: at most +1 handle a minute (a fall after the warm-up is no leak, and is shown as it is).
      { key: 'handles_growth_per_min', label: 'active handles growth, median node', unit: '/min', target: { op: '<=', key: 'target_handles_growth_per_min', fallback: 1 } },
      { key: 'handles_growth_per_min_max', label: 'active handles growth, worst node', unit: '/min' },
      { key: 'fds_growth_per_min', label: 'open fds growth, median node', unit: '/min' },
      { key: 'max_rss_mb', label: 'largest RSS of a daemon', unit: 'MB' },
      { key: 'tasks_completed', label: 'delegations completed', baselines: [{ label: 'requested', key: 'tasks_requested' }] },
      { key: 'nodes_exited', label: 'daemons that died', target: { op: '<=', fallback: 0 } }
    ]
  }
]

/** A figure of a benchmark's JSON by dotted path, when it is a number. */
export function optionalNum (result: Json, path: string): number | undefined {
  let at: unknown = result
  for (const part of path.split('.')) at = typeof at === 'object' && at !== null ? (at as Json)[part] : undefined
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined
}

function num (result: Json, path: string): number {
  return optionalNum(result, path) ?? Number.NaN
}

/** A benchmark's figures read from its JSON: value, same-run baselines, target and whether it is met. */
export function evaluate (spec: BenchmarkSpec, result: Json): FigureResult[] {
  return spec.figures.map(figure => {
    const value = optionalNum(result, figure.key)
    const baselines = (figure.baselines ?? []).flatMap(b => {
      const v = b.value ?? (b.key === undefined ? undefined : optionalNum(result, b.key))
      return v === undefined ? [] : [{ label: b.label, value: v }]
    })
    const t = figure.target
    const stated = t?.key === undefined ? undefined : optionalNum(result, t.key)
    const targetValue = t === undefined ? undefined : stated ?? (typeof t.fallback === 'number' ? t.fallback : t.fallback(result))
    const target = t === undefined || targetValue === undefined || !Number.isFinite(targetValue)
      ? undefined
      : { op: t.op, value: targetValue, text: `${t.op === '>=' ? '≥' : '≤'} ${withUnit(targetValue, figure.unit)}${stated === undefined && t.text !== undefined ? ` (${t.text})` : ''}` }
    // A figure that should answer to a target but is missing (or its target could not be worked out) counts as missed.
    const met = t === undefined ? undefined : value === undefined || target === undefined ? false : t.op === '>=' ? value >= target.value : value <= target.value
    return { key: figure.key, label: figure.label, ...(figure.unit === undefined ? {} : { unit: figure.unit }), value, baselines, ...(target === undefined ? {} : { target }), met }
  })
}

export function summarise (reports: readonly BenchmarkReport[]): ReportSummary {
  const figures = reports.filter(r => r.status === 'ok').flatMap(r => r.figures)
  return {
    benchmarks: reports.length,
    targets_met: figures.filter(f => f.met === true).length,
    targets_missed: figures.filter(f => f.met === false).length,
    failed: reports.filter(r => r.status === 'failed').length
  }
}

/** Writes report.json, report.md and charts/*.svg into `outDir` (charts from an earlier report are removed first). */
export function writeReport (outDir: string, runs: readonly BenchmarkRun[], meta: ReportMeta, specs: readonly BenchmarkSpec[] = BENCHMARKS): { json: string, markdown: string, summary: ReportSummary, reports: BenchmarkReport[] } {
  const chartsDir = join(outDir, 'charts')
  rmSync(chartsDir, { recursive: true, force: true })
  mkdirSync(chartsDir, { recursive: true })
  const reports: BenchmarkReport[] = runs.map(run => {
    const spec = specs.find(s => s.name === run.name)
    if (spec === undefined) throw new Error(`no benchmark named ${run.name}`)
    const figures = run.status === 'ok' && run.result !== undefined
      ? evaluate(spec, run.result).map(figure => {
        const chart = chartFor(spec.name, figure)
        if (chart === undefined) return figure
        writeFileSync(join(chartsDir, chart.file), chart.svg)
        return { ...figure, chart: `charts/${chart.file}` }
      })
      : []
    return { ...run, title: spec.title, command: spec.command, figures }
  })
  const summary = summarise(reports)
  const json = join(outDir, 'report.json')
  const markdown = join(outDir, 'report.md')
  writeFileSync(json, `${JSON.stringify({ ...metaJson(meta), summary, benchmarks: reports }, null, 2)}\n`)
  writeFileSync(markdown, markdownReport(reports, summary, meta))
  return { json, markdown, summary, reports }
}

function metaJson (meta: ReportMeta): Json {
  return { generated_at: meta.generatedAt, commit: meta.commit, node: meta.node, platform: meta.platform, cpus: meta.cpus, load_average: meta.loadAverage }
}

function chartFor (bench: string, figure: FigureResult): { file: string, svg: string } | undefined {
  if (figure.value === undefined || (figure.baselines.length === 0 && figure.target === undefined)) return undefined
  const bars = [
    { label: 'this run', value: figure.value, kind: 'value' as const },
    ...figure.baselines.map(b => ({ label: b.label, value: b.value, kind: 'baseline' as const })),
    ...(figure.target === undefined ? [] : [{ label: `target (${figure.target.op === '>=' ? 'at least' : 'at most'})`, value: figure.target.value, kind: 'target' as const }])
  ]
  if (bars.every(b => b.value === 0)) return undefined
  const file = `${bench}-${figure.key.replace(/[^A-Za-z0-9_]+/g, '-')}.svg`
  return { file, svg: barChartSvg({ title: `${bench}: ${figure.label}`, ...(figure.unit === undefined ? {} : { unit: figure.unit }), bars, ...(figure.met === undefined ? {} : { met: figure.met }) }) }
}

export const MET = '✅ met'
export const MISSED = '❌ missed'

function metMark (met: boolean | undefined): string {
  return met === undefined ? '—' : met ? MET : MISSED
}

function withUnit (v: number, unit: string | undefined): string {
  return unit === undefined ? formatNumber(v) : unit === '×' || unit.startsWith('/') ? `${formatNumber(v)}${unit}` : `${formatNumber(v)} ${unit}`
}

function cell (text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** The Markdown: environment, a summary, then per benchmark its table and charts. */
export function markdownReport (reports: readonly BenchmarkReport[], summary: ReportSummary, meta: ReportMeta): string {
  const out: string[] = [
    '# Hearth benchmark report',
    '',
    `Generated ${meta.generatedAt}${meta.commit === undefined ? '' : ` at commit \`${meta.commit}\``} on Node ${meta.node}, ${meta.platform}, ${meta.cpus} CPUs (load average ${meta.loadAverage.map(l => l.toFixed(2)).join(', ')} at the start).`,
    'Each figure stands beside the baseline measured in the same run and the target it answers to; every benchmark ran alone, as its own process.',
    '',
    `**${summary.targets_met} targets met, ${summary.targets_missed} missed, ${summary.failed} of ${summary.benchmarks} benchmarks failed.**`,
    '',
    '| benchmark | status | targets met | targets missed | time |',
    '|---|---|---|---|---|',
    ...reports.map(r => `| [${r.name}](#${r.name}) | ${r.status === 'ok' ? 'ok' : '**failed**'} | ${r.figures.filter(f => f.met === true).length} | ${r.figures.filter(f => f.met === false).length} | ${formatNumber(r.seconds)} s |`),
    ''
  ]
  for (const r of reports) {
    out.push(`## ${r.name}`, '', `${r.title}. \`${r.command}\` — ${formatNumber(r.seconds)} s${r.log === undefined ? '' : `, log: [${r.log}](${r.log})`}.`, '')
    if (r.status === 'failed') {
      out.push(`**Failed**${r.exitCode === null ? '' : ` (exit ${r.exitCode})`}: ${cell(r.error ?? 'no result')}`, '')
      continue
    }
    out.push('| figure | value | same-run baseline | target | met? |', '|---|---|---|---|---|')
    for (const f of r.figures) {
      const baseline = f.baselines.length === 0 ? '—' : f.baselines.map(b => `${withUnit(b.value, f.unit)} (${b.label})`).join('; ')
      out.push(`| ${cell(f.label)} (\`${f.key}\`) | ${f.value === undefined ? 'missing' : withUnit(f.value, f.unit)} | ${cell(baseline)} | ${f.target?.text ?? '—'} | ${metMark(f.met)} |`)
    }
    const charts = r.figures.filter(f => f.chart !== undefined)
    if (charts.length > 0) out.push('', ...charts.map(f => `![${r.name}: ${f.label}](${f.chart})`))
    out.push('')
  }
  return `${out.join('\n')}\n`
}

/** The summary as a plain-text table, for the terminal. */
export function summaryText (reports: readonly BenchmarkReport[], summary: ReportSummary): string {
  const rows: string[][] = [['benchmark', 'figure', 'value', 'baseline', 'target', 'met?']]
  for (const r of reports) {
    if (r.status === 'failed') { rows.push([r.name, 'FAILED', cell(r.error ?? '').slice(0, 80), '', '', '']); continue }
    for (const f of r.figures) {
      rows.push([r.name, f.key, f.value === undefined ? 'missing' : withUnit(f.value, f.unit), f.baselines.map(b => withUnit(b.value, f.unit)).join(', ') || '—', f.target?.text ?? '—', f.met === undefined ? '—' : f.met ? 'met' : 'MISSED'])
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(row => row[i]!.length)))
  const lines = rows.map(row => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())
  return [...lines, '', `${summary.targets_met} targets met, ${summary.targets_missed} missed, ${summary.failed} of ${summary.benchmarks} benchmarks failed`, ''].join('\n')
}
