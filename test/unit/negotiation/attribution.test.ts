import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrations } from '../../../core/migrations.ts'
import { RuleAttributor, type Attributor } from '../../../core/negotiation/attribution.ts'
import { RegressionSuite } from '../../../core/negotiation/regression.ts'
import { recurs } from '../../../core/negotiation/replay.ts'
import { TraceStore } from '../../../core/negotiation/trace-store.ts'
import { closeDatabase, openDatabase } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { LOOSE, trace } from './fixtures.ts'

const rules = new RuleAttributor()

function suiteAt (path = join(tempDir(), 'hearth.sqlite')) {
  const db = openDatabase(path, migrations)
  return { db, store: new TraceStore(db), suite: new RegressionSuite(new TraceStore(db), 'code_generation') }
}

describe('the rule-based attributor', () => {
  it('blames each failure on the clause that allowed it', async () => {
    const traces = [
      trace('late_delivery', { paid: 5, offeredEtaMs: 18_000, deliveredAfterMs: 22_000 }),
      trace('late_delivery', { paid: 5, offeredEtaMs: 5_000, deliveredAfterMs: 30_000 }),
      trace('wrong_result', { paid: 5 }),
      trace('quality_free_ride', { paid: 5, committedQuality: 1, deliveredQuality: 0.6 }),
      trace('over_charging', { paid: 15, price: 15, marketPrice: 5 }),
      trace('egress_violation', { paid: 5, dataClass: 'personal' })
    ]
    expect((await rules.attribute(traces, LOOSE)).map(a => a.clause)).toEqual(['deadline', 'penalty', 'canary', 'tier', 'reward', 'egress'])
    // Once a canary runs, a wrong result is blamed on a slash too weak to deter.
    expect((await rules.attribute([traces[2]!], { ...LOOSE, canary: true }))[0]!.clause).toBe('penalty')
  })
})

describe('repair and the regression suite', () => {
  it('accepts a repair only when no stored failure recurs, and the traces survive a restart', async () => {
    const path = join(tempDir(), 'hearth.sqlite')
    const first = suiteAt(path)
    first.suite.record(trace('egress_violation', { paid: 5, dataClass: 'personal' }))
    first.suite.record(trace('wrong_result', { paid: 6 }))
    closeDatabase(first.db)

    const { db, suite } = suiteAt(path)
    expect(suite.check(LOOSE)).toMatchObject({ total: 2, passed: 0, passRate: 0 })
    const outcome = await suite.repair(LOOSE, rules)
    expect(outcome.accepted).toBe(true)
    expect(outcome.mechanism.egress).toEqual({ allowedDataClasses: ['public'], redactionRequired: true })
    // The canary alone catches 9 in 10: the slash must make the expected loss exceed what the task paid.
    expect(outcome.mechanism.canary).toBe(true)
    expect(outcome.mechanism.penalties.fraudSlash).toBeCloseTo(0.67)
    expect(outcome.clauses).toEqual(expect.arrayContaining(['egress', 'canary', 'penalty']))
    expect(suite.check(outcome.mechanism).passRate).toBe(1)
    closeDatabase(db)
  })

  it('rejects a repair that leaves a stored failure recurring, keeping the old mechanism', async () => {
    const { db, suite } = suiteAt()
    suite.record(trace('late_delivery', { paid: 5, offeredEtaMs: 18_000, deliveredAfterMs: 25_000 }))
    const wrongBlame: Attributor = { attribute: async traces => traces.map((_, i) => ({ trace: i, clause: 'reward' as const, explanation: 'wrong' })) }
    const outcome = await suite.repair(LOOSE, wrongBlame)
    expect(outcome.accepted).toBe(false)
    expect(outcome.mechanism).toBe(LOOSE)
    expect(outcome.check.failing).toHaveLength(1)
    // The right blame widens the deadline past the late delivery.
    const fixed = await suite.repair(LOOSE, rules)
    expect(fixed.accepted).toBe(true)
    expect(fixed.mechanism.windowMs).toBe(30_000)
    closeDatabase(db)
  })

  it('refuses a later loosening that would reopen an earlier failure', async () => {
    const { db, suite } = suiteAt()
    suite.record(trace('egress_violation', { paid: 5, dataClass: 'personal' }))
    const repaired = (await suite.repair(LOOSE, rules)).mechanism
    expect(suite.admits(repaired)).toBe(true)
    expect(suite.admits({ ...repaired, egress: LOOSE.egress })).toBe(false)
    closeDatabase(db)
  })

  it('replays a failure under the terms it happened under as recurring, and deliberate lateness as deterred by a fee', () => {
    const laggard = trace('late_delivery', { paid: 5, offeredEtaMs: 5_000, deliveredAfterMs: 30_000 })
    const honestLate = trace('late_delivery', { paid: 5, offeredEtaMs: 18_000, deliveredAfterMs: 25_000 })
    const fee = { ...LOOSE, penalties: { ...LOOSE.penalties, lateFee: 5 } }
    expect([recurs(laggard, LOOSE), recurs(honestLate, LOOSE)]).toEqual([true, true])
    expect([recurs(laggard, fee), recurs(honestLate, fee)]).toEqual([false, true])
  })

  it('records mechanisms adopted per topic, newest current', () => {
    const { db, store } = suiteAt()
    expect(store.current('code_generation')).toBeUndefined()
    store.adopt('code_generation', LOOSE, 'initial', 1)
    store.adopt('code_generation', { ...LOOSE, canary: true }, 'repaired canary', 2)
    expect(store.current('code_generation')).toMatchObject({ version: 2, reason: 'repaired canary', mechanism: { canary: true } })
    closeDatabase(db)
  })
})
