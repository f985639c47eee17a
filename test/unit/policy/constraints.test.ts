import { expect, it } from 'vitest'
import { InvalidPolicySettingError } from '../../../core/api/errors.ts'
import { DEFAULT_CONSTRAINTS, evaluate, type RequestFacts } from '../../../core/policy/constraints.ts'
import type { ServeRequest } from '../../../core/policy/cooperation.ts'
import { peer, policyRig } from '../../helpers/policy.ts'

const fine: RequestFacts = { requesterTrust: 0.5, inputBytes: 100, dataClasses: ['public'], price: 2, servedFromPeer: 0, servedOverall: 0 }
const request = (change: Partial<ServeRequest> = {}): ServeRequest => ({
  peer: peer(1), capability: 'summarise', topic: 'data_analysis', requesterTrust: 0.5, inputBytes: 100, dataClasses: ['public'], price: 2, ...change
})

it('serves a request that meets every constraint', () => {
  expect(evaluate(DEFAULT_CONSTRAINTS, fine)).toEqual({ verdict: 'ok' })
})

it('names every constraint a request fails, with the numbers the person needs to see', () => {
  const strict = { ...DEFAULT_CONSTRAINTS, minRequesterTrust: 0.6, maxInputBytes: 50, priceFloor: 3, allowedDataClasses: ['public', 'contact'] as const }
  const verdict = evaluate(strict, { ...fine, requesterTrust: 0.4, inputBytes: 51, price: 2.5, dataClasses: ['public', 'contact', 'financial', 'financial', 'health'] })
  expect(verdict).toEqual({
    verdict: 'refuse',
    reasons: [
      { code: 'trust-below-minimum', minimum: 0.6, actual: 0.4 },
      { code: 'input-too-large', limit: 50, actual: 51 },
      { code: 'data-class-not-allowed', classes: ['financial', 'health'] },
      { code: 'price-below-floor', floor: 3, offered: 2.5 }
    ]
  })
  // Exactly at each bound is enough.
  expect(evaluate(strict, { ...fine, requesterTrust: 0.6, inputBytes: 50, price: 3 })).toEqual({ verdict: 'ok' })
})

it('refuses a requester who is not to be offered work at all, even with no minimum trust', () => {
  expect(evaluate({ ...DEFAULT_CONSTRAINTS, minRequesterTrust: 0 }, { ...fine, requesterTrust: undefined }))
    .toEqual({ verdict: 'refuse', reasons: [{ code: 'trust-below-minimum', minimum: 0, actual: null }] })
})

it('gives a capability nobody configured the cautious defaults, not "anything goes"', () => {
  const { policy } = policyRig()
  const effective = policy.cooperation.constraints('summarise', 'data_analysis')
  expect(effective.isDefault).toBe(true)
  expect(policy.cooperation.check(request({ inputBytes: 1024 * 1024, dataClasses: ['public', 'credential'] }))).toEqual({
    verdict: 'refuse',
    reasons: [
      { code: 'input-too-large', limit: 64 * 1024, actual: 1024 * 1024 },
      { code: 'data-class-not-allowed', classes: ['credential'] }
    ]
  })
  expect(policy.cooperation.check(request())).toEqual({ verdict: 'ok' })
})

it('keeps settings across a restart, and the closest scope wins: capability and topic, capability, topic, everything', () => {
  const rig = policyRig()
  rig.policy.cooperation.set({ capability: '*' }, { minRequesterTrust: 0.2 })
  // Changing one value of a narrower scope keeps what it inherits now.
  rig.policy.cooperation.set({ capability: 'summarise' }, { maxInputBytes: 1000 })
  rig.policy.cooperation.set({ capability: 'summarise', topic: 'data_analysis' }, { priceFloor: 5 })
  rig.policy.cooperation.set({ capability: '*', topic: 'creative_writing' }, { allowedDataClasses: ['public', 'personal'] })
  const cooperation = rig.reopen().cooperation
  expect(cooperation.constraints('summarise', 'data_analysis')).toMatchObject({
    isDefault: false,
    scope: { capability: 'summarise', topic: 'data_analysis' },
    constraints: { minRequesterTrust: 0.2, maxInputBytes: 1000, priceFloor: 5 }
  })
  expect(cooperation.constraints('summarise', 'creative_writing').constraints).toMatchObject({ maxInputBytes: 1000, priceFloor: 0, allowedDataClasses: ['public'] })
  expect(cooperation.constraints('translate', 'creative_writing').constraints).toMatchObject({ minRequesterTrust: 0.2, allowedDataClasses: ['public', 'personal'] })
  expect(cooperation.constraints('translate', 'code_generation')).toMatchObject({ scope: { capability: '*' }, constraints: { minRequesterTrust: 0.2, maxInputBytes: 64 * 1024 } })
  expect(cooperation.check(request({ price: 4, requesterTrust: 0.1 }))).toEqual({
    verdict: 'refuse',
    reasons: [{ code: 'trust-below-minimum', minimum: 0.2, actual: 0.1 }, { code: 'price-below-floor', floor: 5, offered: 4 }]
  })
  expect(cooperation.settings()).toHaveLength(4)
  expect(cooperation.remove({ capability: 'summarise', topic: 'data_analysis' })).toBe(true)
  expect(cooperation.constraints('summarise', 'data_analysis').constraints.priceFloor).toBe(0)
})

it('refuses settings that make no sense, and keeps the old ones', () => {
  const { policy } = policyRig()
  policy.cooperation.set({ capability: 'summarise' }, { minRequesterTrust: 0.3 })
  expect(() => policy.cooperation.set({ capability: 'summarise' }, { minRequesterTrust: 1.5 })).toThrow(InvalidPolicySettingError)
  expect(() => policy.cooperation.set({ capability: 'summarise' }, { perPeer: { limit: 5, windowMs: 0 } })).toThrow(InvalidPolicySettingError)
  expect(() => policy.cooperation.set({ capability: 'summarise' }, { allowedDataClasses: ['public', 'gossip' as 'public'] })).toThrow(/unknown data classes: gossip/)
  expect(() => policy.cooperation.set({ capability: 'summarise' }, { priceFloor: Number.NaN })).toThrow(InvalidPolicySettingError)
  expect(policy.cooperation.constraints('summarise', 'data_analysis').constraints).toEqual({ ...DEFAULT_CONSTRAINTS, minRequesterTrust: 0.3 })
})
