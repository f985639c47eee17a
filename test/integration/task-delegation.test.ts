import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { encode } from '../../core/common/codec.ts'
import { createHost } from '../../core/host.ts'
import { agentPeerId, genesisHashOf } from '../../core/identity/ids.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { encodeTaskRequest } from '../../core/negotiation/messages.ts'
import { DEFAULT_MECHANISM } from '../../core/negotiation/service.ts'
import { TaskStore } from '../../core/negotiation/task-store.ts'
import { termsFor } from '../../core/negotiation/mechanism.ts'
import { encodeFrame } from '../../core/negotiation/wire.ts'
import { serve } from '../../core/net/frames.ts'
import { RequestSessions } from '../../core/net/session.ts'
import { StreamProtocols } from '../../core/net/protocols.ts'
import { sha256 } from '../../core/common/hash.ts'
import { seal } from '../../core/identity/envelope.ts'
import { Domains } from '../../core/identity/domains.ts'
import { eventually } from '../helpers/peers.ts'
import { networkAgent, type NetworkAgent } from '../helpers/agents.ts'
import { testSigner } from '../helpers/identity.ts'
import { EVERYTHING } from '../helpers/mcp.ts'

// Tasks between real agents on loopback: a requester and two providers, each a whole host (SQLite, keys, libp2p, discovery,
// reputation, policy), the providers serving a built-in tool and the real MCP "everything" server.

const TOPIC = 'data_analysis'
const WORDS = 'builtin/word-count'
const SLOW = 'everything/trigger-long-running-operation'

const wordCount = (price: number) => ({
  id: WORDS,
  name: 'word count',
  description: 'Count the words and lines of a text',
  topics: [TOPIC],
  tags: ['words', 'count', 'text'],
  constraints: { maxInputBytes: 65_536, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 100, price }
})

type Agent = NetworkAgent
const agents: Agent[] = []

const agent = async (config: Record<string, unknown>, bootstrap: string[] = []): Promise<Agent> => await networkAgent(config, bootstrap, agents)

/** The co-signed receipt is in this agent's reputation store, as the evidence its ratings count. */
const keeps = (a: Agent, hash: string | undefined): boolean => hash !== undefined && a.host.reputation.store.receipt(Buffer.from(hash, 'hex')) !== undefined
const stateAt = (a: Agent, task: string | undefined): string | undefined => {
  try { return task === undefined ? undefined : a.net.negotiation.get(task).state } catch { return undefined }
}
const baidOf = (a: Agent): Uint8Array => genesisHashOf(a.host.identity.info().baidId)
const peerIdOf = (a: Agent): string => a.host.identity.info().peerId

let r: Agent, p1: Agent, p2: Agent

beforeAll(async () => {
  // p1 is the cheaper provider, so with no trust yet it is tried first.
  p1 = await agent({ capabilities: [wordCount(1)], mcpServers: [{ ...EVERYTHING, topics: [TOPIC], price: 1 }] })
  const bootstrap = [p1.net.peer.getMultiaddrs()[0]!.toString()]
  p2 = await agent({ capabilities: [wordCount(2)], mcpServers: [{ ...EVERYTHING, topics: [TOPIC], price: 2 }] }, bootstrap)
  r = await agent({}, bootstrap)
  // This file asks the same providers more than the default ten tasks a minute.
  for (const p of [p1, p2]) p.host.policy.cooperation.set({ capability: '*' }, { perPeer: { limit: 1000, windowMs: 60_000 } })
  const offers = async (intent: string, id: string): Promise<number> => (await r.net.discovery.discover(intent, { topic: TOPIC }, { limit: 50 })).filter(c => c.descriptor.id === id).length
  await eventually(async () => await offers('count the words of a text', WORDS) === 2 && await offers('a long running operation', SLOW) === 2 && await offers('echo a message back', 'everything/echo') === 2,
    'both providers\' capabilities at the requester', 60_000)
  // These tests time offers, not first contact: a node this new looks a peer up only after its first DHT self-query, which
  // on a busy machine can outlast the two seconds an offer waits for company.
  for (const p of [p1, p2]) await r.net.peer.dial(p.net.peer.peerId)
}, 120_000)

afterAll(async () => { await Promise.all(agents.splice(0).map(a => a.host.stop())) })

