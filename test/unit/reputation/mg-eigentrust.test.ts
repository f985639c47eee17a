import { describe, expect, it } from 'vitest'
import { createRandom, randomInt } from '../../../core/common/random.ts'
import { explainTrust } from '../../../core/reputation/breakdown.ts'
import { bridgeRelevance, consistencyGate, endorsed, PersonalTrust, standing, type TopicTrust, type TrustNetwork } from '../../../core/reputation/mg-eigentrust.ts'
import { FraudLedger } from '../../../core/reputation/slashing.ts'
import { knownTopicSimilarity } from '../../../core/reputation/topic-similarity.ts'
import { buildTrustMatrix, EvidenceLedger } from '../../../core/reputation/trust-graph.ts'

// The engine on graphs small enough to check by hand, and the properties a person relies on.

const PLAIN = { bridgeWeight: 0, newcomerPrior: 0, epsilon: 1e-14 }

function network (ledger: EvidenceLedger, slashed = new Uint8Array(ledger.peers), topics = ['code_generation']): TrustNetwork {
  return {
    peers: ledger.peers,
    matrices: topics.map((_, k) => buildTrustMatrix(ledger, [k], { excluded: slashed })),
    similarity: knownTopicSimilarity(topics),
    slashed
  }
}

const seeds = (...peers: number[]) => ({ seeds: () => ({ peers }) })

describe('MG-EigenTrust on hand-computed graphs', () => {
  it('a two-peer chain: t = (a, 1 − a) when the seed trusts the other peer fully', () => {
    const ledger = new EvidenceLedger(2, 1)
    ledger.addRating(0, 1, 0, 3, 0)
    const trust = new PersonalTrust(seeds(0), { ...PLAIN, alpha: 0.2 })
    const v = trust.compute(network(ledger), 0).vector
    // t0 = 0.2 + 0.8·t1 (peer 1 has no ratings: its mass falls back to the seed); t1 = 0.8·t0 → t0 = 1/1.8.
    expect(v[0]).toBeCloseTo(1 / 1.8, 10)
    expect(v[1]).toBeCloseTo(0.8 / 1.8, 10)
  })

  it('local trust is sat − unsat, normalised over positive entries', () => {
    const ledger = new EvidenceLedger(3, 1)
    ledger.addRating(0, 1, 0, 3, 1) // s = 2
    ledger.addRating(0, 2, 0, 2, 0) // s = 2
    ledger.addRating(1, 0, 0, 1, 0)
    ledger.addRating(2, 0, 0, 1, 0)
    const a = 0.5
    const v = new PersonalTrust(seeds(0), { ...PLAIN, alpha: a }).compute(network(ledger), 0).vector
    // t1 = t2 = (1−a)·t0/2; t0 = a + (1−a)(t1 + t2) → t0 = a / (1 − (1−a)²) = 0.5 / 0.75.
    const t0 = a / (1 - (1 - a) ** 2)
    expect(v[0]).toBeCloseTo(t0, 10)
    expect(v[1]).toBeCloseTo((1 - a) * t0 / 2, 10)
    expect(v[2]).toBeCloseTo((1 - a) * t0 / 2, 10)
  })

  it('net-negative evidence carries no trust', () => {
    const ledger = new EvidenceLedger(3, 1)
    ledger.addRating(0, 1, 0, 1, 4)
    ledger.addRating(0, 2, 0, 1, 0)
    const v = new PersonalTrust(seeds(0), PLAIN).compute(network(ledger), 0).vector
    expect(v[1]).toBe(0)
    expect(v[2]).toBeGreaterThan(0)
  })

  it('no seeds, no trust: a person who trusts no one has an all-zero vector', () => {
    const ledger = new EvidenceLedger(3, 1)
    ledger.addRating(1, 2, 0, 5, 0)
    const v = new PersonalTrust(seeds(), PLAIN).compute(network(ledger), 0).vector
    expect([...v]).toEqual([0, 0, 0])
  })
})

