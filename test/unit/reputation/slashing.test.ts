import { describe, expect, it } from 'vitest'
import { failuresStandOut, FraudLedger, wilsonLowerBound, type FraudProofKind } from '../../../core/reputation/slashing.ts'

// When task failures amount to fraud: a share of the tasks served that stands out beyond doubt, proved by several reporters.

const served = (peers: number, topics: number, entries: Array<[peer: number, topic: number, tasks: number]>): Float64Array => {
  const out = new Float64Array(peers * topics)
  for (const [peer, topic, tasks] of entries) out[peer * topics + topic] = tasks
  return out
}

describe('the Wilson lower bound', () => {
  it('matches the textbook interval and is 0 without evidence', () => {
    // 5 of 10 at 95 % (two-sided z = 1.96): [0.2366, 0.7634].
    expect(wilsonLowerBound(5, 10, 1.96)).toBeCloseTo(0.2366, 4)
    expect(wilsonLowerBound(0, 10, 1.96)).toBe(0)
    expect(wilsonLowerBound(0, 0, 1.96)).toBe(0)
    // All of one task failed: p̂ = 1, bound n / (n + z²).
    expect(wilsonLowerBound(1, 1, 2)).toBeCloseTo(0.2, 12)
    expect(failuresStandOut(2, 2, 0.2, 2.33)).toBe(true)
    expect(failuresStandOut(2, 100, 0.2, 2.33)).toBe(false)
  })
})

describe('slashing on failure proofs', () => {
  const failure = (offender: number, reporter: number, topic = 0, kind: FraudProofKind = 'failed-canary') => ({ kind, offender, topic, reporter })

  it('never slashes on one accuser, however many proofs it files', () => {
    const fraud = new FraudLedger(10, 2)
    for (let x = 0; x < 20; x++) fraud.record(failure(1, 2))
    expect(fraud.failuresIn(1, 0)).toBe(1)
    expect(fraud.reportersAgainst(1)).toBe(1)
    expect(fraud.shouldSlash(1, served(10, 2, []))).toBe(false)
    // A second reporter: the two failures are all it did, which is fraud beyond doubt.
    fraud.record(failure(1, 3, 0, 'disputed-receipt'))
    expect(fraud.shouldSlash(1, served(10, 2, [[1, 0, 2]]))).toBe(true)
  })

  it('is scale-invariant: an honest agent failing 1 % of ten thousand tasks is never slashed, a cheat failing most of a few is', () => {
    const fraud = new FraudLedger(300, 1)
    // 100 distinct requesters each caught one honest mistake in 10,000 tasks: a count rule (3 failures) would have slashed long ago.
    for (let r = 100; r < 200; r++) fraud.record(failure(1, r))
    expect(fraud.failuresIn(1, 0)).toBe(100)
    expect(fraud.shouldSlash(1, served(300, 1, [[1, 0, 10_000]]))).toBe(false)
    for (let r = 200; r < 203; r++) fraud.record(failure(2, r))
    expect(fraud.shouldSlash(2, served(300, 1, [[2, 0, 4]]))).toBe(true)
    expect(fraud.against(2)).toBe(3)
  })

  it('slashes on failures in one topic whatever the peer did well elsewhere, and only there where they stand out', () => {
    const fraud = new FraudLedger(10, 2)
    fraud.record(failure(1, 2, 1))
    fraud.record(failure(1, 3, 1))
    expect(fraud.shouldSlash(1, served(10, 2, [[1, 0, 500], [1, 1, 2]]))).toBe(true)
    expect(fraud.shouldSlash(1, served(10, 2, [[1, 0, 0], [1, 1, 200]]))).toBe(false)
  })

  it('lets proofs age: they weigh less, and past four half-lives no longer stand', () => {
    const fraud = new FraudLedger(10, 1)
    fraud.record(failure(1, 2))
    fraud.record(failure(1, 3))
    const tasks = served(10, 1, [[1, 0, 2]])
    expect(fraud.shouldSlash(1, tasks)).toBe(true)
    fraud.decay(0.5)
    expect(fraud.failuresIn(1, 0)).toBeCloseTo(1, 12)
    // Receipts age alike: two failures of two tasks, one half-life on, are less certain evidence.
    expect(fraud.shouldSlash(1, served(10, 1, [[1, 0, 1]]))).toBe(false)
    fraud.decay(1 / 16)
    expect(fraud.failuresIn(1, 0)).toBe(0)
    expect(fraud.reportersAgainst(1)).toBe(0)
    expect(fraud.accused()).toEqual([])
  })

  it('slashes on equivocation at once, and forgets a whitewashed index entirely', () => {
    const fraud = new FraudLedger(10, 1)
    fraud.record({ kind: 'equivocation', offender: 4, topic: 0, reporter: 5 })
    expect(fraud.shouldSlash(4, served(10, 1, [[4, 0, 1000]]))).toBe(true)
    expect(fraud.against(4)).toBe(Infinity)
    fraud.record(failure(6, 7))
    fraud.record(failure(7, 6))
    fraud.forgetPeer(4)
    fraud.forgetPeer(6)
    expect(fraud.shouldSlash(4, served(10, 1, []))).toBe(false)
    // Both its proofs and the ones it filed are gone.
    expect(fraud.failuresIn(6, 0)).toBe(0)
    expect(fraud.failuresIn(7, 0)).toBe(0)
    expect(fraud.accused()).toEqual([])
  })
})
