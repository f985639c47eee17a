import '../../core/common/polyfills.ts'
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { fuzz, type TargetReport } from './engine.ts'
import { allTargets } from './all.ts'

// `npm run -s fuzz -- [--json] [--runs N] [--only NAME,…] [--seed S] [--jobs J]`: every network-input decoder over
// generated and mutated inputs, each decoder in its own process (so each one's heap is its own), J at a time.
// Progress goes to stderr; with --json one summary line is last on stdout.

const program = new Command('fuzz')
  .option('--json', 'print one line of JSON last on stdout')
  .option('--runs <n>', 'inputs per decoder', '100000')
  .option('--only <names>', 'comma-separated decoder names')
  .option('--seed <n>', 'fast-check seed (a run is reproducible by its seed)', String(Date.now() % 2 ** 31))
  .option('--jobs <n>', 'decoders fuzzed at once', String(Math.min(2, availableParallelism())))
  .option('--child', 'run the named decoders here and print one report line each (used by the parent run)')
  .parse()
const opts = program.opts<{ json?: boolean, runs: string, only?: string, seed: string, jobs: string, child?: boolean }>()
const runs = Number(opts.runs)
const seed = Number(opts.seed)
const jobs = Number(opts.jobs)
if (![runs, seed, jobs].every(Number.isSafeInteger) || runs < 1 || jobs < 1) {
  process.stderr.write('fuzz: --runs, --seed and --jobs are whole numbers\n')
  process.exit(2)
}

const targets = allTargets()
const only = opts.only?.split(',')
const chosen = only === undefined ? targets : targets.filter(t => only.includes(t.name))
if (chosen.length === 0) {
  process.stderr.write(`fuzz: no decoder named ${opts.only}; there are ${targets.map(t => t.name).join(', ')}\n`)
  process.exit(2)
}

if (opts.child === true) {
  for (const target of chosen) {
    try {
      const report = await fuzz(target, runs, seed, done => { if (done % 25_000 === 0 && done < runs) process.stderr.write(`  ${target.name}: ${done}/${runs}\n`) })
      process.stdout.write(`${JSON.stringify(report)}\n`)
    } finally {
      await target.close?.()
    }
  }
  process.exit(0)
}

process.stderr.write(`fuzz: ${chosen.length} decoders × ${runs} inputs, seed ${seed}, ${jobs} at a time\n`)
const started = performance.now()
const reports: TargetReport[] = []
const failed: string[] = []
const queue = chosen.map(t => t.name)

/** One decoder in a child process of this same script; its one stdout line is its report. */
async function runChild (name: string): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--only', name, '--runs', String(runs), '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  const line = out.trim().split('\n').at(-1) ?? ''
  let report: TargetReport
  try {
    report = JSON.parse(line) as TargetReport
  } catch {
    // The process died (out of memory, a fault in native code): the whole decoder counts as one crash.
    failed.push(name)
    reports.push({ name, inputs: 0, accepted: 0, refused: 0, crashes: 1, unnamed_errors: 0, ms: 0, max_heap_mb: 0, findings: [{ kind: 'crash', error: `the fuzzing process exited with ${code}`, input: '' }] })
    process.stderr.write(`${name}: the fuzzing process exited with ${code}\n`)
    return
  }
  reports.push(report)
  const rate = Math.round(report.inputs / Math.max(0.001, report.ms / 1000))
  process.stderr.write(`${report.name.padEnd(24)} ${String(report.inputs).padStart(7)} inputs ${String(report.refused).padStart(7)} refused ${String(report.accepted).padStart(7)} accepted  ${report.crashes} crashes  ${report.unnamed_errors} unnamed  ${(report.ms / 1000).toFixed(1)} s (${rate}/s)  heap ${report.max_heap_mb} MB\n`)
  for (const f of report.findings) process.stderr.write(`    ${f.kind}: ${f.error}\n      input: ${f.input}\n`)
}

await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) await runChild(name)
}))

const summary = {
  decoders: reports.length,
  inputs: reports.reduce((n, r) => n + r.inputs, 0),
  crashes: reports.reduce((n, r) => n + r.crashes, 0),
  unnamed_errors: reports.reduce((n, r) => n + r.unnamed_errors, 0),
  max_heap_mb: Math.max(...reports.map(r => r.max_heap_mb)),
  min_inputs_per_decoder: Math.min(...reports.map(r => r.inputs)),
  seconds: Math.round((performance.now() - started) / 1000),
  seed
}
process.stderr.write(`fuzz: ${summary.inputs} inputs over ${summary.decoders} decoders in ${summary.seconds} s: ${summary.crashes} crashes, ${summary.unnamed_errors} unnamed errors, heap ≤ ${summary.max_heap_mb} MB\n`)
if (opts.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`)
process.exitCode = summary.crashes + summary.unnamed_errors === 0 ? 0 : 1