describe('Sybils', () => {
  it('peers with no positive path from the seed set get exactly zero, however they rate each other (seeded random graphs)', () => {
    for (let round = 0; round < 40; round++) {
      const random = createRandom(1000 + round)
      const honest = 20 + randomInt(random, 30)
      const sybils = 5 + randomInt(random, 40)
      const n = honest + sybils
      const ledger = new EvidenceLedger(n, 2)
      for (let e = 0; e < honest * 4; e++) ledger.addRating(randomInt(random, honest), randomInt(random, honest), randomInt(random, 2), 1 + randomInt(random, 5), randomInt(random, 3))
      // Sybils praise each other heavily and rate honest peers too; no honest peer ever rates a Sybil positively.
      for (let e = 0; e < sybils * 20; e++) ledger.addRating(honest + randomInt(random, sybils), honest + randomInt(random, sybils), randomInt(random, 2), 100, 0)
      for (let e = 0; e < sybils * 2; e++) ledger.addRating(honest + randomInt(random, sybils), randomInt(random, honest), randomInt(random, 2), 1, 0)
      for (let e = 0; e < sybils; e++) ledger.addRating(randomInt(random, honest), honest + randomInt(random, sybils), randomInt(random, 2), 0, 1 + randomInt(random, 3))
      const trust = new PersonalTrust(seeds(0, 1, 2), { bridgeWeight: 0.3 })
      const net = network(ledger, new Uint8Array(n), ['code_generation', 'code_review_security'])
      for (let pass = 0; pass < 2; pass++) {
        for (const result of trust.computeAll(net)) {
          for (let s = honest; s < n; s++) expect(result.vector[s]).toBe(0)
          expect(result.vector.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9)
        }
      }
    }
  })

  it('the newcomer prior is a fixed budget: a thousand fresh identities together get what one would', () => {
    const compute = (fresh: number): number => {
      const n = 3 + fresh
      const ledger = new EvidenceLedger(n, 1)
      ledger.addRating(0, 1, 0, 2, 0)
      ledger.addRating(1, 2, 0, 2, 0)
      const newcomers = Array.from({ length: fresh }, (_, x) => 3 + x)
      const v = new PersonalTrust({ seeds: () => ({ peers: [0] }), newcomers: () => newcomers }, { newcomerPrior: 0.02, bridgeWeight: 0 }).compute(network(ledger), 0).vector
      return newcomers.reduce((sum, peer) => sum + (v[peer] as number), 0)
    }
    const one = compute(1)
    expect(one).toBeGreaterThan(0)
    expect(compute(1000)).toBeCloseTo(one, 10)
  })
})

