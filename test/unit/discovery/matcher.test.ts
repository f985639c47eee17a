import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../core/common/hash.ts'
import { encodeDescriptor, TOPICS, type CapabilityDescriptor } from '../../../core/discovery/descriptor.ts'
import { CapabilityIndex, qosFactor, schemaCompatible, type DiscoverConstraints, type TrustHook } from '../../../core/discovery/matcher.ts'
import { makeDescriptor, makeIntent } from '../../helpers/descriptors.ts'

const NOW = 1_750_000_000_000

const agentOf = (label: string): Uint8Array => sha256(new TextEncoder().encode(label))

/** A descriptor that admits any ordinary request, so each test changes only what it is about. */
function capability (id: string, text: Pick<CapabilityDescriptor, 'name' | 'description' | 'tags' | 'topics'>, overrides: Partial<CapabilityDescriptor> = {}): CapabilityDescriptor {
  return {
    ...makeDescriptor(0, { now: NOW, agent: agentOf(id) }),
    id,
    ...text,
    inputSchema: { type: 'object', properties: { code: { type: 'string' }, language: { type: 'string' } }, required: ['code'], additionalProperties: false },
    outputSchema: { type: 'object', properties: { findings: { type: 'array' }, summary: { type: 'string' } } },
    constraints: { maxInputBytes: 64 * 1024, dataClasses: ['source_code', 'public_text'], minRequesterTrust: 0.3, ratePerMinute: 60, price: 0.05 },
    qos: { p50LatencyMs: 1000, successRate: 0.9 },
    verification: { tiersOffered: [0, 1, 2] },
    state: { available: true, load: 0.2 },
    ttlMs: 60_000,
    ...overrides
  }
}

const securityReview = capability('security-review', {
  name: 'Security code review',
  description: 'Reviews source code for vulnerabilities such as SQL injection and cross-site scripting, with a fix for each finding.',
  tags: ['security', 'vulnerabilities', 'code-review'],
  topics: ['code_review_security']
})
const dependencyAudit = capability('dependency-audit', {
  name: 'Dependency audit',
  description: 'Checks your dependencies against security advisories and known CVEs, and proposes upgrades.',
  tags: ['security', 'supply-chain'],
  topics: ['code_review_security']
})
const unitTests = capability('unit-tests', {
  name: 'Unit test writer',
  description: 'Writes unit tests for TypeScript and Python code, covering edge cases and error handling.',
  tags: ['testing', 'codegen'],
  topics: ['code_generation']
})
const poetry = capability('poetry', {
  name: 'Poetry composer',
  description: 'Writes poems for birthdays, weddings and farewells, in the tone you ask for.',
  tags: ['poetry', 'poems', 'verse'],
  topics: ['creative_writing']
})
const rollout = capability('rollout', {
  name: 'Kubernetes deployment operator',
  description: 'Rolls out and rolls back deployments on Kubernetes clusters, with a dry run first.',
  tags: ['kubernetes', 'kubectl', 'rollback'],
  topics: ['devops_tool_execution']
})
const forecaster = capability('forecaster', {
  name: 'Time series forecaster',
  description: 'Forecasts revenue and demand from daily data, with seasonality and confidence intervals.',
  tags: ['forecasting', 'time-series'],
  topics: ['data_analysis']
})

const CATALOGUE = [securityReview, dependencyAudit, unitTests, poetry, rollout, forecaster]

function indexWith (descriptors: readonly CapabilityDescriptor[], init: { trust?: TrustHook } = {}): CapabilityIndex {
  const index = new CapabilityIndex(init)
  for (const d of descriptors) index.upsert(d)
  return index
}

const ids = async (index: CapabilityIndex, intent: string, constraints: DiscoverConstraints = {}, now = NOW): Promise<string[]> =>
  (await index.discover(intent, constraints, { now })).map(c => c.descriptor.id)

