import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { APP_ROOT } from '../../common/paths.ts'
import { createRandom } from '../../common/random.ts'
import { callControl } from '../control.ts'
import { bundleDaemon, prepareIdentities, quantile, sleep, start, stop, waitForMesh, type Node } from './orchestrator.ts'
import { runTasks } from './tasks.ts'

// `bench soak` (issue 7 §5): N real daemons under sustained load — capability announcements on a fixed schedule and
// delegations between random peers, for the whole run — sampled at a fixed interval: heap after a forced GC (the daemons
// run with --expose-gc), active handles and open fds. After the warm-up, a least-squares slope per node says whether
// memory or handles grow with the work done; a leak shows as a steady slope, not as one sample's noise.

export interface SoakOptions {
  readonly nodes: number
  /** Length of the whole run under load, warm-up included. */
  readonly minutes: number
  /**
   * The first part of the run, excluded from the growth figures: start-up, mesh, and the bounded memos (opened headers,
   * receipts, verified signatures) filling, which at 30 daemons' pace takes about 5 minutes.
   */
  readonly warmupMinutes: number
  /** Time between samples; one minute unless a short run needs more points. */
  readonly sampleMs?: number
  readonly announceIntervalMs?: number
  readonly seed?: number
  readonly log?: (line: string) => void
}

export interface SoakResult {
  nodes: number
  minutes: number
  warmup_minutes: number
  /** What the `*_per_min` series are sampled at (60 unless asked otherwise). */
  sample_interval_s: number
  announcements: number
  tasks_requested: number
  tasks_completed: number
  tasks_failed: number
  /** How many nodes answered each sample (every node, unless one died). */
  nodes_sampled_per_min: number[]
  /** Median over nodes, per sample: heap used after a full GC, RSS, active handles, open fds. */
  heap_mb_per_min: number[]
  rss_mb_per_min: number[]
  handles_per_min: number[]
  fds_per_min?: number[]
  /** Post-warm-up least-squares slope of each node's heap, as % of its heap at the warm-up's end per minute: median node, worst node. */
  heap_growth_pct_per_min: number
  heap_growth_pct_per_min_max: number
  /** Post-warm-up slope of each node's active handles (and open fds), per minute: median node, worst node. */
  handles_growth_per_min: number
  handles_growth_per_min_max: number
  fds_growth_per_min?: number
  fds_growth_per_min_max?: number
  max_rss_mb: number
  /** Daemons that died on their own during the run. */
  nodes_exited: number
  target_heap_growth_pct_per_min: number
  target_handles_growth_per_min: number
  /** Median node's heap growth under the target and its handle slope at most the target (a fall is no leak); no daemon died. */
  target_met: boolean
}

interface Health { heapUsed: number, rss: number, handles: number, fds: number | null, gc: boolean }

export const TARGET_HEAP_GROWTH_PCT_PER_MIN = 1
export const TARGET_HANDLES_GROWTH_PER_MIN = 1
/** Each agent owns this many capabilities and re-announces (refreshes) them: a bounded set, as a real agent's is. */
const CAPABILITY_SLOTS = 4
/** Delegations started together, then a pause: steady work that a 2-core machine running every daemon keeps up with. */
const TASKS_PER_ROUND = 4
const TASK_PAUSE_MS = 1_000
const MB = 1024 * 1024

