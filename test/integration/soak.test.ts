import { describe, expect, it } from 'vitest'
import { APP_ROOT } from '../../core/common/paths.ts'
import { runCommand } from '../helpers/cli.ts'

// A short pass of `npm run -s bench -- soak` (30 daemons, 10 minutes after a 5-minute warm-up): 4 real daemons under
// announcements and delegations for half a minute, sampled every 5 s. No timing or growth targets here — only that the
// soak measures what it says it does.

const bench = async (args: readonly string[]): ReturnType<typeof runCommand> => await runCommand(`${APP_ROOT}/node_modules/.bin/tsx`, ['test/bench/main.ts', ...args])

describe('bench soak', () => {
  it('samples every daemon each interval under sustained load, and no daemon\'s handles grow with the tasks it runs', async () => {
    const run = await bench(['soak', '--nodes', '4', '--minutes', '0.5', '--warmup', '0.25', '--sample-seconds', '5', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const r = run.json
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['nodes', 'minutes', 'warmup_minutes', 'announcements', 'tasks_requested', 'tasks_completed', 'heap_mb_per_min', 'handles_per_min', 'fds_per_min', 'heap_growth_pct_per_min', 'heap_growth_pct_per_min_max', 'handles_growth_per_min', 'handles_growth_per_min_max', 'max_rss_mb', 'target_met']))
    expect(r).toMatchObject({ nodes: 4, minutes: 0.5, warmup_minutes: 0.25, sample_interval_s: 5, nodes_exited: 0 })
    // A sample at the start and after each of the six intervals, answered by all four daemons.
    expect(r.nodes_sampled_per_min).toEqual([4, 4, 4, 4, 4, 4, 4])
    for (const series of [r.heap_mb_per_min, r.rss_mb_per_min, r.handles_per_min, r.fds_per_min]) {
      expect(series).toHaveLength(7)
      for (const v of series) expect(v).toBeGreaterThan(0)
    }
    for (const key of ['heap_growth_pct_per_min', 'heap_growth_pct_per_min_max', 'handles_growth_per_min', 'handles_growth_per_min_max', 'fds_growth_per_min_max', 'max_rss_mb']) expect(Number.isFinite(r[key]), key).toBe(true)
    expect(typeof r.target_met).toBe('boolean')
    // The load was sustained: an announcement every 1.5 s, and delegations throughout, nearly all completed.
    expect(r.announcements).toBeGreaterThanOrEqual(15)
    expect(r.tasks_completed).toBeGreaterThanOrEqual(20)
    expect(r.tasks_completed).toBeGreaterThanOrEqual(0.8 * r.tasks_requested)
    // Each daemon takes part in about half the delegations, a quarter of them after the warm-up: a handle or fd left open
    // per task would grow the worst daemon's count by that much over the measured quarter minute; noise is a few.
    const measured = r.minutes - r.warmup_minutes
    const allowed = Math.max(8, r.tasks_completed / r.nodes / 4)
    expect(r.handles_growth_per_min_max * measured).toBeLessThan(allowed)
    expect(r.fds_growth_per_min_max * measured).toBeLessThan(allowed)
  }, 300_000)
})
