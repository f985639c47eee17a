import { expect, it } from 'vitest'
import { InvalidPolicySettingError, UnknownGrantError } from '../../../core/api/errors.ts'
import type { Grant } from '../../../core/api/policy.ts'
import type { ApprovalAsk } from '../../../core/policy/approvals.ts'
import { baidIdOf } from '../../../core/identity/ids.ts'
import { peer, policyRig, type PolicyRig } from '../../helpers/policy.ts'

const HOUR = 3600_000
let tasks = 0
const ask = (change: Partial<ApprovalAsk> = {}): ApprovalAsk => ({
  task: `task-${++tasks}`, peer: peer(1), capability: 'summarise', topic: 'data_analysis', price: 1, payload: 'hi', ...change
})

/** Allow one request with a grant, as the person would from the inbox. */
function allowWithGrant (rig: PolicyRig, ttlMs: number, anyTopic = false): Grant {
  void rig.policy.approvals.request(ask())
  const id = rig.policy.approvals.pending()[0]!.id
  const record = rig.policy.approvals.decide(id, 'allow-grant', { ttlMs, anyTopic })
  expect(record).toMatchObject({ status: 'allowed', decidedBy: 'person' })
  return rig.policy.approvals.grants().find(g => g.id === record.grantId) as Grant
}

/** How a new request is answered now: by whom, or still waiting in the queue. */
async function answerTo (rig: PolicyRig, change: Partial<ApprovalAsk> = {}): Promise<string> {
  const before = rig.policy.approvals.pending().length
  const answer = rig.policy.approvals.request(ask(change))
  if (rig.policy.approvals.pending().length > before) return 'queued'
  return (await answer).decidedBy ?? 'none'
}

it('answers later requests from the same peer, capability and topic with the grant, and only those', async () => {
  const rig = policyRig()
  const created: Grant[] = []
  rig.policy.events.on('grant:created', g => created.push(g))
  const grant = allowWithGrant(rig, HOUR)
  expect(grant).toMatchObject({ direction: 'serve', peer: baidIdOf(peer(1)), capability: 'summarise', topic: 'data_analysis', expiresAt: rig.clock.now + HOUR })
  expect(created).toEqual([grant])
  expect(await answerTo(rig)).toBe('grant')
  expect(await answerTo(rig, { peer: peer(2) })).toBe('queued')
  expect(await answerTo(rig, { capability: 'translate' })).toBe('queued')
  expect(await answerTo(rig, { topic: 'code_generation' })).toBe('queued')
  expect(await answerTo(rig, { direction: 'delegate' })).toBe('queued')
})

it('lets a grant for every topic answer in any topic', async () => {
  const rig = policyRig()
  allowWithGrant(rig, HOUR, true)
  expect(await answerTo(rig, { topic: 'code_generation' })).toBe('grant')
})

it('never matches an expired grant, and lists it only among all grants', async () => {
  const rig = policyRig()
  const grant = allowWithGrant(rig, HOUR)
  rig.clock.now += HOUR - 1
  expect(await answerTo(rig)).toBe('grant')
  rig.clock.now += 1
  expect(await answerTo(rig)).toBe('queued')
  rig.interactive = false
  expect(await answerTo(rig)).toBe('headless')
  expect(rig.policy.approvals.grants()).toEqual([])
  expect(rig.policy.approvals.grants({ all: true })).toEqual([grant])
})

it('stops matching a revoked grant at once, and says so once', async () => {
  const rig = policyRig()
  const grant = allowWithGrant(rig, HOUR)
  const revoked: Grant[] = []
  rig.policy.events.on('grant:revoked', g => revoked.push(g))
  expect(rig.policy.approvals.revoke(grant.id)).toMatchObject({ id: grant.id, revokedAt: rig.clock.now })
  expect(await answerTo(rig)).toBe('queued')
  expect(rig.policy.approvals.revoke(grant.id)).toMatchObject({ id: grant.id })
  expect(revoked).toHaveLength(1)
  expect(() => rig.policy.approvals.revoke('no-such-grant')).toThrow(UnknownGrantError)
})

it('keeps grants across a restart: a headless daemon serves the peer the person granted', async () => {
  const rig = policyRig()
  rig.policy.approvals.grant({ peer: peer(3), capability: 'summarise' }, HOUR)
  rig.interactive = false
  rig.reopen()
  expect(await answerTo(rig, { peer: peer(3) })).toBe('grant')
  expect(await answerTo(rig, { peer: peer(4) })).toBe('headless')
})

it('needs a lifetime to grant, and leaves the request pending without one', () => {
  const rig = policyRig()
  void rig.policy.approvals.request(ask())
  const id = rig.policy.approvals.pending()[0]!.id
  expect(() => rig.policy.approvals.decide(id, 'allow-grant')).toThrow(InvalidPolicySettingError)
  expect(() => rig.policy.approvals.grant({ peer: peer(1), capability: 'summarise' }, -5)).toThrow(InvalidPolicySettingError)
  expect(rig.policy.approvals.get(id)).toMatchObject({ status: 'pending' })
  expect(rig.policy.approvals.grants()).toEqual([])
})
