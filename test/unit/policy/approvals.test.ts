import { expect, it } from 'vitest'
import { ApprovalAlreadyDecidedError, UnknownApprovalError } from '../../../core/api/errors.ts'
import type { ApprovalRecord, PendingApproval } from '../../../core/api/policy.ts'
import type { ApprovalAsk } from '../../../core/policy/approvals.ts'
import { baidIdOf } from '../../../core/identity/ids.ts'
import { peer, policyRig } from '../../helpers/policy.ts'

const MINUTE = 60_000
let tasks = 0
const ask = (change: Partial<ApprovalAsk> = {}): ApprovalAsk => ({
  task: `task-${++tasks}`, peer: peer(1), peerId: '12D3KooWExample', peerName: 'Ana\'s agent', trust: 0.4,
  capability: 'summarise', topic: 'data_analysis', price: 3, payload: { text: 'quarterly numbers' }, ...change
})
const settled = async (promise: Promise<unknown>): Promise<boolean> => await Promise.race([promise.then(() => true, () => true), new Promise<boolean>(resolve => setTimeout(() => resolve(false), 20))])

it('asks the person by default: the request waits in the queue with what the person needs to decide', async () => {
  const { policy } = policyRig()
  const requested: PendingApproval[] = []
  policy.events.on('approval:requested', a => requested.push(a))
  const answer = policy.approvals.request(ask({ deadline: Date.UTC(2026, 10, 1) + 5 * MINUTE }))
  expect(await settled(answer)).toBe(false)
  const [pending] = policy.approvals.pending()
  expect(requested).toEqual([pending])
  expect(pending).toMatchObject({
    status: 'pending', direction: 'serve', capability: 'summarise', topic: 'data_analysis', price: 3,
    peer: { baidId: baidIdOf(peer(1)), peerId: '12D3KooWExample', name: 'Ana\'s agent', trust: 0.4 },
    payloadPreview: '{"text":"quarterly numbers"}', deadline: Date.UTC(2026, 10, 1) + 5 * MINUTE
  })
  const decided: ApprovalRecord[] = []
  policy.events.on('approval:decided', a => decided.push(a))
  policy.approvals.decide(pending!.id, 'allow-once')
  expect(await answer).toMatchObject({ id: pending!.id, status: 'allowed', decidedBy: 'person' })
  expect(decided).toHaveLength(1)
  expect(policy.approvals.pending()).toEqual([])
})

it('keeps the queue across a restart: the request is still there to decide, and asking again joins it', async () => {
  const rig = policyRig()
  const egress = rig.policy.privacy.preview({ to: 'ana@example.org' })
  void rig.policy.approvals.request(ask({ task: 'kept', direction: 'delegate', egress }))
  const before = rig.policy.approvals.pending()
  const policy = rig.reopen()
  expect(policy.approvals.pending()).toEqual(before)
  expect(before[0]?.egress?.payload).toEqual({ to: '[redacted:email]' })
  // The task, resumed after the restart, waits on the same request instead of making another.
  const resumed = policy.approvals.request(ask({ task: 'kept', direction: 'delegate' }))
  expect(policy.approvals.pending()).toHaveLength(1)
  policy.approvals.decide(before[0]!.id, 'deny')
  expect(await resumed).toMatchObject({ id: before[0]!.id, status: 'denied', decidedBy: 'person' })
  expect(rig.reopen().approvals.get(before[0]!.id)).toMatchObject({ status: 'denied', decidedBy: 'person' })
})

it('refuses to decide twice, or to decide a request it does not know, by name', () => {
  const { policy } = policyRig()
  void policy.approvals.request(ask())
  const id = policy.approvals.pending()[0]!.id
  policy.approvals.decide(id, 'deny')
  expect(() => policy.approvals.decide(id, 'allow-once')).toThrow(ApprovalAlreadyDecidedError)
  expect(policy.approvals.get(id)).toMatchObject({ status: 'denied' })
  expect(() => policy.approvals.decide('no-such-request', 'deny')).toThrow(UnknownApprovalError)
})

