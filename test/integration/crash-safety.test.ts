import { describe, expect, it } from 'vitest'
import { benchCrash } from '../bench/crash.ts'

// A short pass of `npm run bench -- crash` (200 kills): a real child writing through the app core over a real SQLite file,
// SIGKILLed at random moments and restarted.

describe('crash safety', () => {
  it('loses no acknowledged approval, decision, receipt or rating across SIGKILLs, and restores the queue each restart', async () => {
    const r = await benchCrash({ kills: 8, seed: 7 })
    expect(r.restarts).toBe(8)
    expect(r.acknowledged).toBeGreaterThan(0)
    expect(r.lost).toBe(0)
    expect(r.integrity_failures).toBe(0)
    expect(r.half_applied).toBe(0)
    expect(r.queue_restored).toBe(r.restarts)
    expect(r.soft_acks).toBe(0)
    expect(r.target_met).toBe(true)
  }, 300_000)

  it('reports the losses of a child that acknowledges receipts and ratings before writing them', async () => {
    const r = await benchCrash({ kills: 6, seed: 7, minDelayMs: 200, fault: 'ack-before-write' })
    expect(r.lost).toBeGreaterThan(0)
    expect(r.target_met).toBe(false)
  }, 300_000)
})
