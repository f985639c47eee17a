import { afterEach, describe, expect, it, vi } from 'vitest'
import { HeldResults } from '../../../core/negotiation/held-results.ts'

// A provider's large results waiting to be fetched: never more than the cap in total (the oldest make room), and each
// dropped when its retention ends, so requesters that never fetch cannot pile results up in the provider's memory.

const MiB = 1024 * 1024
const result = (mib: number): Uint8Array => new Uint8Array(mib * MiB)

describe('HeldResults', () => {
  afterEach(() => { vi.useRealTimers() })

  it('holds up to the cap in total: a new result pushes out the oldest, never a newer one', () => {
    const held = new HeldResults({ maxBytes: 64 * MiB })
    for (const task of ['a', 'b', 'c', 'd']) expect(held.hold(task, result(16))).toBe(true)
    expect(held.bytes).toBe(64 * MiB)
    expect(held.hold('e', result(20))).toBe(true)
    // 20 MiB more needed room for two 16 MiB results: the two oldest went.
    expect(['a', 'b', 'c', 'd', 'e'].map(t => held.get(t) !== undefined)).toEqual([false, false, true, true, true])
    expect(held.bytes).toBe(52 * MiB)
    expect(held.hold('f', result(1))).toBe(true)
    expect(held.get('c')).toBeDefined()
  })

  it('drops each result when its retention ends, and when it was fetched (released)', () => {
    vi.useFakeTimers()
    const held = new HeldResults({ maxBytes: 64 * MiB, retentionMs: 60_000 })
    held.hold('early', result(1))
    vi.advanceTimersByTime(30_000)
    held.hold('late', result(1))
    vi.advanceTimersByTime(30_000)
    expect(held.get('early')).toBeUndefined()
    expect(held.get('late')).toBeDefined()
    held.release('late')
    expect(held.get('late')).toBeUndefined()
    expect(held.bytes).toBe(0)
    expect(held.size).toBe(0)
  })

  it('keeps nothing larger than the cap, and holding a task again replaces its result', () => {
    const held = new HeldResults({ maxBytes: 4 * MiB })
    held.hold('a', result(2))
    expect(held.hold('huge', result(5))).toBe(false)
    expect(held.get('a')).toBeDefined()
    held.hold('a', result(3))
    expect(held.bytes).toBe(3 * MiB)
    held.clear()
    expect(held.bytes).toBe(0)
  })

  it('defaults to 64 MiB and two minutes', () => {
    const held = new HeldResults()
    expect([held.maxBytes, held.retentionMs]).toEqual([64 * MiB, 120_000])
  })
})
