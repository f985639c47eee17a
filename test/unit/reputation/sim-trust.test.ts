import { describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '../../../core/sim/trust/metrics.ts'
import { METHOD_NAMES } from '../../../core/sim/trust/methods.ts'
import { DEFAULT_SCENARIO, parseScenario } from '../../../core/sim/trust/scenario.ts'
import { simulateTrust } from '../../../core/sim/trust/simulate.ts'
import { threatModel } from '../../../core/sim/trust/threat-models.ts'

// The trust simulator's contract, on a run small enough for a unit test.

describe('hearth sim trust (in process)', () => {
  it('returns every method with every metric as a plain number, and says how views are computed', () => {
    const result = simulateTrust({ ...DEFAULT_SCENARIO, nodes: 30, epochs: 5, seeds: 1 })
    expect(Object.keys(result.methods).sort()).toEqual([...METHOD_NAMES].sort())
    for (const name of METHOD_NAMES) {
      for (const metric of METRIC_NAMES) expect(Number.isFinite(result.methods[name][metric])).toBe(true)
    }
    expect(result.methods.random.control_entries_per_epoch).toBe(0)
    expect(result.methods.mg.honest_success).toBeGreaterThan(0.5)
    expect(result.scenario).toMatchObject({ nodes: 30, epochs: 5, seeds: 1, model: 'disguise' })
    expect(String(result.scenario.views)).toMatch(/personal/)
  })

  it('is reproducible: the same scenario gives the same figures', () => {
    const scenario = { ...DEFAULT_SCENARIO, nodes: 30, topics: 2, epochs: 4, seeds: 1, model: 'D' as const, malicious: 0.3 }
    expect(simulateTrust(scenario).methods).toEqual(simulateTrust(scenario).methods)
  })

  it('keeps EigenTrust\'s models distinct at the same --camouflage: B vouches in a chain, C for all fellows and rates honestly', () => {
    const members = [10, 11, 12, 13]
    const b = threatModel('B')
    const c = threatModel('C')
    expect(b.vouchesFor(members, 1, [])).toEqual([12])
    expect(c.vouchesFor(members, 1, [])).toEqual([10, 12, 13])
    expect(b.camouflage(0.5)).toBe(0.5)
    expect(c.camouflage(0.5)).toBe(0.5)
    expect(c.camouflage(0)).toBe(0.3)
    const run = (model: 'B' | 'C') => simulateTrust({ ...DEFAULT_SCENARIO, nodes: 30, topics: 2, epochs: 4, seeds: 1, model, malicious: 0.4, camouflage: 0.5, methods: ['mg'] }).methods.mg
    expect(run('B')).not.toEqual(run('C'))
  })

  it('does not add honest agents\' chance failures up to a slash over a long life in many topics (a count rule penalised 46 % here)', () => {
    const mg = simulateTrust({ ...DEFAULT_SCENARIO, nodes: 30, topics: 8, epochs: 40, seeds: 1, model: 'B', methods: ['mg'] }).methods.mg
    expect(mg.false_positive_rate).toBeLessThanOrEqual(0.05)
    expect(mg.attack_success).toBeLessThanOrEqual(0.05)
    expect(mg.honest_success).toBeGreaterThanOrEqual(0.9)
  }, 60_000)

  it('runs only the methods asked for', () => {
    const result = simulateTrust({ ...DEFAULT_SCENARIO, nodes: 20, topics: 2, epochs: 3, seeds: 1, methods: ['random', 'mg'] })
    expect(Object.keys(result.methods)).toEqual(['random', 'mg'])
  })

  it('rejects options outside their range with a UsageError', () => {
    expect(() => parseScenario({ model: 'Z' })).toThrow(expect.objectContaining({ name: 'UsageError' }))
    expect(() => parseScenario({ malicious: '1.5' })).toThrow(expect.objectContaining({ name: 'UsageError' }))
    expect(() => parseScenario({ methods: 'mg,bogus' })).toThrow(expect.objectContaining({ name: 'UsageError' }))
    expect(parseScenario({ nodes: '50', topics: '2' })).toMatchObject({ nodes: 50, topics: 2, epochs: 50 })
  })
})
