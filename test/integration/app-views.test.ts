import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEventName, ApiEvents, ApiMethod, ParamsOf, ResultOf } from '../../core/api/app.ts'
import { TERMINAL_STATES } from '../../core/api/negotiation.ts'
import type { DataClass } from '../../core/api/policy.ts'
import type { Handlers } from '../../core/app/context.ts'
import { networkHandlers, watchNetwork } from '../../core/app/network.ts'
import { taskHandlers, watchTasks } from '../../core/app/tasks.ts'
import { trustViewDeps, trustViewHandlers, watchTrust } from '../../core/app/trust.ts'
import { createHost, type Host, type Network } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { WORD_COUNT, TASK_TOPIC } from '../helpers/agents.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// The app core's task, network and trust views between two real agents on loopback (each a whole host: SQLite, keys,
// libp2p, discovery, reputation, policy), called through the handlers the UI's api reaches.

interface Agent {
  host: Host
  net: Network | undefined
  dataDir: string
  person: { attached: boolean }
  events: Array<{ event: ApiEventName, data: unknown }>
  handlers: Handlers
  stop: () => Promise<void>
}

async function start (dataDir: string, online: boolean, bootstrap: string[] = [], fresh = false): Promise<Agent> {
  const person = { attached: false }
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST, interactive: () => person.attached })
  if (fresh) await host.identity.create(host.digests())
  await host.start()
  const net = online ? await host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap }) : undefined
  const events: Agent['events'] = []
  const emit = <E extends ApiEventName>(event: E, data: ApiEvents[E]): void => { events.push({ event, data }) }
  const ctx = {
    host: () => host,
    network: () => net,
    requireNetwork: () => { if (net === undefined) throw new Error('offline'); return net },
    emit
  }
  const unwatch = [watchTrust(ctx, host.reputation), ...(net === undefined ? [] : [watchTasks(ctx, net, host.db), watchNetwork(ctx, net, host.db)])]
  const handlers: Handlers = { ...taskHandlers(ctx), ...networkHandlers(ctx), ...trustViewHandlers(trustViewDeps(ctx)) }
  return { host, net, dataDir, person, events, handlers, stop: async () => { for (const off of unwatch) off(); await host.stop() } }
}

async function agent (config: Record<string, unknown>, bootstrap: string[] = []): Promise<Agent> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ interests: [TASK_TOPIC], ...config }))
  return await start(dataDir, true, bootstrap, true)
}

async function call<M extends ApiMethod> (a: Agent, method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  const handler = a.handlers[method] as ((p: ParamsOf<M>) => Promise<ResultOf<M>>) | undefined
  if (handler === undefined) throw new Error(`no handler for ${method}`)
  return await handler(params)
}

const running: Agent[] = []
let r: Agent, p: Agent
const baidOf = (a: Agent): string => a.host.identity.info().baidId
const peerIdOf = (a: Agent): string => a.host.identity.info().peerId

beforeAll(async () => {
  p = await agent({ capabilities: [WORD_COUNT] })
  running.push(p)
  r = await agent({}, [p.net!.peer.getMultiaddrs()[0]!.toString()])
  running.push(r)
  await eventually(async () => (await call(r, 'discovery.discover', { intent: 'count the words of a text', topic: TASK_TOPIC })).candidates.some(c => c.peerId === peerIdOf(p)),
    'the provider\'s capability at the requester', 60_000)
}, 120_000)

afterAll(async () => { await Promise.all(running.splice(0).map(a => a.stop())) })

