import { describe, expect, it } from 'vitest'
import { endorsed, PersonalTrust, type TrustNetwork } from '../../../core/reputation/mg-eigentrust.ts'
import { EXPLORATION_CEILING, preferredCandidates, relativeTrust, selectionTrust } from '../../../core/reputation/selection.ts'
import { FraudLedger } from '../../../core/reputation/slashing.ts'
import { knownTopicSimilarity } from '../../../core/reputation/topic-similarity.ts'
import { buildTrustMatrix, EvidenceLedger } from '../../../core/reputation/trust-graph.ts'

// Whom a person picks: the peer its seeds vouch for, else the unknown with the least evidence against it.

function network (ledger: EvidenceLedger): TrustNetwork {
  const slashed = new Uint8Array(ledger.peers)
  return { peers: ledger.peers, matrices: [buildTrustMatrix(ledger, [0], { excluded: slashed })], similarity: knownTopicSimilarity(['code_generation']), slashed }
}

/** 0 = the person, 1 = a provider it was satisfied with, 2 = one 1 vouches for; 3, 4 = established, unrated; 5..9 = fresh colluders praising each other. */
function world (options: { own?: [number[], number[]] } = {}) {
  const n = 10
  const ledger = new EvidenceLedger(n, 1)
  ledger.addRating(0, 1, 0, 3, 0)
  ledger.addRating(1, 2, 0, 2, 0)
  for (let a = 5; a < n; a++) for (let b = 5; b < n; b++) ledger.addRating(a, b, 0, 20, 0)
  const fresh = [5, 6, 7, 8, 9]
  const own = options.own
  const input = { seeds: () => ({ peers: [0, 1] }), newcomers: () => fresh, ...(own === undefined ? {} : { experience: () => ({ peers: own[0], verdicts: own[1] }) }) }
  return new PersonalTrust(input, { bridgeWeight: 0 }).compute(network(ledger), 0)
}

describe('selection among the candidates offered', () => {
  it('takes the most endorsed candidate over any unknown, however much praise fresh identities pass around', () => {
    const view = world()
    expect(preferredCandidates(view, [5, 3, 2, 6])).toEqual([2])
    expect(preferredCandidates(view, [2, 1, 7])).toEqual([1])
  })

  it('endorsed trust is exactly zero where no chain of ratings from the seeds leads, not an iteration residue', () => {
    const view = world()
    for (const peer of [3, 4, 5, 6, 7, 8, 9]) expect(endorsed(view, peer)).toBe(0)
    expect(view.vector[5]).toBeGreaterThan(0) // the newcomer budget reached them: explorable, never known
  })

  it('explores established unknowns before fresh identities, and fresh ones when nothing else is left', () => {
    const view = world()
    expect(preferredCandidates(view, [5, 3, 6, 4]).sort()).toEqual([3, 4])
    expect(preferredCandidates(view, [5, 6]).sort()).toEqual([5, 6])
  })

  it('explores first where the fewest verified fraud proofs stand against a peer, even below the slashing threshold', () => {
    const view = world()
    const fraud = new FraudLedger(10, 1)
    fraud.record({ kind: 'failed-canary', offender: 3, topic: 0, reporter: 0 })
    const proofsAgainst = (peer: number): number => fraud.against(peer)
    expect(fraud.shouldSlash(3, new Float64Array(10))).toBe(false)
    // A caught cheat explores no sooner than a fresh identity, and after a clean established one.
    expect(preferredCandidates(view, [3, 5], { proofsAgainst }).sort()).toEqual([3, 5])
    expect(preferredCandidates(view, [3, 4], { proofsAgainst })).toEqual([4])
    // One accuser's proofs weigh at most one: two reporters outweigh it.
    for (let x = 0; x < 5; x++) fraud.record({ kind: 'disputed-receipt', offender: 4, topic: 0, reporter: 1 })
    expect(preferredCandidates(view, [3, 4], { proofsAgainst }).sort()).toEqual([3, 4])
    fraud.record({ kind: 'disputed-receipt', offender: 4, topic: 0, reporter: 2 })
    expect(preferredCandidates(view, [3, 4], { proofsAgainst })).toEqual([3])
    expect(preferredCandidates(view, [2, 3], { proofsAgainst })).toEqual([2]) // proofs order exploration only; the endorsed peer wins
  })

  it('is the argmax of the selection trust the app ranks by: every known peer above every unknown, the unknowns near the floor', () => {
    const view = world()
    const fraud = new FraudLedger(10, 1)
    fraud.record({ kind: 'failed-canary', offender: 4, topic: 0, reporter: 0 })
    const evidence = { self: 0, proofsAgainst: (peer: number): number => fraud.against(peer) }
    const trust = (peer: number): number | undefined => selectionTrust(view, peer, evidence)
    // The best-endorsed peer other than the person is the measure of "fully trusted".
    expect(trust(1)).toBe(1)
    expect(trust(2)).toBeCloseTo(relativeTrust(view, 2, 0), 12)
    expect(trust(2)!).toBeLessThan(1)
    for (const unknown of [3, 4, 5]) {
      expect(trust(unknown)!).toBeGreaterThan(0)
      expect(trust(unknown)!).toBeLessThan(trust(2)!)
      expect(trust(unknown)!).toBeLessThanOrEqual(EXPLORATION_CEILING)
    }
    expect(trust(3)!).toBeGreaterThan(trust(4)!) // a proof against 4
    expect(trust(3)!).toBeGreaterThan(trust(5)!) // 5 is fresh
    const candidates = [2, 3, 4, 5, 6]
    for (const subset of [candidates, [3, 4, 5], [4, 5, 6], [2, 5]]) {
      const best = Math.max(...subset.map(c => trust(c)!))
      expect(preferredCandidates(view, subset, evidence).sort()).toEqual(subset.filter(c => trust(c) === best).sort())
    }
    // The person's threshold for the topic, on relative trust: unknowns and the weaker known peer drop out.
    expect(selectionTrust(view, 3, { ...evidence, minRelative: 0.01 })).toBeUndefined()
    expect(selectionTrust(view, 2, { ...evidence, minRelative: trust(2)! + 0.01 })).toBeUndefined()
    expect(selectionTrust(view, 1, { ...evidence, minRelative: 0.99 })).toBe(1)
  })

  it('never offers the task to the candidate just rejected or to one the person vetoed', () => {
    const view = world({ own: [[1, 2], [1, -1]] })
    expect(preferredCandidates(view, [1, 2], { rejected: [1] })).toEqual([])
    expect(preferredCandidates(view, [1, 3, 4], { rejected: [1, 3] })).toEqual([4])
    expect(preferredCandidates(view, [2, 3])).toEqual([3])
  })
})