const allow = (a: Agent, capability = WORDS): void => { a.host.policy.approvals.setRule({ direction: 'serve', capability, mode: 'allow' }) }
const deny = (a: Agent, capability = WORDS): void => { a.host.policy.approvals.setRule({ direction: 'serve', capability, mode: 'deny' }) }
const noRule = (a: Agent, capability = WORDS): void => { a.host.policy.approvals.removeRule('serve', capability) }

describe('task delegation between agents', () => {
  // Headless unless a test attaches the provider's person.
  beforeEach(() => { p1.person.attached = false })

  it('fails over to the next provider when the first fails its T2 live challenge', async () => {
    allow(p1)
    allow(p2)
    // p1 answers challenges with a signature over a nonce it made up: a key that is not live for this challenge.
    await p1.net.peer.unhandle(StreamProtocols.challenge)
    const liar = testSigner()
    await serve(p1.net.peer, StreamProtocols.challenge, { maxRequestBytes: 256, maxResponseBytes: 512, timeoutMs: 5000 }, async () =>
      seal(Domains.challenge, 'challenge-answer', { v: 1, nonce: new Uint8Array(32), challenger: new Uint8Array(32), baidId: 'baid:nope' }, [liar]).bytes)
    try {
      const done = await r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'one two three' }, topic: TOPIC, capability: WORDS, tier: 'T2' })
      expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(p2), receipt: { bothSigned: true } })
      expect(done.attempts).toContainEqual(expect.objectContaining({ provider: peerIdOf(p1), stage: 'challenge', outcome: 'failed' }))
      expect(done.result?.structured).toEqual({ words: 3, lines: 1 })
    } finally {
      await p1.net.peer.unhandle(StreamProtocols.challenge)
      const { serveChallenges } = await import('../../core/negotiation/wire.ts')
      await serveChallenges(p1.net.peer, async () => ({ signer: await p1.host.identity.agentSigner(), baidId: p1.host.identity.info().baidId }))
    }
  }, 60_000)

  it('asks the provider\'s person: approved from the inbox, the task completes with a receipt both sides signed and both reputations count', async () => {
    p1.person.attached = true
    noRule(p1)
    deny(p2)
    const running = r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'alpha beta\ngamma' }, topic: TOPIC, capability: WORDS })
    await eventually(() => p1.host.policy.approvals.pending().length === 1, 'the request in the provider\'s inbox', 20_000)
    const pending = p1.host.policy.approvals.pending()[0]!
    expect(pending).toMatchObject({ direction: 'serve', capability: WORDS, topic: TOPIC, peer: { baidId: r.host.identity.info().baidId } })
    expect(p1.net.negotiation.get(pending.task).state).toBe('auth-required')
    p1.host.policy.approvals.decide(pending.id, 'allow-once')
    p1.person.attached = false
    const done = await running
    expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(p1), receipt: { bothSigned: true } })
    expect(done.result?.structured).toEqual({ words: 3, lines: 2 })
    expect(done.attempts).toContainEqual(expect.objectContaining({ provider: peerIdOf(p2), stage: 'offer', outcome: 'declined', reason: expect.stringMatching(/standing rule/) }))
    expect(done.timeline.map(t => t.to)).toEqual(['submitted', 'working', 'completed'])
    expect(p1.net.negotiation.timeline(done.task).map(t => t.to)).toEqual(['submitted', 'auth-required', 'working', 'completed'])
    expect(keeps(r, done.receipt.hash)).toBe(true)
    // The provider signed its half with the result; our half reaches it right after, and it keeps the same receipt.
    await eventually(() => keeps(p1, done.receipt.hash), 'the provider to keep the receipt', 10_000)
    expect(p1.net.negotiation.timeline(done.task).at(-1)).toMatchObject({ to: 'completed' })
    expect(p1.host.policy.ledger.entries({ task: done.task })).toEqual([expect.objectContaining({ kind: 'earned', credits: 1 })])
    expect(r.host.policy.ledger.entries({ task: done.task }).map(e => e.kind).sort()).toEqual(['offered', 'spent'])
  }, 60_000)

  it('a grant answers for the person; headless with no grant or rule declines', async () => {
    noRule(p1)
    noRule(p2)
    const declined = await r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'a b' }, topic: TOPIC, capability: WORDS })
    expect(declined.state).toBe('rejected')
    expect(declined.attempts.filter(a => a.outcome === 'declined').map(a => a.reason)).toEqual([expect.stringMatching(/no person to ask/), expect.stringMatching(/no person to ask/)])
    expect(p1.net.negotiation.timeline(declined.task).at(-1)).toMatchObject({ to: 'rejected' })

    const grant = p2.host.policy.approvals.grant({ direction: 'serve', peer: baidOf(r), capability: WORDS }, 60_000)
    const served = await r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'a b c d' }, topic: TOPIC, capability: WORDS })
    expect(served).toMatchObject({ state: 'completed', provider: peerIdOf(p2), receipt: { bothSigned: true } })
    expect(p2.host.policy.approvals.history().find(a => a.task === served.task)).toMatchObject({ status: 'allowed', decidedBy: 'grant', grantId: grant.id })
    p2.host.policy.approvals.revoke(grant.id)
    expect((await r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'a' }, topic: TOPIC, capability: WORDS })).state).toBe('rejected')
  }, 60_000)

  it('T3: the provider\'s evidence of the real MCP tool call is verified, and the receipt is bound to it and counted by both', async () => {
    allow(p1, 'everything/echo')
    deny(p2, 'everything/echo')
    const done = await r.net.negotiation.delegate({ intent: 'echo a message back', input: { message: 'hello over the network' }, topic: TOPIC, capability: 'everything/echo', tier: 'T3' })
    expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(p1), receipt: { bothSigned: true }, verification: { tier: 'T3', evidenceCalls: 1 } })
    expect(done.result?.content[0]).toMatchObject({ type: 'text', text: 'Echo: hello over the network' })
    expect(keeps(r, done.receipt.hash)).toBe(true)
    await eventually(() => keeps(p1, done.receipt.hash), 'the provider to keep the receipt', 10_000)
  }, 60_000)

  it('a task past its deadline fails with that reason, and the provider stops working on it', async () => {
    allow(p1, SLOW)
    deny(p2, SLOW)
    const done = await r.net.negotiation.delegate({ intent: 'a long running operation', input: { duration: 20, steps: 4 }, topic: TOPIC, capability: SLOW, deadlineMs: 3_000 })
    expect(done).toMatchObject({ state: 'failed', reason: 'the deadline passed' })
    // Attributed: the late delivery is stored as a trace the topic's terms are repaired against.
    expect(r.net.negotiation.traces.traces(TOPIC)).toContainEqual(expect.objectContaining({ kind: 'late_delivery', task: done.task }))
    await eventually(() => ['failed', 'canceled'].includes(p1.net.negotiation.get(done.task).state), 'the provider to end the task', 10_000)
  }, 30_000)

  it('does not wait until the deadline for a candidate whose person is still deciding: the offer in is taken, the other request withdrawn', async () => {
    p1.person.attached = true
    noRule(p1)
    allow(p2)
    const started = Date.now()
    const done = await r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'one two' }, topic: TOPIC, capability: WORDS, deadlineMs: 60_000 })
    expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(p2), receipt: { bothSigned: true } })
    // The lone offer waited its patience (2 s by default) for a second one, not the 60 s deadline.
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(done.attempts).toContainEqual(expect.objectContaining({ provider: peerIdOf(p1), stage: 'offer', outcome: 'late' }))
    await eventually(() => p1.host.policy.approvals.pending().length === 0, 'the request withdrawn from p1\'s inbox', 10_000)
    await eventually(() => stateAt(p1, done.task) === 'canceled', 'p1 to end its side', 10_000)
  }, 40_000)

  it('a canceled task stops at both ends', async () => {
    let task: string | undefined
    const running = r.net.negotiation.delegate({ intent: 'a long running operation', input: { duration: 20, steps: 4 }, topic: TOPIC, capability: SLOW, deadlineMs: 60_000 }, { onTask: id => { task = id } })
    await eventually(() => stateAt(p1, task) === 'working', 'the provider at work', 20_000)
    r.net.negotiation.cancel(task!)
    const done = await running
    expect(done.state).toBe('canceled')
    await eventually(() => p1.net.negotiation.get(task!).state === 'canceled', 'the provider to cancel', 10_000)
    expect(p1.net.negotiation.timeline(task!).at(-1)).toMatchObject({ to: 'canceled', actor: expect.stringMatching(/^peer:/) })
  }, 40_000)

  it('refuses a task message that is oversized, signed by another key than the sender\'s, or with a broken signature', async () => {
    const signer = await r.host.identity.agentSigner()
    const terms = termsFor(DEFAULT_MECHANISM, Date.now())
    const taskRequest = (task: string, by = signer) => encodeTaskRequest({ task, topic: TOPIC, capability: WORDS, intent: 'count', input: { digest: sha256(encode({ text: 'x' })), size: 10, dataClasses: [] }, terms, requester: by.publicKey, createdAt: Date.now() }, by)
    // Over the task protocol's own sessions, as a hostile requester would write them.
    const sessions = new RequestSessions(r.net.peer, StreamProtocols.task, { maxRequestBytes: 1 << 20, maxResponseBytes: 1 << 20, timeoutMs: 5_000 })
    const send = async (body: Uint8Array): Promise<Uint8Array> => await sessions.request(agentPeerId(p1.host.identity.chain().head.record.agent), body)
    const bundle = r.host.identity.exportBundle()

    await expect(send(new Uint8Array(300 * 1024))).rejects.toThrow()

    await expect(send(encodeFrame({ m: taskRequest('forged-1', testSigner()), x: bundle }))).rejects.toThrow()
    const broken = taskRequest('forged-2')
    broken[broken.length - 5]! ^= 0xff
    await expect(send(encodeFrame({ m: broken, x: bundle }))).rejects.toThrow()
    for (const task of ['forged-1', 'forged-2']) expect(() => new TaskStore(p1.host.db).get(task)).toThrow(expect.objectContaining({ name: 'UnknownTaskError' }))
    // The same protocol still serves a well-formed request from that peer.
    expect((await send(encodeFrame({ m: taskRequest('honest-1'), x: bundle }))).byteLength).toBeGreaterThan(0)
    sessions.close()
  }, 30_000)

  it('T2 canary: a provider that bends its tool\'s answers is caught before the award, a fraud proof is kept, and the topic\'s terms are repaired', async () => {
    allow(p1)
    allow(p2)
    deny(p1)
    // p2 runs the real tool but reports one word more: a dishonest peer, as a requester meets one.
    const tools = p2.net.tools
    const honest = tools.run.bind(tools)
    tools.run = async (call, options) => {
      const result = await honest(call, options)
      return { ...result, structured: { ...result.structured, words: Number(result.structured?.words) + 1 } }
    }
    try {
      const done = await r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'one two three' }, topic: TOPIC, capability: WORDS, tier: 'T2', canary: true })
      expect(done).toMatchObject({ state: 'failed', receipt: { bothSigned: false } })
      expect(done.attempts).toContainEqual(expect.objectContaining({ provider: peerIdOf(p2), stage: 'canary', outcome: 'failed', reason: expect.stringMatching(/canary failed: words/) }))
      // Nothing was awarded: the provider never got the input, nor credits.
      expect(r.host.policy.ledger.entries({ task: done.task })).toEqual([])
      expect(r.host.reputation.store.fraudProofs(baidOf(p2))).toEqual([expect.objectContaining({ kind: 'failed-canary' })])
      expect(r.net.negotiation.traces.traces(TOPIC)).toContainEqual(expect.objectContaining({ kind: 'wrong_result', task: done.task }))
      expect(r.net.negotiation.traces.current(TOPIC)?.reason).toMatch(/repaired .*after wrong_result/)
    } finally {
      tools.run = honest
    }
  }, 60_000)

  it('keeps task states and the approval queue across a restart', async () => {
    p1.person.attached = true
    noRule(p1)
    deny(p2)
    let task: string | undefined
    const running = r.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'persist me' }, topic: TOPIC, capability: WORDS, deadlineMs: 60_000 }, { onTask: id => { task = id } })
    await eventually(() => p1.host.policy.approvals.pending().length === 1, 'the request in the provider\'s inbox', 20_000)
    const pending = p1.host.policy.approvals.pending()[0]!
    agents.splice(agents.indexOf(p1), 1)
    await p1.host.stop()
    const done = await running
    expect(done.task).toBe(task)
    expect(done.state).toBe('rejected')

    const again = await createHost({ dataDir: p1.dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST, interactive: () => true })
    try {
      expect(again.policy.approvals.pending()).toEqual([expect.objectContaining({ id: pending.id, task: pending.task, status: 'pending' })])
      const store = new TaskStore(again.db)
      expect(store.get(pending.task).state).toBe('auth-required')
      expect(store.transitions(pending.task).map(t => t.to)).toEqual(['submitted', 'auth-required'])
      expect(again.policy.approvals.decide(pending.id, 'deny')).toMatchObject({ status: 'denied', decidedBy: 'person' })
    } finally {
      await again.stop()
    }
  }, 60_000)
})