it('denies at once with no person attached and nothing that answers for them: never an automatic yes', async () => {
  const rig = policyRig()
  rig.interactive = false
  const requested: unknown[] = []
  rig.policy.events.on('approval:requested', a => requested.push(a))
  expect(await rig.policy.approvals.request(ask())).toMatchObject({ status: 'denied', decidedBy: 'headless' })
  expect(rig.policy.approvals.pending()).toEqual([])
  expect(requested).toEqual([])
  // The person's standing rule does answer for them.
  rig.policy.approvals.setRule({ direction: 'serve', capability: 'summarise', mode: 'allow' })
  expect(await rig.policy.approvals.request(ask())).toMatchObject({ status: 'allowed', decidedBy: 'rule' })
  expect(await rig.policy.approvals.request(ask({ direction: 'delegate' }))).toMatchObject({ status: 'denied', decidedBy: 'headless' })
})

it('denies by the person\'s deny rule before any grant', async () => {
  const { policy } = policyRig()
  policy.approvals.grant({ peer: peer(1), capability: 'summarise' }, 60 * MINUTE)
  policy.approvals.setRule({ direction: 'serve', capability: 'summarise', topic: 'data_analysis', mode: 'deny' })
  expect(await policy.approvals.request(ask())).toMatchObject({ status: 'denied', decidedBy: 'rule' })
  expect(await policy.approvals.request(ask({ topic: 'code_generation' }))).toMatchObject({ status: 'allowed', decidedBy: 'grant' })
  expect(policy.approvals.removeRule('serve', 'summarise', 'data_analysis')).toBe(true)
  expect(await policy.approvals.request(ask())).toMatchObject({ status: 'allowed', decidedBy: 'grant' })
})

it('expires a request nobody answered by its deadline, as denied', async () => {
  const rig = policyRig({ approvalTimeoutMs: 5 * MINUTE })
  const answer = rig.policy.approvals.request(ask())
  const id = rig.policy.approvals.pending()[0]!.id
  rig.clock.now += 5 * MINUTE - 1
  expect(rig.policy.approvals.expireOverdue()).toBe(0)
  rig.clock.now += 1
  expect(rig.policy.approvals.expireOverdue()).toBe(1)
  expect(await answer).toMatchObject({ id, status: 'denied', decidedBy: 'expired' })
  expect(rig.policy.approvals.pending()).toEqual([])
})

it('expires on opening what passed its deadline while Hearth was closed, and a late answer cannot allow it', () => {
  const rig = policyRig({ approvalTimeoutMs: 5 * MINUTE })
  void rig.policy.approvals.request(ask())
  void rig.policy.approvals.request(ask({ deadline: Date.UTC(2026, 10, 1) + 60 * MINUTE }))
  const [soon, later] = rig.policy.approvals.pending()
  rig.clock.now += 10 * MINUTE
  const policy = rig.reopen()
  expect(policy.approvals.get(soon!.id)).toMatchObject({ status: 'denied', decidedBy: 'expired' })
  expect(policy.approvals.pending().map(p => p.id)).toEqual([later!.id])
  rig.clock.now += 60 * MINUTE
  expect(() => policy.approvals.decide(later!.id, 'allow-once')).toThrow(/expired/)
  expect(policy.approvals.get(later!.id)).toMatchObject({ status: 'denied', decidedBy: 'expired' })
})

it('withdraws a request whose asker stops waiting', async () => {
  const { policy } = policyRig()
  const controller = new AbortController()
  const answer = policy.approvals.request(ask(), { signal: controller.signal })
  const id = policy.approvals.pending()[0]!.id
  controller.abort(new Error('task canceled'))
  await expect(answer).rejects.toThrow('task canceled')
  expect(policy.approvals.get(id)).toMatchObject({ status: 'denied', decidedBy: 'withdrawn' })
  await expect(policy.approvals.request(ask(), { signal: AbortSignal.abort() })).rejects.toThrow()
})

it('screens a task to serve: constraints refuse with reasons before the person is bothered', async () => {
  const { policy } = policyRig()
  policy.cooperation.set({ capability: 'summarise' }, { priceFloor: 5 })
  const refused = await policy.screenServe({ ...ask(), trust: 0.4, payload: { text: 'call ana@example.org' } })
  expect(refused).toEqual({ verdict: 'refuse', reasons: [{ code: 'data-class-not-allowed', classes: ['contact'] }, { code: 'price-below-floor', floor: 5, offered: 3 }] })
  expect(policy.approvals.pending()).toEqual([])
  policy.approvals.grant({ peer: peer(1), capability: 'summarise', topic: 'data_analysis' }, MINUTE)
  expect(await policy.screenServe({ ...ask(), trust: 0.4, price: 5 })).toMatchObject({ verdict: 'allowed', approval: { decidedBy: 'grant' } })
})