describe('app views between two agents', () => {
  let delegated: string

  it('shows peers, candidates with their description and BAID, and pinned capabilities', async () => {
    const { peers } = await call(r, 'peers.list', {})
    expect(peers).toContainEqual(expect.objectContaining({ peerId: peerIdOf(p), baidId: baidOf(p), name: WORD_COUNT.name, direction: 'outbound', addrs: [expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\//)] }))
    const { candidates } = await call(r, 'discovery.discover', { intent: 'count the words of a text', topic: TASK_TOPIC })
    expect(candidates[0]).toMatchObject({ peerId: peerIdOf(p), baidId: baidOf(p), capability: WORD_COUNT.id, description: WORD_COUNT.description, price: 1 })
    const { pinned } = await call(r, 'discovery.pinned', {})
    expect(pinned).toContainEqual(expect.objectContaining({ peer: { baidId: baidOf(p), peerId: peerIdOf(p) }, capability: WORD_COUNT.id, name: WORD_COUNT.name }))
  }, 30_000)

  it('answers a delegation at once; its timeline fills with terms, offer, selection, states, verification and receipt, live on both sides', async () => {
    p.host.policy.approvals.setRule({ direction: 'serve', capability: WORD_COUNT.id, mode: 'allow' })
    const { task } = await call(r, 'task.delegate', { intent: 'count the words of a text', input: { text: 'one two three' }, topic: TASK_TOPIC, capability: WORD_COUNT.id, tier: 'T2' })
    delegated = task
    // The answer came before the work did.
    expect((await call(r, 'tasks.get', { task })).state).not.toBe('completed')
    await eventually(async () => (await call(r, 'tasks.get', { task })).state === 'completed', 'the delegation completed', 30_000)
    const detail = await call(r, 'tasks.get', { task })
    const provider = { baidId: baidOf(p), peerId: peerIdOf(p) }
    expect(detail).toMatchObject({ task, role: 'requester', intent: 'count the words of a text', topic: TASK_TOPIC, capability: WORD_COUNT.id, peer: provider, reward: 10 })
    expect(JSON.parse(detail.output!)).toEqual({ words: 3, lines: 1 })
    expect(detail.timeline.map(e => e.kind === 'state' ? e.to : e.kind)).toEqual(['submitted', 'terms', 'offer', 'selected', 'verification', 'working', 'verification', 'receipt', 'completed'])
    expect(detail.timeline).toContainEqual(expect.objectContaining({ kind: 'terms', tier: 'T2', reward: 10, egress: expect.objectContaining({ outcome: 'send', payload: { text: 'one two three' } }) }))
    expect(detail.timeline).toContainEqual(expect.objectContaining({ kind: 'offer', provider, decision: 'accept', price: 1 }))
    expect(detail.timeline).toContainEqual(expect.objectContaining({ kind: 'selected', order: [expect.objectContaining({ provider })] }))
    expect(detail.timeline.filter(e => e.kind === 'verification')).toEqual([
      expect.objectContaining({ tier: 'T2', passed: true, detail: expect.stringMatching(/proved its agent key live/) }),
      expect.objectContaining({ tier: 'T1', passed: true })
    ])
    const receipt = detail.timeline.find(e => e.kind === 'receipt')
    expect(receipt).toMatchObject({ satisfied: true, digest: expect.stringMatching(/^[0-9a-f]{64}$/) })

    // Every line reached the UI as it happened, and the provider's own timeline of the same task did too.
    const pushed = r.events.filter(e => e.event === 'task:updated').map(e => e.data as ApiEvents['task:updated']).filter(u => u.task.task === task)
    expect(pushed.map(u => u.entry)).toEqual(detail.timeline)
    expect(pushed.at(-1)!.task.state).toBe('completed')
    const servedOf = () => p.events.filter(e => e.event === 'task:updated').map(e => e.data as ApiEvents['task:updated']).filter(u => u.task.task === task)
    // The requester sends the provider its half of the receipt without waiting, so the provider's copy may land a moment later.
    await eventually(() => servedOf().some(u => u.entry.kind === 'receipt'), 'the provider kept the receipt', 10_000)
    const served = servedOf()
    expect(served.map(u => u.entry.kind === 'state' ? u.entry.to : u.entry.kind)).toEqual(['submitted', 'terms', 'offer', 'working', 'completed', 'receipt'])
    expect(served[0]!.task).toMatchObject({ role: 'provider', peer: { baidId: baidOf(r), peerId: peerIdOf(r) } })
    // Both sides hold the one receipt both signed.
    expect(served.find(u => u.entry.kind === 'receipt')!.entry).toMatchObject({ satisfied: true, digest: (receipt as { digest: string }).digest })
    expect((await call(p, 'tasks.list', { role: 'provider' })).tasks.map(t => t.task)).toContain(task)
  }, 60_000)

  it('shows the receipt in trust: the topic\'s scores, the graph of who rated whom, the history, and a trust:changed event', async () => {
    await eventually(async () => (await call(r, 'trust.topics', {})).topics.find(t => t.topic === TASK_TOPIC)?.peers.some(x => x.baidId === baidOf(p) && x.score > 0) === true,
      'the provider scored in the topic', 20_000)
    const { topics } = await call(r, 'trust.topics', {})
    expect(topics.find(t => t.topic === TASK_TOPIC)!.peers[0]).toMatchObject({ baidId: baidOf(p), peerId: peerIdOf(p), relative: 1, standing: 'selectable' })
    const graph = await call(r, 'trust.graph', { topic: TASK_TOPIC })
    expect(graph.nodes).toContainEqual(expect.objectContaining({ baidId: baidOf(r), self: true }))
    expect(graph.nodes).toContainEqual(expect.objectContaining({ baidId: baidOf(p), self: false, score: expect.any(Number) }))
    expect(graph.edges).toContainEqual({ from: baidOf(r), to: baidOf(p), weight: 1 })
    const { points } = await call(r, 'trust.history', { peer: peerIdOf(p), topic: TASK_TOPIC })
    expect(points.at(-1)).toMatchObject({ relative: 1 })
    expect(r.events.some(e => e.event === 'trust:changed' && (e.data as { topics: string[] }).topics.includes(TASK_TOPIC))).toBe(true)
  }, 30_000)

  it('cancels a running task: the requester\'s state is canceled with the reason, and the provider is told', async () => {
    p.person.attached = true
    p.host.policy.approvals.removeRule('serve', WORD_COUNT.id)
    try {
      const { task } = await call(r, 'task.delegate', { intent: 'count the words of a text', input: { text: 'wait for me' }, topic: TASK_TOPIC, capability: WORD_COUNT.id })
      await eventually(() => p.host.policy.approvals.pending().some(a => a.task === task), 'the request in the provider\'s inbox', 20_000)
      const canceled = await call(r, 'tasks.cancel', { task })
      expect(canceled).toMatchObject({ task, state: 'canceled' })
      expect((await call(r, 'tasks.get', { task })).error).toEqual({ name: 'TaskCanceledError', message: 'canceled by the person' })
      await eventually(async () => (await call(p, 'tasks.get', { task })).state === 'canceled', 'the provider\'s task canceled', 20_000)
      expect((await call(p, 'tasks.get', { task })).timeline.at(-1)).toMatchObject({ kind: 'state', to: 'canceled', reason: expect.stringMatching(/^the requester canceled/) })
      await eventually(() => !p.host.policy.approvals.pending().some(a => a.task === task), 'the provider\'s request withdrawn', 10_000)
      await expect(call(r, 'tasks.cancel', { task })).rejects.toMatchObject({ name: 'IllegalTransitionError' })
    } finally {
      p.person.attached = false
    }
  }, 60_000)

  it('sends, in the terms, exactly the egress the person previewed with the data classes they let leave', async () => {
    r.host.policy.privacy.setAction('contact', 'allow')
    let task: string | undefined
    try {
      const input = { text: 'count these words', email: 'ann@example.org' }
      const allow: DataClass[] = ['public', 'contact']
      const preview = await call(r, 'egress.preview', { input, topic: TASK_TOPIC, allow })
      // The person let contact data leave and sends it as is: the address goes unmasked.
      expect(preview).toMatchObject({ outcome: 'send', payload: input })
      task = (await call(r, 'task.delegate', { intent: 'count the words of a text', input, topic: TASK_TOPIC, capability: WORD_COUNT.id, allow })).task
      const terms = (await call(r, 'tasks.get', { task })).timeline.find(e => e.kind === 'terms')
      expect(terms).toMatchObject({ kind: 'terms', egress: preview })
      // Without the choice, the terms' default (public only) masks it.
      const masked = await call(r, 'egress.preview', { input, topic: TASK_TOPIC })
      expect(masked.payload).not.toEqual(input)
    } finally {
      r.host.policy.privacy.resetAction('contact')
      // The provider declines contact data; the task ends before the next test lists them.
      const ended = task
      if (ended !== undefined) await eventually(async () => (TERMINAL_STATES as readonly string[]).includes((await call(r, 'tasks.get', { task: ended })).state), 'the delegation ended', 30_000)
    }
  }, 60_000)

  it('keeps every timeline across a restart, readable before the agent goes online', async () => {
    const before = await call(r, 'tasks.get', { task: delegated })
    const listed = (await call(r, 'tasks.list', {})).tasks
    await r.stop()
    running.splice(running.indexOf(r), 1)
    const again = await start(r.dataDir, false)
    running.push(again)
    expect(await call(again, 'tasks.get', { task: delegated })).toEqual(before)
    expect((await call(again, 'tasks.list', {})).tasks).toEqual(listed)
    expect((await call(again, 'trust.graph', { topic: TASK_TOPIC })).edges).toContainEqual({ from: baidOf(again), to: baidOf(p), weight: 1 })
  }, 30_000)
})
