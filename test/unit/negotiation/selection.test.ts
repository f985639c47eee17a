import { describe, expect, it } from 'vitest'
import { bestResponse, expectedUtility, honestPlan } from '../../../core/negotiation/best-response.ts'
import { selectOffers } from '../../../core/negotiation/selection.ts'
import { key, NOW, offer, PROFILE, terms } from './fixtures.ts'

const trust = (scores: Record<number, number>) => (p: Uint8Array) => scores[p[0]!] ?? 0

describe('selectOffers', () => {
  it('ranks by trust × price × QoS into a failover order, leaving out what cannot be selected', () => {
    const offers = [
      offer(1, { price: 5 }), // the reference
      offer(2, { price: 10 }), // twice the price
      offer(3, { price: 5, quality: 0.4 }), // half the quality
      offer(4, { price: 5 }), // trusted less
      offer(5, { price: 3, decision: 'decline' }),
      offer(6, { price: 16 }), // over the base reward of 15
      offer(7, { price: 5, etaMs: 25_000 }), // past the 20 s deadline
      offer(8, { price: 5, etaMs: 2_000 }) // sooner
    ]
    const ranked = selectOffers(offers, trust({ 1: 0.9, 2: 0.9, 3: 0.9, 4: 0.3, 8: 0.9 }), terms(), NOW)
    expect(ranked.map(r => r.offer.provider[0])).toEqual([8, 1, 2, 3, 4])
    expect(ranked[1]!.parts).toEqual({ trust: expect.closeTo(0.01 + 0.99 * 0.9, 9), price: 1, timeliness: 0.75, quality: 0.8 })
    expect(ranked[2]!.score).toBeCloseTo(ranked[1]!.score / 2)
  })

  it('still tries an untrusted newcomer, last', () => {
    const ranked = selectOffers([offer(1, { price: 1 }), offer(2, { price: 9 })], trust({ 2: 0.5 }), terms(), NOW)
    expect(ranked.map(r => r.offer.provider[0])).toEqual([2, 1])
    expect(ranked[1]!.score).toBeGreaterThan(0)
  })

  it('keeps reputation\'s order among unknowns: the one with less against it is tried first', () => {
    // Exploration weights under every known peer's trust (0.01, 0.005): the floor lifts them, never flattens them.
    const ranked = selectOffers([offer(1), offer(2), offer(3)], trust({ 1: 0.005, 2: 0.01, 3: 0 }), terms(), NOW)
    expect(ranked.map(r => r.offer.provider[0])).toEqual([2, 1, 3])
    expect(ranked[2]!.score).toBeGreaterThan(0)
  })

  it('is empty when nobody can serve', () => {
    expect(selectOffers([offer(1, { decision: 'decline' })], () => 1, terms(), NOW)).toEqual([])
  })
})

describe('bestResponse', () => {
  it('accepts at max(floor, cost × markup) with its own ETA and quality when the task pays', () => {
    expect(bestResponse(terms(), PROFILE, NOW)).toEqual({ decision: 'accept', price: 5, etaMs: 10_000, quality: 0.8 })
    expect(bestResponse(terms(), { ...PROFILE, priceFloor: 7 }, NOW).price).toBe(7)
  })

  it('declines when not individually rational: a deadline it would likely miss with a late fee above its margin', () => {
    const tight = terms({ deadline: NOW + 9_000, penalties: { forfeitOnFailure: true, lateFee: 5, fraudSlash: 0, shortfall: 0 } })
    const response = bestResponse(tight, PROFILE, NOW)
    expect(response.decision).toBe('decline')
    expect(response.reason).toMatch(/not worth it/)
    expect(expectedUtility(tight, honestPlan(PROFILE, 9_000))).toBeLessThan(0)
    // The same deadline without a late fee is worth taking.
    expect(bestResponse(terms({ deadline: NOW + 9_000 }), PROFILE, NOW).decision).toBe('accept')
  })

  it('declines a base reward below its price and data classes its policy refuses', () => {
    expect(bestResponse(terms({ reward: { base: 4, qualityBonus: 0 } }), PROFILE, NOW)).toMatchObject({ decision: 'decline', reason: expect.stringMatching(/over the base reward/) })
    expect(bestResponse(terms(), { ...PROFILE, dataClasses: ['public'] }, NOW, ['public', 'health'])).toMatchObject({ decision: 'decline', reason: 'does not take health data' })
  })

  it('counts a quality bonus only on measured quality at T2 and above', () => {
    const plan = { ...honestPlan(PROFILE, 20_000), committedQuality: 1, deliveredQuality: 0.5 }
    const bonus = { base: 15, qualityBonus: 10 }
    expect(expectedUtility(terms({ reward: bonus, tier: 'T1' }), plan) - expectedUtility(terms({ reward: bonus, tier: 'T2' }), plan)).toBeCloseTo(0.98 * 10 * 0.5)
  })

  it('keys providers by their bytes, not by position', () => {
    expect(selectOffers([offer(9), offer(3)], () => 1, terms(), NOW).map(r => r.offer.provider)).toEqual([key(3), key(9)])
  })
})
