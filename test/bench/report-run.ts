import { execFileSync, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { APP_ROOT } from '../../core/common/paths.ts'
import { BENCHMARKS, summaryText, writeReport, type BenchmarkRun, type BenchmarkSpec, type Json, type ReportMeta, type ReportSummary } from './report.ts'

// `npm run bench` (or `bench -- report`): every benchmark as its own child process, one after another so none measures
// while another loads the machine, each invoking the existing command with --json. Only its last stdout line is read, so
// the report does not import the code it measures. A benchmark that fails or times out is recorded with its error.

export interface ReportOptions {
  /** Benchmark names to run; all when absent. */
  readonly only?: readonly string[]
  readonly outDir?: string
  /** Extra arguments per benchmark, e.g. { crash: ['--kills', '20'] }. */
  readonly extraArgs?: Readonly<Record<string, readonly string[]>>
  readonly log?: (line: string) => void
}

export async function runReport (options: ReportOptions = {}): Promise<{ markdown: string, json: string, summary: ReportSummary, text: string }> {
  const log = options.log ?? (() => {})
  const outDir = resolve(options.outDir ?? join(APP_ROOT, 'bench-report'))
  const specs = pick(options.only)
  const logDir = join(outDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const meta: ReportMeta = {
    generatedAt: new Date().toISOString(),
    ...gitCommit(),
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
    cpus: availableParallelism(),
    loadAverage: loadavg()
  }
  const runs: BenchmarkRun[] = []
  for (const spec of specs) {
    const args = [...spec.args.slice(0, -1), ...(options.extraArgs?.[spec.name] ?? []), ...spec.args.slice(-1)]
    log(`${spec.name}: ${spec.command}${options.extraArgs?.[spec.name] === undefined ? '' : ` (with ${options.extraArgs[spec.name]!.join(' ')})`}`)
    const logFile = join(logDir, `${spec.name}.log`)
    const run = await runBenchmark(spec, args, logFile)
    runs.push({ ...run, log: relative(outDir, logFile) })
    log(`${spec.name}: ${run.status === 'ok' ? 'done' : `FAILED: ${run.error ?? ''}`} in ${run.seconds} s`)
  }
  const written = writeReport(outDir, runs, meta)
  return { markdown: written.markdown, json: written.json, summary: written.summary, text: summaryText(written.reports, written.summary) }
}

function pick (only: readonly string[] | undefined): BenchmarkSpec[] {
  if (only === undefined || only.length === 0) return [...BENCHMARKS]
  const unknown = only.filter(name => !BENCHMARKS.some(s => s.name === name))
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')}; there are ${BENCHMARKS.map(s => s.name).join(', ')}`)
  return BENCHMARKS.filter(s => only.includes(s.name))
}

/** One benchmark in its own process group (a testnet's daemons go with it on a timeout); stderr to its log file. */
export async function runBenchmark (spec: BenchmarkSpec, args: readonly string[], logFile: string): Promise<BenchmarkRun> {
  const began = performance.now()
  const fd = openSync(logFile, 'w')
  writeSync(fd, `$ ${spec.command}${args.join(' ') === spec.args.join(' ') ? '' : `  # ${args.join(' ')}`}\n`)
  const seconds = (): number => Math.round((performance.now() - began) / 100) / 10
  try {
    const child = spawn(join(APP_ROOT, 'node_modules', '.bin', spec.bin), args, { cwd: APP_ROOT, stdio: ['ignore', 'pipe', fd], detached: process.platform !== 'win32' })
    let stdout = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout = (stdout + chunk).slice(-1_000_000) })
    const kill = (): void => {
      try {
        if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch { /* already gone */ }
    }
    // Ctrl-C stops the benchmark running now (and its children) along with the report.
    const onSignal = (): void => { kill(); process.exit(130) }
    process.once('SIGINT', onSignal)
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; kill() }, spec.timeoutMs)
    const exit = await new Promise<{ code: number | null, signal: NodeJS.Signals | null, error?: Error }>(resolve => {
      child.once('error', error => resolve({ code: null, signal: null, error }))
      child.once('close', (code, signal) => resolve({ code, signal }))
    })
    clearTimeout(timer)
    process.off('SIGINT', onSignal)
    const base = { name: spec.name, seconds: seconds(), exitCode: exit.code }
    if (timedOut) return { ...base, status: 'failed', error: `timed out after ${spec.timeoutMs / 1000} s` }
    if (exit.error !== undefined) return { ...base, status: 'failed', error: `could not start: ${exit.error.message}` }
    const result = lastJsonLine(stdout)
    if (result === undefined) {
      return { ...base, status: 'failed', error: `${exit.signal === null ? `exit ${String(exit.code)}` : `killed by ${exit.signal}`} with no JSON line on stdout (see its log)` }
    }
    // The CLI's failures are one JSON line too: {"error": {name, message, hint}}.
    const error = result.error as { name?: string, message?: string } | undefined
    if (typeof error === 'object' && error !== null) return { ...base, status: 'failed', error: `${error.name ?? 'Error'}: ${error.message ?? ''}`, result }
    return { ...base, status: 'ok', result }
  } finally {
    closeSync(fd)
  }
}

function lastJsonLine (stdout: string): Json | undefined {
  const last = stdout.trimEnd().split('\n').at(-1) ?? ''
  try {
    const parsed: unknown = JSON.parse(last)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Json : undefined
  } catch {
    return undefined
  }
}

function gitCommit (): { commit?: string } {
  try {
    return { commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: APP_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() }
  } catch {
    return {}
  }
}
