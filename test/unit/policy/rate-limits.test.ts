import { expect, it } from 'vitest'
import type { ServeRequest } from '../../../core/policy/cooperation.ts'
import { peer, policyRig } from '../../helpers/policy.ts'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const request = (from: number, capability = 'summarise'): ServeRequest => ({
  peer: peer(from), capability, topic: 'data_analysis', requesterTrust: 0.5, inputBytes: 10, dataClasses: ['public'], price: 1
})

it('limits one peer to its tasks per window, and lets it back in once the window has moved on', () => {
  const rig = policyRig()
  const { cooperation } = rig.policy
  cooperation.set({ capability: 'summarise' }, { perPeer: { limit: 3, windowMs: MINUTE } })
  for (let i = 0; i < 3; i++) { expect(cooperation.admit(request(1))).toEqual({ verdict: 'ok' }); rig.clock.now += 1000 }
  expect(cooperation.admit(request(1))).toEqual({ verdict: 'refuse', reasons: [{ code: 'peer-rate-limited', limit: 3, windowMs: MINUTE, used: 3 }] })
  // Another peer is not held back by the first one's use.
  expect(cooperation.admit(request(2))).toEqual({ verdict: 'ok' })
  // The first task leaves the window a minute after it was admitted: one slot frees, not three.
  rig.clock.now += MINUTE - 3000
  expect(cooperation.admit(request(1))).toEqual({ verdict: 'ok' })
  expect(cooperation.admit(request(1)).verdict).toBe('refuse')
})

it('holds a daily limit over all peers, counted across a restart', () => {
  const rig = policyRig()
  rig.policy.cooperation.set({ capability: 'summarise' }, { overall: { limit: 4, windowMs: DAY } })
  for (let p = 1; p <= 4; p++) expect(rig.policy.cooperation.admit(request(p)).verdict).toBe('ok')
  const cooperation = rig.reopen().cooperation
  rig.clock.now += DAY - 1
  expect(cooperation.admit(request(9))).toEqual({ verdict: 'refuse', reasons: [{ code: 'overall-rate-limited', limit: 4, windowMs: DAY, used: 4 }] })
  rig.clock.now += 1
  expect(cooperation.admit(request(9))).toEqual({ verdict: 'ok' })
})

it('counts only admitted tasks: a check or a refusal takes no slot', () => {
  const rig = policyRig()
  const { cooperation } = rig.policy
  cooperation.set({ capability: 'summarise' }, { perPeer: { limit: 1, windowMs: MINUTE }, priceFloor: 5 })
  for (let i = 0; i < 3; i++) expect(cooperation.admit(request(1)).verdict).toBe('refuse') // price 1 under the floor of 5
  for (let i = 0; i < 3; i++) expect(cooperation.check({ ...request(1), price: 5 })).toEqual({ verdict: 'ok' })
  expect(cooperation.admit({ ...request(1), price: 5 })).toEqual({ verdict: 'ok' })
  expect(cooperation.admit({ ...request(1), price: 5 }).verdict).toBe('refuse')
})

it('counts each setting\'s own tasks: another capability\'s work does not use its slots', () => {
  const rig = policyRig()
  const { cooperation } = rig.policy
  cooperation.set({ capability: 'summarise' }, { overall: { limit: 1, windowMs: DAY } })
  cooperation.set({ capability: 'translate' }, { overall: { limit: 1, windowMs: DAY } })
  expect(cooperation.admit(request(1, 'summarise')).verdict).toBe('ok')
  expect(cooperation.admit(request(1, 'translate')).verdict).toBe('ok')
  expect(cooperation.admit(request(2, 'translate')).verdict).toBe('refuse')
})

it('applies the default per-peer limit to a capability nobody configured', () => {
  const { policy } = policyRig()
  const verdicts = Array.from({ length: 11 }, () => policy.cooperation.admit(request(1)).verdict)
  expect(verdicts.filter(v => v === 'ok')).toHaveLength(10)
  expect(verdicts[10]).toBe('refuse')
})