describe('the newcomer prior is for exploring, not an endorsement', () => {
  /** One step of the fixed point without pre-trust: (1−a)·Cᵀ·x, rows scaled by the person's credibility, inflow to vetoed peers dropped. */
  const step = (r: TopicTrust, x: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(x.length)
    for (let i = 0; i < x.length; i++) {
      for (let e = r.matrix.rowStart[i] as number; e < (r.matrix.rowStart[i + 1] as number); e++) {
        const j = r.matrix.ratee[e] as number
        if (r.blocked[j] === 0) out[j] = (out[j] as number) + (1 - r.alpha) * (r.matrix.weight[e] as number) * (r.raterCredibility[i] as number) * (x[i] as number)
      }
    }
    return out
  }

  it('fresh identities praising each other get above the newcomer level on the budget alone, and none of it counts as endorsed', () => {
    // 0 = the person, 1 = a provider it was satisfied with, 2 = one its contact 1 vouches for; 5..9 = fresh colluders praising each other.
    const n = 10
    const ledger = new EvidenceLedger(n, 1)
    ledger.addRating(0, 1, 0, 3, 0)
    ledger.addRating(1, 2, 0, 2, 0)
    for (let a = 5; a < n; a++) for (let b = 5; b < n; b++) ledger.addRating(a, b, 0, 20, 0)
    const fresh = [5, 6, 7, 8, 9]
    const r = new PersonalTrust({ seeds: () => ({ peers: [0] }), newcomers: () => fresh }, { bridgeWeight: 0, epsilon: 1e-14 }).compute(network(ledger), 0)
    for (const peer of fresh) {
      expect(r.vector[peer]).toBeGreaterThan(r.newcomerLevel * 1.5) // the budget passed around makes each one look better than a newcomer
      expect(endorsed(r, peer)).toBeLessThan(1e-12) // …but nobody the person trusts vouched for any of them
      expect(explainTrust(r, peer).endorsed).toBe(endorsed(r, peer))
    }
    expect(endorsed(r, 1)).toBeGreaterThan(r.newcomerLevel)
    expect(endorsed(r, 2)).toBeGreaterThan(r.newcomerLevel)
    expect(endorsed(r, 2)).toBeCloseTo(r.vector[2] as number, 12)
  })

  it('splits every score exactly: the newcomer share and the endorsed rest each solve the fixed point for their part of pre-trust', () => {
    const random = createRandom(23)
    const n = 60
    const ledger = new EvidenceLedger(n, 1)
    for (let e = 0; e < 400; e++) ledger.addRating(randomInt(random, n), randomInt(random, n), 0, randomInt(random, 4), randomInt(random, 2))
    const newcomers = [50, 51, 52, 53]
    const input = { seeds: () => ({ peers: [0, 1, 2] }), newcomers: () => newcomers, experience: () => ({ peers: [3, 4, 5], verdicts: [1, -1, 0.5] }), referees: () => [1, 2] }
    const r = new PersonalTrust(input, { bridgeWeight: 0, epsilon: 1e-14 }).compute(network(ledger), 0)
    expect(r.mix.newcomer).toBeGreaterThan(0)
    const fromPrior = r.fromNewcomerPrior
    const rest = r.vector.map((v, j) => v - (fromPrior[j] as number))
    const newcomerPart = new Float64Array(n)
    for (const peer of newcomers) newcomerPart[peer] = r.mix.newcomer * r.newcomerShare
    const viaPrior = step(r, fromPrior)
    const viaRest = step(r, rest)
    for (let j = 0; j < n; j++) {
      expect(fromPrior[j]).toBeCloseTo((viaPrior[j] as number) + r.fallbackMass * (newcomerPart[j] as number), 12)
      expect(rest[j]).toBeCloseTo((viaRest[j] as number) + r.fallbackMass * ((r.preTrust[j] as number) - (newcomerPart[j] as number)), 12)
      expect(rest[j]).toBeGreaterThan(-1e-12)
    }
  })

  it('bridges carry endorsed trust only: what the newcomer prior gave in one topic does not cross into a similar one', () => {
    const topics = ['code_generation', 'code_review_security']
    const ledger = new EvidenceLedger(6, 2)
    ledger.addRating(0, 1, 0, 5, 0)
    ledger.addRating(0, 2, 1, 5, 0)
    ledger.addRating(4, 5, 0, 9, 0) // fresh 4 and 5 praise each other in code_generation
    ledger.addRating(5, 4, 0, 9, 0)
    const net = network(ledger, new Uint8Array(6), topics)
    const trust = new PersonalTrust({ seeds: () => ({ peers: [0] }), newcomers: k => k === 0 ? [4, 5] : [] })
    trust.computeAll(net)
    const [build, review] = trust.computeAll(net) as [TopicTrust, TopicTrust]
    expect(build.vector[4]).toBeGreaterThan(0)
    expect(review.mix.bridge).toBeGreaterThan(0)
    expect(review.vector[1]).toBeGreaterThan(0) // endorsed trust in code_generation bridges as before
    // Zero to the engine's precision (ε = 1e-6 in L1 here): before, the budget's trust crossed with the bridge (about 1e-3 each).
    expect(review.vector[4]).toBeLessThan(1e-6)
    expect(review.vector[5]).toBeLessThan(1e-6)
  })
})

describe('fraud proofs', () => {
  it('a slashed peer is zero in every topic and its ratings no longer count', () => {
    const topics = ['code_generation', 'code_review_security', 'devops_tool_execution']
    const ledger = new EvidenceLedger(4, 3)
    for (let k = 0; k < 3; k++) {
      ledger.addRating(0, 1, k, 5, 0)
      ledger.addRating(0, 2, k, 5, 0)
      ledger.addRating(2, 3, k, 9, 0) // peer 3 is reachable only through peer 2
    }
    const before = new PersonalTrust(seeds(0)).computeAll(network(ledger, new Uint8Array(4), topics))
    for (const r of before) expect(r.vector[2]).toBeGreaterThan(0)
    const slashed = new Uint8Array(4)
    slashed[2] = 1
    const trust = new PersonalTrust(seeds(0, 2))
    const after = trust.computeAll(network(ledger, slashed, topics))
    for (const r of after) {
      expect(r.vector[2]).toBe(0)
      expect(r.vector[3]).toBe(0)
      expect(explainTrust(r, 2).penalties).toContainEqual({ kind: 'slashed' })
      expect(r.vector.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9)
    }
  })
})