describe('discover: relevance', () => {
  it.each([
    ['please review my login code for SQL injection', 'security-review'],
    ['are any of my dependencies affected by known CVEs?', 'dependency-audit'],
    ['write unit tests for my Python module', 'unit-tests'],
    ['a poem for my grandmother’s birthday', 'poetry'],
    ['roll back the kubernetes deployment', 'rollout'],
    ['forecast next month’s revenue', 'forecaster']
  ])('“%s” finds %s first', async (intent, expected) => {
    expect((await ids(indexWith(CATALOGUE), intent))[0]).toBe(expected)
  })

  it('returns nothing, not everything, when no capability shares a word with the intent', async () => {
    expect(await ids(indexWith(CATALOGUE), 'bake a sourdough loaf')).toEqual([])
  })

  it('explains the ranking: relevance 1 for the best match, the words matched, the QoS claimed', async () => {
    const [best] = await indexWith(CATALOGUE).discover('security review', {}, { now: NOW })
    expect(best).toMatchObject({ relevance: 1, trust: 1, qos: qosFactor(securityReview.qos) })
    expect(best!.score).toBeCloseTo(best!.qos)
    expect(best!.reasons).toEqual(['matches “security”, “review”', 'reports 90% success, 1000 ms typical'])
  })

  it('honours the limit', async () => {
    const index = indexWith(CATALOGUE)
    expect(await index.discover('writes code', {}, { now: NOW, limit: 1 })).toHaveLength(1)
  })

  it('puts the capability aimed at the intent’s topic first across a generated fleet', async () => {
    const index = indexWith(Array.from({ length: 500 }, (_, i) => makeDescriptor(i, { now: NOW })))
    for (let i = 0; i < 50; i++) {
      const intent = makeIntent(i)
      const [best] = await index.discover(intent.text, {}, { now: NOW })
      expect(best?.descriptor.topics, intent.text).toContain(intent.topic)
    }
  })
})

describe('discover: hard constraints', () => {
  const excluded = async (violating: CapabilityDescriptor, constraints: DiscoverConstraints, control: DiscoverConstraints = {}) => {
    const index = indexWith([violating, dependencyAudit])
    const intent = 'security review of my code for vulnerabilities'
    expect(await ids(index, intent, control)).toContain(violating.id)
    return !(await ids(index, intent, constraints)).includes(violating.id)
  }
  const review = (overrides: Partial<CapabilityDescriptor>) => ({ ...securityReview, ...overrides })
  const limits = (overrides: Partial<CapabilityDescriptor['constraints']>) => review({ constraints: { ...securityReview.constraints, ...overrides } })

  it.each<[string, CapabilityDescriptor, DiscoverConstraints, DiscoverConstraints?]>([
    ['is too expensive', limits({ price: 0.5 }), { maxPrice: 0.1 }],
    ['does not accept the data class', limits({ dataClasses: ['public_text'] }), { dataClasses: ['source_code'] }],
    ['requires more trust than the requester has', limits({ minRequesterTrust: 0.8 }), { requesterTrust: 0.5 }],
    ['takes smaller inputs', limits({ maxInputBytes: 1024 }), { inputBytes: 4096 }],
    ['is in another topic', review({ topics: ['code_generation'] }), { topic: 'code_review_security' }],
    ['offers no acceptable verification tier', review({ verification: { tiersOffered: [0, 1] } }), { tiers: [2, 3] }],
    ['is unavailable', review({ state: { available: false, load: 1 } }), {}, { available: false }],
    ['belongs to an excluded agent', securityReview, { excludeAgents: [agentOf('nobody'), securityReview.agent] }]
  ])('excludes a capability that %s', async (_, violating, constraints, control) => {
    expect(await excluded(violating, constraints, control)).toBe(true)
  })

  it('admits a capability that meets each limit exactly', async () => {
    const exact: DiscoverConstraints = {
      maxPrice: 0.05,
      requesterTrust: 0.3,
      inputBytes: 64 * 1024,
      dataClasses: ['source_code', 'public_text'],
      topic: 'code_review_security',
      tiers: [2, 3]
    }
    expect(await ids(indexWith([securityReview]), 'security review', exact)).toEqual(['security-review'])
  })
})

