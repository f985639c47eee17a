import { describe, expect, it } from 'vitest'
import { ConductRecord, MISCONDUCT_HALF_LIFE_MS, MISCONDUCT_POINTS, MISCONDUCT_TOLERANCE } from '../../../core/reputation/conduct.ts'

// First-hand conduct: points per offence, a tolerance for honest mishaps, decay, and a bound on what a flood of identities costs.

describe('a peer\'s conduct', () => {
  it('crosses the tolerance once, reporting it only then, and thaws as its points halve', () => {
    let now = 0
    const conduct = new ConductRecord(() => now)
    // Stalled streams, worth half a point each: the sixth reaches the tolerance of 3.
    const crossed = Array.from({ length: 8 }, () => conduct.note('peer', 'stream-abuse'))
    expect(MISCONDUCT_POINTS['stream-abuse'] * 6).toBe(MISCONDUCT_TOLERANCE)
    expect(crossed).toEqual([false, false, false, false, false, true, false, false])
    expect(conduct.points('peer')).toBe(4)
    now += MISCONDUCT_HALF_LIFE_MS
    expect(conduct.points('peer')).toBeCloseTo(2, 9)
    expect(conduct.shunned('peer')).toBe(false)
    // Misbehaving again after thawing is reported again.
    expect(conduct.note('peer', 'invalid-message')).toBe(true)
    expect(conduct.shunned('peer')).toBe(true)
  })

  it('keeps the worst offenders when a flood of identities each misbehave once', () => {
    const conduct = new ConductRecord(() => 0)
    for (let k = 0; k < MISCONDUCT_TOLERANCE; k++) conduct.note('forger', 'forged-receipt')
    for (let k = 0; k < 10_000; k++) conduct.note(`sybil-${k}`, 'drift')
    expect(conduct.shunned('forger')).toBe(true)
    expect(conduct.view('forger').counts).toEqual({ 'forged-receipt': MISCONDUCT_TOLERANCE })
    expect(conduct.points('sybil-9999')).toBe(0.5)
  })
})