describe('verified failures', () => {
  /** 0 = the person; 1 = an honest provider it used well; 2, 3 = honest requesters; 4 = a cheat; 5, 6 = its fellows padding its record. */
  function cheat (options: { reporters: number[], experience: boolean, topics?: string[], failedIn?: number }) {
    const topics = options.topics ?? ['code_generation']
    const k = options.failedIn ?? 0
    const ledger = new EvidenceLedger(8, topics.length)
    for (let t = 0; t < topics.length; t++) {
      ledger.addRating(0, 1, t, 10, 0)
      ledger.addRating(2, 1, t, 6, 0)
      ledger.addRating(3, 1, t, 5, 1) // one honest mistake of peer 1 among many good tasks
      if (t === 0) ledger.addRating(0, 4, t, 2, 0) // it served the person well in code_generation
      for (const fellow of [5, 6]) {
        ledger.addRating(fellow, 4, t, 20, 0) // receipts made among themselves
        ledger.addRating(fellow, 1, t, 0, 5) // and badmouthing the honest provider the person knows well
      }
    }
    for (const r of options.reporters) ledger.addRating(r, 4, k, 0, 1)
    const fraud = new FraudLedger(8, topics.length)
    fraud.record({ kind: 'failed-canary', offender: 1, topic: k, reporter: 3 })
    for (const r of options.reporters) fraud.record({ kind: 'failed-canary', offender: 4, topic: k, reporter: r })
    const net: TrustNetwork = { ...network(ledger, new Uint8Array(8), topics), failures: fraud }
    const input = { ...seeds(0), ...(options.experience ? { experience: () => ({ peers: [1], verdicts: [1] }) } : {}) }
    return Object.assign(new PersonalTrust(input).computeAll(net), { fraud })
  }

  it('makes a peer known bad where its proven failures stand out among the tasks credible raters gave it, padding or not', () => {
    const run = cheat({ reporters: [2, 3], experience: true })
    const [view] = run
    expect(view!.failing[4]).toBe(1)
    expect(standing(view!, 4)).toBe('known-bad')
    // The breakdown says why: both reporters' failures against the tasks the credible raters gave it.
    const failures = explainTrust(view!, 4, run.fraud).penalties.find(p => p.kind === 'failures')
    expect(failures).toEqual({ kind: 'failures', failures: 2, tasks: view!.witnessedTasks.get(4) })
    expect(failures!.tasks).toBeGreaterThan(0)
    expect(explainTrust(view!, 1).penalties.map(p => p.kind)).not.toContain('failures')
    // One failure among many credible tasks is an honest mistake.
    expect(standing(view!, 1)).toBe('selectable')
    // Without the person's own experience nothing discredits the fellows: their receipts count, and the failures drown in them.
    const [blind] = cheat({ reporters: [2, 3], experience: false })
    expect(standing(blind!, 4)).toBe('selectable')
  })

  it('carries failures proved by several reporters into every topic, one accuser\'s only into its own', () => {
    const topics = ['code_generation', 'data_analysis']
    const several = cheat({ reporters: [2, 3], experience: true, topics, failedIn: 1 })
    expect(several.map(view => standing(view, 4))).toEqual(['known-bad', 'known-bad'])
    const one = cheat({ reporters: [2], experience: true, topics, failedIn: 1 })
    expect(one.map(view => standing(view, 4))).toEqual(['selectable', 'known-bad'])
  })
})

describe('the consistency gate', () => {
  it('trust earned in code_generation does not carry into code_review_security after bad receipts there', () => {
    const topics = ['code_generation', 'code_review_security']
    const build = (defected: boolean): number => {
      const ledger = new EvidenceLedger(5, 2)
      ledger.addRating(0, 1, 0, 10, 0) // peer 1: excellent in code_generation
      ledger.addRating(0, 2, 1, 3, 0) // peer 2: honest reviewer the person knows
      ledger.addRating(0, 3, 0, 1, 0)
      ledger.addRating(0, 3, 1, 1, 0)
      if (defected) ledger.addRating(0, 1, 1, 0, 3) // …but peer 1 failed the person in code_review_security
      const net = network(ledger, new Uint8Array(5), topics)
      const trust = new PersonalTrust(seeds(0))
      trust.computeAll(net)
      return trust.compute(net, 1).vector[1] as number
    }
    expect(build(false)).toBeGreaterThan(0)
    expect(build(true)).toBe(0)
  })

  it('without the gate the same peer keeps bridged trust (the ablation differs)', () => {
    const ledger = new EvidenceLedger(3, 2)
    ledger.addRating(0, 1, 0, 10, 0)
    ledger.addRating(0, 1, 1, 0, 3)
    ledger.addRating(0, 2, 1, 3, 0)
    const net = network(ledger, new Uint8Array(3), ['code_generation', 'code_review_security'])
    const trust = new PersonalTrust(seeds(0), { gate: false })
    trust.computeAll(net)
    expect(trust.compute(net, 1).vector[1]).toBeGreaterThan(0)
  })
})

