import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'

// `hearth sim mechanism … --json` as a person runs it: one JSON line last on stdout, one report per round.

describe('hearth sim mechanism', () => {
  it('reports IC/IR violations, system loss and regression pass rate per round, and repairs cut violations and loss', async () => {
    const r = await hearth(['sim', 'mechanism', '--rounds', '6', '--providers', '20', '--tasks', '10', '--seed', '2', '--markdown', '--json'])
    expect(r.code).toBe(0)
    expect(r.json.rounds).toHaveLength(6)
    r.json.rounds.forEach((round: any, i: number) => {
      expect(round.round).toBe(i + 1)
      for (const field of ['ic_violations', 'ir_violations', 'system_loss', 'regression_pass_rate']) expect(typeof round[field]).toBe('number')
      expect(round.regression_pass_rate).toBeGreaterThanOrEqual(0)
      expect(round.regression_pass_rate).toBeLessThanOrEqual(1)
    })
    const [first, last] = [r.json.rounds[0], r.json.rounds.at(-1)]
    expect(first.ic_violations).toBeGreaterThan(0)
    expect(last.ic_violations).toBeLessThan(first.ic_violations)
    expect(last.system_loss).toBeLessThan(first.system_loss)
    expect(r.json.summary.repairs_accepted).toBeGreaterThan(0)
    expect(r.json.summary.final_regression_pass_rate).toBe(1)
    // The leader ends with a canary or a stronger tier than the naive round-1 terms.
    expect(r.json.summary.final_mechanism.canary === true || r.json.summary.final_mechanism.tier !== 'T1').toBe(true)
    expect(r.stdout).toMatch(/\| round \| ic_violations/)
    expect(r.stderr).toMatch(/round 1:/)
  }, 60_000)

  it('fails in one line with a bad option', async () => {
    const r = await hearth(['sim', 'mechanism', '--rounds', '0', '--json'])
    expect(r.code).not.toBe(0)
    expect(r.json.error.name).toBe('UsageError')
  }, 60_000)
})