export async function runSoak (options: SoakOptions): Promise<SoakResult> {
  const began = Date.now()
  const log = (line: string): void => options.log?.(`[${((Date.now() - began) / 1000).toFixed(1)} s] ${line}`)
  const sampleMs = options.sampleMs ?? 60_000
  const samples = Math.round(options.minutes * 60_000 / sampleMs)
  const warmupSamples = Math.round(options.warmupMinutes * 60_000 / sampleMs)
  if (samples - warmupSamples < 1) throw new Error('the soak needs a sample after the warm-up\'s end: a longer run, a shorter warm-up or more frequent samples')
  const random = createRandom(options.seed ?? 1)
  const root = mkdtempSync(join(tmpdir(), 'hearth-soak-'))
  let nodes: Node[] = []
  try {
    log(`preparing ${options.nodes} identities in ${root}`)
    const { template, interests } = await prepareIdentities(root, options.nodes, 1)
    const daemon = await bundleDaemon(root)
    cpSync(template, join(root, 'run'), { recursive: true })
    nodes = interests.map((topics, index) => ({ index, dataDir: join(root, 'run', `node-${index}`), interests: topics, child: undefined, addr: undefined, agent: '', received: [], bytes: 0, cpuMs: 0, lagMaxMs: 0, rejected: {}, bodiesMissing: 0, up: [] }))
    const launch = async (node: Node): Promise<void> => {
      node.addr = await start(daemon, node, 'bodyless', node.index === 0 ? [] : [nodes[0]!.addr!], log, ['--expose-gc'])
    }
    log(`starting ${nodes.length} daemons`)
    await launch(nodes[0]!)
    for (let i = 1; i < nodes.length; i += 6) await Promise.all(nodes.slice(i, i + 6).map(launch))
    await waitForMesh(nodes, 'bodyless')
    log(`mesh formed; load for ${options.minutes} min (warm-up ${options.warmupMinutes} min), a sample every ${sampleMs / 1000} s`)

    const loadFrom = Date.now()
    const loadUntil = loadFrom + samples * sampleMs
    const live = (): Node[] => nodes.filter(alive)
    const announced = announce(live, loadUntil, options.announceIntervalMs ?? 1_500, random)
    const tasks = delegate(live, loadUntil, random, log)

    // series[k][node] = that node's health at sample k (undefined: it did not answer).
    const series: Array<Array<Health | undefined>> = []
    for (let k = 0; k <= samples; k++) {
      await sleep(loadFrom + k * sampleMs - Date.now())
      series.push(await Promise.all(nodes.map(async n => !alive(n) ? undefined : await (callControl(n.dataDir, 'testnet.health') as Promise<Health>).catch(() => undefined))))
      const now = series.at(-1)!.filter(h => h !== undefined)
      if (k === 0 && now.some(h => !h.gc)) throw new Error('the daemons were not started with --expose-gc: heap samples would not be after a full collection')
      log(`sample ${k}/${samples}${k === warmupSamples ? ' (warm-up ends)' : ''}: ${now.length} nodes; heap median ${(median(now.map(h => h.heapUsed)) / MB).toFixed(1)} MB, handles median ${median(now.map(h => h.handles))}, fds median ${median(now.map(h => h.fds ?? 0))}, RSS max ${(Math.max(...now.map(h => h.rss)) / MB).toFixed(0)} MB; ${announced.count} announcements, ${tasks.figures.completed}/${tasks.figures.requested} tasks completed`)
    }
    log('load stops; waiting for the delegations under way')
    await Promise.all([announced.done, tasks.done])

    const minute = sampleMs / 60_000
    const at = series.map((_, k) => k * minute)
    const perSample = (pick: (h: Health) => number | null): number[] => series.map(s => median(s.flatMap(h => h === undefined || pick(h) === null ? [] : [pick(h)!])))
    // Per node, over the samples from the warm-up's end on (a node that missed one is left out of the slope).
    const slopes = (pick: (h: Health) => number | null, relative: boolean): number[] => nodes.flatMap((_, i) => {
      const after = series.slice(warmupSamples).map(s => s[i])
      if (after.some(h => h === undefined || pick(h) === null)) return []
      const ys = after.map(h => pick(h!)!)
      const b = slope(at.slice(warmupSamples), ys)
      return [relative ? b / ys[0]! * 100 : b]
    })
    const heap = slopes(h => h.heapUsed, true)
    const handles = slopes(h => h.handles, false)
    const fds = slopes(h => h.fds, false)
    const exited = nodes.filter(n => !alive(n)).length
    const hasFds = series.every(s => s.every(h => h === undefined || h.fds !== null))
    const result: SoakResult = {
      nodes: options.nodes,
      minutes: options.minutes,
      warmup_minutes: options.warmupMinutes,
      sample_interval_s: sampleMs / 1000,
      announcements: announced.count,
      tasks_requested: tasks.figures.requested,
      tasks_completed: tasks.figures.completed,
      tasks_failed: tasks.figures.failed,
      nodes_sampled_per_min: series.map(s => s.filter(h => h !== undefined).length),
      heap_mb_per_min: perSample(h => h.heapUsed).map(v => round(v / MB, 2)),
      rss_mb_per_min: perSample(h => h.rss).map(v => round(v / MB, 1)),
      handles_per_min: perSample(h => h.handles),
      ...(hasFds ? { fds_per_min: perSample(h => h.fds) } : {}),
      heap_growth_pct_per_min: round(median(heap), 3),
      heap_growth_pct_per_min_max: round(Math.max(...heap), 3),
      handles_growth_per_min: round(median(handles), 3),
      handles_growth_per_min_max: round(Math.max(...handles), 3),
      ...(hasFds ? { fds_growth_per_min: round(median(fds), 3), fds_growth_per_min_max: round(Math.max(...fds), 3) } : {}),
      max_rss_mb: round(Math.max(...series.flatMap(s => s.flatMap(h => h === undefined ? [] : [h.rss]))) / MB, 1),
      nodes_exited: exited,
      target_heap_growth_pct_per_min: TARGET_HEAP_GROWTH_PCT_PER_MIN,
      target_handles_growth_per_min: TARGET_HANDLES_GROWTH_PER_MIN,
      target_met: false
    }
    result.target_met = heap.length > 0 && result.heap_growth_pct_per_min < TARGET_HEAP_GROWTH_PCT_PER_MIN && result.handles_growth_per_min <= TARGET_HANDLES_GROWTH_PER_MIN && exited === 0
    return result
  } finally {
    await Promise.all(nodes.map(stop))
    rmSync(root, { recursive: true, force: true })
    rmSync(join(APP_ROOT, '.hearth-test', basename(root)), { recursive: true, force: true })
  }
}

