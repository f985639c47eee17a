import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'

// A short testnet run (the full one is `npm run hearth -- testnet --nodes 30 --churn 0.2`): real processes, real TCP.

describe('hearth testnet', () => {
  it('delivers every announcement to every interested peer, bodyless with fewer bytes than the full-body baseline, and runs delegations between random peers, every completed one with a receipt both sides signed', async () => {
    const run = await hearth(['testnet', '--nodes', '4', '--announcements', '10', '--tasks', '6', '--json'])
    expect(run.code).toBe(0)
    const { bodyless, full_body: fullBody, nodes, tasks } = run.json
    expect(nodes).toBe(4)
    for (const mode of [bodyless, fullBody]) {
      expect(Object.keys(mode)).toEqual(expect.arrayContaining(['delivery', 'delivery_eventual', 'bytes_per_announcement', 'p50_ms', 'p95_ms', 'cores']))
      expect(mode.expected).toBeGreaterThan(0)
      // Four daemons announcing use some CPU, and no more than the machine has.
      expect(mode.cores).toBeGreaterThan(0)
      expect(mode.cores).toBeLessThanOrEqual(availableParallelism())
      expect(mode.delivery).toBe(1)
      expect(mode.delivery_eventual).toBe(1)
    }
    expect(bodyless.bytes_per_announcement).toBeLessThan(fullBody.bytes_per_announcement)
    expect(Object.keys(tasks).sort()).toEqual(['completed', 'failed', 'p50_ms', 'p95_ms', 'requested', 'with_receipt'])
    expect(tasks.requested).toBe(6)
    expect(tasks.completed + tasks.failed).toBe(6)
    expect(tasks.completed).toBeGreaterThanOrEqual(5)
    expect(tasks.with_receipt).toBe(tasks.completed)
    expect(tasks.p95_ms).toBeGreaterThanOrEqual(tasks.p50_ms)
  }, 240_000)

  it('survives churn: a killed and restarted peer rejoins and the run completes', async () => {
    const run = await hearth(['testnet', '--nodes', '4', '--announcements', '20', '--churn', '0.25', '--json'])
    expect(run.code).toBe(0)
    expect(run.json.churn).toBe(0.25)
    expect(run.json.bodyless.delivery).toBeGreaterThanOrEqual(0.9)
    // What arrived in time arrived by the end as well.
    expect(run.json.bodyless.delivery_eventual).toBeGreaterThanOrEqual(run.json.bodyless.delivery)
    // No --tasks, no delegations.
    expect(run.json.tasks).toBeUndefined()
  }, 180_000)

  it('refuses nonsense sizes with a clear error', async () => {
    const run = await hearth(['testnet', '--nodes', '1', '--json'])
    expect(run.code).toBe(1)
    expect(run.json.error.name).toBe('UsageError')
  })
})