it('screens a task to serve in two steps: what answers for the person inside the caller\'s transaction, the person only after it', async () => {
  const rig = policyRig()
  const { policy, db } = rig
  policy.cooperation.set({ capability: 'summarise' }, { perPeer: { limit: 2, windowMs: MINUTE } })
  // Nothing but the person can answer: nothing is queued inside the transaction (a queued request must be durable on its own).
  const first = { ...ask(), trust: 0.4 }
  expect(db.transaction(() => policy.screenServeNow(first))()).toBeUndefined()
  expect(policy.approvals.pending()).toEqual([])
  const answer = policy.askPerson(first)
  const [pending] = policy.approvals.pending()
  expect(pending).toMatchObject({ task: first.task, status: 'pending' })
  policy.approvals.decide(pending!.id, 'allow-once')
  expect(await answer).toMatchObject({ verdict: 'allowed', approval: { decidedBy: 'person' } })
  // A grant answers at once, in the caller's transaction: rolled back with it, it leaves no record.
  policy.approvals.grant({ peer: peer(1), capability: 'summarise' }, MINUTE)
  const second = { ...ask(), trust: 0.4 }
  expect(() => db.transaction(() => { expect(policy.screenServeNow(second)).toMatchObject({ verdict: 'allowed' }); throw new Error('the task could not be opened') })()).toThrow('could not be opened')
  expect(policy.approvals.store.byTask('serve', second.task)).toBeUndefined()
  expect(db.transaction(() => policy.screenServeNow(second))()).toMatchObject({ verdict: 'allowed', approval: { decidedBy: 'grant' } })
  // Each request counted once against the peer's rate (2 a minute), though the first was screened in two steps and one try rolled back.
  expect(db.transaction(() => policy.screenServeNow({ ...ask(), trust: 0.4 }))()).toMatchObject({ verdict: 'refuse', reasons: [{ code: 'peer-rate-limited', used: 2 }] })
  expect(rig.reopen().approvals.store.byTask('serve', second.task)).toMatchObject({ status: 'allowed', decidedBy: 'grant' })
})

it('screens a delegation: a blocked payload is never offered for approval, an allowed one sends the redacted payload', async () => {
  const { policy } = policyRig()
  const clause = { allowedDataClasses: [] }
  const blocked = await policy.screenDelegate({ ...ask(), payload: { password: 'hunter2' } }, clause)
  expect(blocked).toMatchObject({ verdict: 'blocked', egress: { findings: [{ path: '$.password', action: 'block' }] } })
  expect(policy.approvals.pending()).toEqual([])
  const answer = policy.screenDelegate({ ...ask(), payload: { text: 'mail ana@example.org' } }, clause)
  const [pending] = policy.approvals.pending()
  expect(pending?.egress?.payload).toEqual({ text: 'mail [redacted:email]' })
  policy.approvals.decide(pending!.id, 'allow-once')
  expect(await answer).toMatchObject({ verdict: 'allowed', egress: { payload: { text: 'mail [redacted:email]' } } })
})

it('journals every decision inside its own transaction, whoever made it: a failed journal write undoes the decision', async () => {
  const rig = policyRig()
  const journalled: string[] = []
  const off = rig.policy.approvals.journal(r => { journalled.push(`${r.status} by ${r.decidedBy ?? ''}`) })
  rig.policy.approvals.grant({ peer: peer(1), capability: 'summarise' }, 60 * MINUTE)
  await rig.policy.approvals.request(ask())
  void rig.policy.approvals.request(ask({ capability: 'translate' }))
  const [pending] = rig.policy.approvals.pending()
  rig.policy.approvals.decide(pending!.id, 'deny')
  expect(journalled).toEqual(['allowed by grant', 'denied by person'])
  off()
  // A journal that cannot write (the audit log's disk full, say): the decision rolls back and the request stays pending.
  rig.policy.approvals.journal(() => { throw new Error('disk full') })
  void rig.policy.approvals.request(ask({ capability: 'translate' }))
  const [next] = rig.policy.approvals.pending()
  expect(() => rig.policy.approvals.decide(next!.id, 'allow-once')).toThrow('disk full')
  expect(rig.reopen().approvals.get(next!.id)).toMatchObject({ status: 'pending' })
})