/** Not died on its own (the soak kills nobody until the end). */
const alive = (node: Node): boolean => node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null

/** One announcement every `intervalMs` until `until`, from a random live node refreshing one of its capabilities. */
function announce (live: () => Node[], until: number, intervalMs: number, random: () => number): { count: number, done: Promise<void> } {
  const state = { count: 0, done: Promise.resolve() }
  state.done = (async () => {
    const calls: Array<Promise<void>> = []
    // On a fixed schedule, not one after another: a slow announcer must not thin out the load.
    while (Date.now() < until) {
      const nodes = live()
      const node = nodes[Math.floor(random() * nodes.length)]
      if (node !== undefined) {
        const slot = Math.floor(random() * CAPABILITY_SLOTS)
        const params = { i: node.index * CAPABILITY_SLOTS + slot, topic: node.interests[slot % node.interests.length]! }
        calls.push(callControl(node.dataDir, 'testnet.announce', params).then(() => { state.count++ }, () => undefined))
      }
      await sleep(intervalMs)
    }
    await Promise.all(calls)
  })()
  return state
}

/** Rounds of delegations between random peers until `until`; a round under way is let finish. */
function delegate (live: () => Node[], until: number, random: () => number, log: (line: string) => void): { figures: { requested: number, completed: number, failed: number }, done: Promise<void> } {
  const state = { figures: { requested: 0, completed: 0, failed: 0 }, done: Promise.resolve() }
  state.done = (async () => {
    while (Date.now() < until) {
      // Only failures are worth a line: a round's success is in the per-sample log.
      const round = await runTasks(live(), TASKS_PER_ROUND, random, line => { if (line.includes('failures')) log(line) })
      state.figures.requested += round.requested
      state.figures.completed += round.completed
      state.figures.failed += round.failed
      await sleep(TASK_PAUSE_MS)
    }
  })()
  return state
}

/** Least-squares slope of ys against xs. */
export function slope (xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my)
    den += (xs[i]! - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

function median (values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5)
}

function round (x: number, digits: number): number {
  return Number(x.toFixed(digits))
}