describe('the consistency gate and semantic weight', () => {
  it('is a hard rule: only net-negative credible evidence here cuts bridged trust, a smaller positive verdict cuts nothing', () => {
    expect(consistencyGate(-0.2, 1)).toBe(0)
    expect(consistencyGate(0.1, 1)).toBe(1)
    expect(consistencyGate(-1, 0)).toBe(1) // no evidence here: nothing to be inconsistent with
  })

  it('unrelated topics bridge nothing, and the bridge share grows with similarity', () => {
    expect(bridgeRelevance(0.3, 0.3)).toBe(0)
    expect(bridgeRelevance(0.1, 0.3)).toBe(0)
    expect(bridgeRelevance(1, 0.3)).toBe(1)
    expect(bridgeRelevance(0.84, 0.3)).toBeGreaterThan(bridgeRelevance(0.54, 0.3))
    // code_generation → creative_writing (similarity 0.18): a peer good only at code gets nothing in creative writing.
    const ledger = new EvidenceLedger(3, 2)
    ledger.addRating(0, 1, 0, 10, 0)
    ledger.addRating(0, 2, 1, 3, 0)
    const net = network(ledger, new Uint8Array(3), ['code_generation', 'creative_writing'])
    const trust = new PersonalTrust(seeds(0))
    trust.computeAll(net)
    const result = trust.compute(net, 1)
    expect(result.vector[1]).toBe(0)
    expect(result.mix.bridge).toBe(0)
  })
})

describe('the breakdown', () => {
  it('sums to the score for every peer and topic, with bridges, newcomers and discredited raters', () => {
    const random = createRandom(7)
    const topics = ['code_generation', 'code_review_security', 'devops_tool_execution']
    const n = 40
    const ledger = new EvidenceLedger(n, 3)
    for (let e = 0; e < 300; e++) ledger.addRating(randomInt(random, n - 5), randomInt(random, n - 5), randomInt(random, 3), randomInt(random, 4), randomInt(random, 2))
    const slashed = new Uint8Array(n)
    slashed[7] = 1
    const credibility = new Float64Array(n).fill(1)
    credibility[3] = 0.4
    const net: TrustNetwork = {
      peers: n,
      matrices: topics.map((_, k) => buildTrustMatrix(ledger, [k], { excluded: slashed, credibility })),
      similarity: knownTopicSimilarity(topics),
      slashed
    }
    const trust = new PersonalTrust({ seeds: () => ({ peers: [0, 1, 2, 7] }), newcomers: () => [n - 1, n - 2] }, { epsilon: 1e-4 })
    trust.computeAll(net)
    const results = trust.computeAll(net)
    let bridged = 0
    for (const result of results) {
      for (let peer = 0; peer < n; peer++) {
        const b = explainTrust(result, peer)
        const sum = b.parts.reduce((s, p) => s + p.amount, 0)
        expect(sum).toBeCloseTo(b.score, 14)
        expect(b.endorsed).toBeLessThanOrEqual(b.score)
        if (peer >= n - 2 && b.score > 0) expect(b.endorsed).toBeLessThan(b.score) // a newcomer's own share of the budget is no endorsement
        bridged += b.parts.filter(p => p.kind === 'bridge').length
      }
    }
    expect(bridged).toBeGreaterThan(0)
  })
})