describe('schema compatibility', () => {
  it('requires every required input and, for a closed schema, no unknown input', () => {
    expect(schemaCompatible(securityReview, { inputFields: ['code'] })).toBe(true)
    expect(schemaCompatible(securityReview, { inputFields: ['code', 'language'] })).toBe(true)
    expect(schemaCompatible(securityReview, { inputFields: ['language'] })).toBe(false)
    expect(schemaCompatible(securityReview, { inputFields: ['code', 'repository_url'] })).toBe(false)
  })

  it('lets an open schema take extra inputs', () => {
    const open = { ...securityReview, inputSchema: { ...securityReview.inputSchema, additionalProperties: true } }
    expect(schemaCompatible(open, { inputFields: ['code', 'repository_url'] })).toBe(true)
  })

  it('requires every needed output to be a declared property', () => {
    expect(schemaCompatible(securityReview, { outputFields: ['findings', 'summary'] })).toBe(true)
    expect(schemaCompatible(securityReview, { outputFields: ['sarif'] })).toBe(false)
  })

  it('excludes incompatible capabilities from discovery', async () => {
    const index = indexWith([securityReview, dependencyAudit])
    const audit = { inputSchema: { type: 'object', properties: { manifest: { type: 'string' } }, required: ['manifest'] } }
    index.upsert({ ...dependencyAudit, ...audit })
    expect(await ids(index, 'security', { inputFields: ['code'] })).toEqual(['security-review'])
    expect(await ids(index, 'security', { inputFields: ['manifest'] })).toEqual(['dependency-audit'])
  })
})

describe('soft state', () => {
  it('never returns an expired descriptor, and expire() drops it', async () => {
    const index = indexWith([securityReview, { ...dependencyAudit, ttlMs: 120_000 }])
    expect(await ids(index, 'security', {}, NOW + 59_999)).toContain('security-review')
    expect(await ids(index, 'security', {}, NOW + 60_000)).toEqual(['dependency-audit'])
    expect(index.expire(NOW + 60_000)).toBe(1)
    expect(index.size).toBe(1)
  })

  it('counts the capabilities held per agent through refreshes, removal and expiry (the per-agent limit reads it)', () => {
    const index = indexWith([securityReview, { ...dependencyAudit, agent: securityReview.agent, ttlMs: 120_000 }])
    expect(index.countOf(securityReview.agent)).toBe(2)
    expect(index.upsert({ ...securityReview, issuedAt: NOW + 1 })).toBe(true)
    expect(index.countOf(securityReview.agent)).toBe(2)
    expect(index.expire(NOW + 60_001)).toBe(1)
    expect(index.countOf(securityReview.agent)).toBe(1)
    expect(index.remove(securityReview.agent, dependencyAudit.id)).toBe(true)
    expect(index.remove(securityReview.agent, dependencyAudit.id)).toBe(false)
    expect(index.countOf(securityReview.agent)).toBe(0)
  })

  it('upsert replaces the older version of a capability and ignores a late older one', async () => {
    const index = indexWith([securityReview])
    const renamed = { ...securityReview, issuedAt: NOW + 1, name: 'Poetry composer', description: 'Writes poems.', tags: ['poetry'], topics: ['creative_writing'] }
    expect(index.upsert(renamed)).toBe(true)
    expect(index.upsert(securityReview)).toBe(false)
    expect(index.size).toBe(1)
    expect(await ids(index, 'security review', {}, NOW + 1)).toEqual([])
    expect(await ids(index, 'poetry', {}, NOW + 1)).toEqual(['security-review'])
  })

  it('remove forgets a capability, and the ranking equals that of an index that never had it', async () => {
    const fleet = Array.from({ length: 300 }, (_, i) => makeDescriptor(i, { now: NOW }))
    const index = indexWith(fleet)
    const removed = fleet.filter((_, i) => i % 3 === 0)
    for (const d of removed) expect(index.remove(d.agent, d.id)).toBe(true)
    expect(index.remove(removed[0]!.agent, removed[0]!.id)).toBe(false)
    const fresh = indexWith(fleet.filter((_, i) => i % 3 !== 0))
    for (let i = 0; i < 20; i++) {
      const intent = makeIntent(i).text
      const summary = async (ix: CapabilityIndex) => (await ix.discover(intent, {}, { now: NOW })).map(c => [c.descriptor.id, c.score])
      expect(await summary(index)).toEqual(await summary(fresh))
    }
  })
})

