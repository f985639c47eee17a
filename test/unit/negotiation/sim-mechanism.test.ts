import { expect, it } from 'vitest'
import { simulateMechanism } from '../../../core/sim/mechanism/simulate.ts'

// The simulator runs the app's selection, best response, attribution and regression code; a seed fixes the whole run.

it('gives the same rounds for the same seed, and other rounds for another', async () => {
  const scenario = { rounds: 3, providers: 10, tasks: 5, seed: 7 }
  const [a, b, c] = await Promise.all([simulateMechanism(scenario), simulateMechanism(scenario), simulateMechanism({ ...scenario, seed: 8 })])
  expect(a.rounds).toEqual(b.rounds)
  expect(c.rounds).not.toEqual(a.rounds)
})

it('stops the exploits that pay under the naive terms: IC violations fall to zero once repairs are accepted', async () => {
  const { rounds, summary } = await simulateMechanism({ rounds: 5, providers: 20, tasks: 10, seed: 5 })
  expect(rounds[0]!.ic_violations).toBeGreaterThan(0)
  expect(rounds[0]!.regression_pass_rate).toBe(0)
  expect(rounds.at(-1)).toMatchObject({ ic_violations: 0, regression_pass_rate: 1 })
  expect(summary.repairs_accepted).toBeGreaterThan(0)
})
