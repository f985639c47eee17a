import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'

// `hearth sim trust … --json` as a person runs it: the last stdout line is the whole result.

describe('hearth sim trust', () => {
  it('prints the scenario and every method as one JSON line last on stdout', async () => {
    // From source: its seed workers load their own module beside the caller, which the test bundle does not carry.
    const r = await hearth(['sim', 'trust', '--nodes', '30', '--epochs', '4', '--seeds', '1', '--topics', '3', '--markdown', '--json'], {}, { fromSource: true })
    expect(r.code).toBe(0)
    expect(r.json.scenario).toMatchObject({ nodes: 30, epochs: 4, topics: 3, seeds: 1 })
    for (const name of ['random', 'flattened', 'per_topic', 'mg', 'mg_no_slashing', 'mg_no_gate', 'mg_no_semantic']) {
      expect(typeof r.json.methods[name].attack_success).toBe('number')
      expect(typeof r.json.methods[name].false_positive_rate).toBe('number')
    }
    expect(r.stdout).toMatch(/\| method \| attack_success/)
  }, 60_000)

  it('fails in one line with a bad option', async () => {
    const r = await hearth(['sim', 'trust', '--model', 'E', '--json'])
    expect(r.code).not.toBe(0)
    expect(r.json.error.name).toBe('UsageError')
  })
})