describe('incremental recompute', () => {
  it('a warm start reaches the same vector as a cold one, in fewer iterations', () => {
    const random = createRandom(11)
    const n = 300
    const ledger = new EvidenceLedger(n, 1)
    for (let e = 0; e < 3000; e++) ledger.addRating(randomInt(random, n), randomInt(random, n), 0, 1 + randomInt(random, 3), 0)
    const warm = new PersonalTrust(seeds(0, 1), { alpha: 0.15, bridgeWeight: 0 })
    warm.compute(network(ledger), 0)
    ledger.addRating(5, 6, 0, 2, 0)
    const net = network(ledger)
    const warmResult = warm.compute(net, 0)
    const coldResult = new PersonalTrust(seeds(0, 1), { alpha: 0.15, bridgeWeight: 0 }).compute(net, 0)
    expect(warmResult.iterations).toBeLessThan(coldResult.iterations)
    let l1 = 0
    for (let j = 0; j < n; j++) l1 += Math.abs((warmResult.vector[j] as number) - (coldResult.vector[j] as number))
    expect(l1).toBeLessThan(1e-5)
  })
})

describe('personal experience first', () => {
  const two = (ledger: EvidenceLedger) => network(ledger, new Uint8Array(ledger.peers))

  it('a provider that failed the person is vetoed by that person only: zero for them, unchanged for others', () => {
    const ledger = new EvidenceLedger(4, 1)
    ledger.addRating(0, 2, 0, 1, 0) // the person's contact vouches for 1 and 3
    ledger.addRating(2, 1, 0, 5, 0)
    ledger.addRating(2, 3, 0, 5, 0)
    ledger.addRating(0, 1, 0, 0, 1) // …but 1 failed the person itself
    const mine = new PersonalTrust({ seeds: () => ({ peers: [0, 2] }), experience: () => ({ peers: [1, 2], verdicts: [-1, 1] }) }, PLAIN).compute(two(ledger), 0)
    const theirs = new PersonalTrust({ seeds: () => ({ peers: [2] }) }, PLAIN).compute(two(ledger), 0)
    expect(mine.vector[1]).toBe(0)
    expect(mine.vector[3]).toBeGreaterThan(0)
    expect(standing(mine, 1)).toBe('blocked')
    expect(explainTrust(mine, 1).penalties).toContainEqual({ kind: 'vetoed' })
    expect(theirs.vector[1]).toBeGreaterThan(0)
    expect(mine.vector.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 9)
  })

  it('a rater that praises peers the person saw fail, and pans peers it found good, loses its outgoing trust', () => {
    // 0 = person, 1 = honest provider, 2 = spy (serves 0 well, praises 3), 3 = colluder that failed 0.
    const ledger = new EvidenceLedger(4, 1)
    ledger.addRating(0, 2, 0, 4, 0)
    ledger.addRating(0, 1, 0, 4, 0)
    ledger.addRating(0, 3, 0, 0, 1)
    ledger.addRating(2, 3, 0, 9, 0)
    ledger.addRating(2, 1, 0, 0, 3)
    const naive = new PersonalTrust({ seeds: () => ({ peers: [0, 2] }) }, PLAIN).compute(two(ledger), 0)
    const judged = new PersonalTrust({ seeds: () => ({ peers: [0, 2] }), experience: () => ({ peers: [1, 2, 3], verdicts: [1, 1, -1] }) }, { ...PLAIN, alpha: 0.3 }).compute(two(ledger), 0)
    expect(naive.vector[3]).toBeGreaterThan(0.1)
    expect(judged.vector[3]).toBe(0) // vetoed, and the spy's praise no longer flows
    // credibility = ((1 + agree) / (1 + agree + 3·disagree))² with agree 0 (it praised nobody 0 found good), disagree 2 (3 and 1).
    expect(judged.raterCredibility[2]).toBeCloseTo((1 / 7) ** 2, 12)
    expect(judged.raterCredibility[0]).toBe(1)
  })

  it('a peer only badmouthed by strangers stays selectable: a bad rating takes no trust away and is no proof', () => {
    const ledger = new EvidenceLedger(4, 2)
    ledger.addRating(0, 1, 0, 3, 0)
    ledger.addRating(3, 1, 1, 0, 9) // a stranger pans 1 in the second topic
    const net = network(ledger, new Uint8Array(4), ['code_generation', 'code_review_security'])
    const trust = new PersonalTrust({ seeds: () => ({ peers: [0] }), experience: k => k === 0 ? { peers: [1], verdicts: [1] } : { peers: [], verdicts: [] } })
    trust.computeAll(net)
    const result = trust.compute(net, 1)
    expect(result.vector[1]).toBeGreaterThan(0)
    expect(standing(result, 1)).toBe('selectable')
  })
})