describe('ranking factors', () => {
  const twin = capability('security-review-twin', {
    name: securityReview.name,
    description: securityReview.description,
    tags: securityReview.tags,
    topics: securityReview.topics
  }, { qos: { p50LatencyMs: 800, successRate: 0.95 } })

  it('prefers the better self-reported QoS between equally relevant capabilities', async () => {
    expect(await ids(indexWith([securityReview, twin]), 'security review')).toEqual(['security-review-twin', 'security-review'])
  })

  it('keeps QoS a bounded nudge in [0.5, 1]', () => {
    expect(qosFactor({ p50LatencyMs: 0, successRate: 1 })).toBe(1)
    expect(qosFactor({ p50LatencyMs: 1e9, successRate: 0 })).toBeCloseTo(0.5)
  })

  it('lets the trust hook reorder candidates, per topic', async () => {
    const asked: string[][] = []
    const trust: TrustHook = (agent, topics) => {
      asked.push([...topics])
      return agent.every((b, i) => b === twin.agent[i]) ? 0.2 : 0.9
    }
    const ranked = await indexWith([securityReview, twin], { trust }).discover('security review', { topic: 'code_review_security' }, { now: NOW })
    expect(ranked.map(c => c.descriptor.id)).toEqual(['security-review', 'security-review-twin'])
    expect(ranked[1]).toMatchObject({ trust: 0.2 })
    expect(ranked[1]!.reasons).toContain('trust 0.20 in code_review_security')
    expect(new Set(asked.flat())).toEqual(new Set(['code_review_security']))
  })

  it('asks about the topics a descriptor offers when no topic is given', async () => {
    const asked: string[][] = []
    await indexWith([securityReview], { trust: (_agent, topics) => { asked.push([...topics]); return 1 } }).discover('security', {}, { now: NOW })
    expect(asked).toEqual([securityReview.topics])
  })

  it('leaves out agents the trust hook refuses, and keeps relevance order among the untrusted', async () => {
    const refused = await indexWith([securityReview, twin], { trust: agent => agent.every((b, i) => b === twin.agent[i]) ? undefined : 1 }).discover('security review', {}, { now: NOW })
    expect(refused.map(c => c.descriptor.id)).toEqual(['security-review'])
    const untrusted = await indexWith([securityReview, twin], { trust: () => 0 }).discover('security review', {}, { now: NOW })
    const neutral = await indexWith([securityReview, twin]).discover('security review', {}, { now: NOW })
    expect(untrusted.map(c => c.descriptor.id)).toEqual(neutral.map(c => c.descriptor.id))
    expect(untrusted[0]!.score).toBeGreaterThan(0)
  })

  it('clamps a faulty trust hook into [0, 1]', async () => {
    const ranked = await indexWith([securityReview], { trust: () => 7 }).discover('security', {}, { now: NOW })
    expect(ranked[0]!.trust).toBe(1)
  })
})

describe('descriptor fleet generator', () => {
  it('makes valid descriptors of 2–4 KiB across all topics, the same for the same index', () => {
    const topics = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const size = encodeDescriptor(makeDescriptor(i, { now: NOW })).byteLength
      expect(size).toBeGreaterThanOrEqual(2048)
      expect(size).toBeLessThanOrEqual(4096)
      topics.add(makeDescriptor(i).topics[0]!)
    }
    expect([...topics].sort()).toEqual([...TOPICS].sort())
    expect(makeDescriptor(42, { now: NOW })).toEqual(makeDescriptor(42, { now: NOW }))
    expect(makeIntent(42)).toEqual(makeIntent(42))
  })
})
