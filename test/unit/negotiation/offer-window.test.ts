import { describe, expect, it } from 'vitest'
import { gatherOffers, type OfferWindow } from '../../../core/negotiation/offer-window.ts'

// The leader's offer window: it ranks as soon as everyone answered, or once enough acceptable offers are in and a grace
// window passed, instead of waiting for a slow candidate until the task's deadline.

type Answer = 'accept' | 'decline'

/** An ask that answers after `ms`, or is cut off: then it records that its signal aborted. */
function after (ms: number, answer: Answer, aborted: string[], name: string) {
  return async (signal: AbortSignal): Promise<Answer> => await new Promise<Answer>(resolve => {
    const onAbort = (): void => { clearTimeout(timer); aborted.push(name); resolve('decline') }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(answer) }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

const accepts = (a: Answer): boolean => a === 'accept'

async function timed<T> (work: Promise<T>): Promise<{ value: T, ms: number }> {
  const started = performance.now()
  const value = await work
  return { value, ms: performance.now() - started }
}

describe('gatherOffers', () => {
  const window: OfferWindow = { quorum: 2, graceMs: 100, patienceMs: 400 }

  it('ranks as soon as every candidate answered, without waiting out the grace window', async () => {
    const aborted: string[] = []
    const { value, ms } = await timed(gatherOffers([after(10, 'accept', aborted, 'a'), after(20, 'decline', aborted, 'b'), after(30, 'accept', aborted, 'c')], accepts, window, new AbortController().signal))
    expect(value).toEqual(['accept', 'decline', 'accept'])
    expect(ms).toBeLessThan(90)
    expect(aborted).toEqual([])
  })

  it('stops waiting for a slow candidate once enough acceptable offers are in and the grace window passed', async () => {
    const aborted: string[] = []
    const { value, ms } = await timed(gatherOffers([after(10, 'accept', aborted, 'fast'), after(5_000, 'accept', aborted, 'person'), after(20, 'accept', aborted, 'second')], accepts, window, new AbortController().signal))
    expect(value).toEqual(['accept', undefined, 'accept'])
    expect(ms).toBeGreaterThanOrEqual(115)
    expect(ms).toBeLessThan(1_000)
    expect(aborted).toEqual(['person'])
  })

  it('takes an offer that arrives within the grace window', async () => {
    const aborted: string[] = []
    const { value } = await timed(gatherOffers([after(10, 'accept', aborted, 'a'), after(20, 'accept', aborted, 'b'), after(70, 'accept', aborted, 'c'), after(5_000, 'accept', aborted, 'd')], accepts, window, new AbortController().signal))
    expect(value).toEqual(['accept', 'accept', 'accept', undefined])
  })

  it('keeps waiting while declines leave fewer acceptable offers than the quorum', async () => {
    const aborted: string[] = []
    const { value, ms } = await timed(gatherOffers([after(10, 'accept', aborted, 'a'), after(10, 'decline', aborted, 'b'), after(300, 'accept', aborted, 'c')], accepts, window, new AbortController().signal))
    expect(value).toEqual(['accept', 'decline', 'accept'])
    expect(ms).toBeGreaterThanOrEqual(290)
  })

  it('ranks a lone acceptable offer once it waited its patience, while the other candidate\'s person still decides', async () => {
    const aborted: string[] = []
    const { value, ms } = await timed(gatherOffers([after(5_000, 'accept', aborted, 'person'), after(10, 'accept', aborted, 'granted')], accepts, window, new AbortController().signal))
    expect(value).toEqual([undefined, 'accept'])
    expect(ms).toBeGreaterThanOrEqual(400)
    expect(ms).toBeLessThan(2_000)
    expect(aborted).toEqual(['person'])
  })

  it('waits for the only candidates there are while none has accepted', async () => {
    const aborted: string[] = []
    const { value, ms } = await timed(gatherOffers([after(10, 'decline', aborted, 'a'), after(600, 'accept', aborted, 'b')], accepts, window, new AbortController().signal))
    expect(value).toEqual(['decline', 'accept'])
    expect(ms).toBeGreaterThanOrEqual(590)
  })

  it('ends with what it has when the task ends', async () => {
    const aborted: string[] = []
    const task = new AbortController()
    setTimeout(() => task.abort(new Error('canceled')), 50)
    const { value, ms } = await timed(gatherOffers([after(10, 'accept', aborted, 'a'), after(5_000, 'accept', aborted, 'b')], accepts, window, task.signal))
    expect(value).toEqual(['accept', undefined])
    expect(ms).toBeLessThan(1_000)
    expect(aborted).toEqual(['b'])
  })
})
