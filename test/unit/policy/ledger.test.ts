import { expect, it } from 'vitest'
import { InvalidLedgerEntryError } from '../../../core/api/errors.ts'
import { baidIdOf } from '../../../core/identity/ids.ts'
import { peer, policyRig } from '../../helpers/policy.ts'

it('shows per peer and in total what the agent offered, earned and spent, across a restart', () => {
  const rig = policyRig()
  const { ledger } = rig.policy
  expect(ledger.record({ task: 't1', peer: peer(1), kind: 'earned', credits: 5, capability: 'summarise', topic: 'data_analysis' })).toBe(true)
  rig.clock.now += 1000
  expect(ledger.record({ task: 't2', peer: peer(1), kind: 'earned', credits: 2.5 })).toBe(true)
  expect(ledger.record({ task: 't3', peer: peer(2), kind: 'offered', credits: 4 })).toBe(true)
  expect(ledger.record({ task: 't3', peer: peer(2), kind: 'spent', credits: 3 })).toBe(true)
  expect(ledger.record({ task: 't4', peer: peer(1), kind: 'spent', credits: 1 })).toBe(true)
  const reopened = rig.reopen().ledger
  expect(reopened.balance(peer(1))).toEqual({ offered: 0, earned: 7.5, spent: 1, net: 6.5 })
  expect(reopened.balance(peer(2))).toEqual({ offered: 4, earned: 0, spent: 3, net: -3 })
  expect(reopened.balance(peer(3))).toEqual({ offered: 0, earned: 0, spent: 0, net: 0 })
  expect(reopened.totals()).toEqual({ offered: 4, earned: 7.5, spent: 4, net: 3.5 })
  expect(reopened.balances().map(b => [b.peer, b.net])).toEqual([[baidIdOf(peer(1)), 6.5], [baidIdOf(peer(2)), -3]])
  expect(reopened.entries({ peer: peer(1) }).map(e => [e.task, e.kind, e.credits])).toEqual([['t4', 'spent', 1], ['t2', 'earned', 2.5], ['t1', 'earned', 5]])
  expect(reopened.entries({ task: 't1' })).toEqual([{ id: 1, task: 't1', peer: baidIdOf(peer(1)), kind: 'earned', credits: 5, capability: 'summarise', topic: 'data_analysis', at: Date.UTC(2026, 10, 1) }])
  expect(reopened.entries({ limit: 2 })).toHaveLength(2)
})

it('counts a retried report of the same task once', () => {
  const { policy } = policyRig()
  expect(policy.ledger.record({ task: 't1', peer: peer(1), kind: 'earned', credits: 5 })).toBe(true)
  expect(policy.ledger.record({ task: 't1', peer: peer(1), kind: 'earned', credits: 5 })).toBe(false)
  expect(policy.ledger.totals().earned).toBe(5)
})

it('is append-only: nothing written can be changed or removed', () => {
  const { policy, db } = policyRig()
  policy.ledger.record({ task: 't1', peer: peer(1), kind: 'earned', credits: 5 })
  expect(() => db.prepare('UPDATE ledger_entries SET credits = 500').run()).toThrow(/append-only/)
  expect(() => db.prepare('DELETE FROM ledger_entries').run()).toThrow(/append-only/)
  expect(policy.ledger.totals().earned).toBe(5)
})

it('refuses amounts and entries that are not accounting', () => {
  const { policy } = policyRig()
  for (const credits of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(() => policy.ledger.record({ task: 't1', peer: peer(1), kind: 'earned', credits })).toThrow(InvalidLedgerEntryError)
  }
  expect(() => policy.ledger.record({ task: '', peer: peer(1), kind: 'earned', credits: 1 })).toThrow(InvalidLedgerEntryError)
  expect(() => policy.ledger.record({ task: 't1', peer: Buffer.alloc(31), kind: 'earned', credits: 1 })).toThrow(InvalidLedgerEntryError)
  expect(() => policy.ledger.record({ task: 't1', peer: peer(1), kind: 'gifted' as 'earned', credits: 1 })).toThrow(InvalidLedgerEntryError)
  expect(policy.ledger.entries()).toEqual([])
})
