import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { isTerminal } from '../../core/negotiation/lifecycle.ts'
import type { TaskState } from '../../core/api/negotiation.ts'
import { peerIdOf as peerIdOfKey } from '../../core/identity/ids.ts'
import { eventually } from '../helpers/peers.ts'
import { networkAgent, type NetworkAgent } from '../helpers/agents.ts'
import { EVERYTHING } from '../helpers/mcp.ts'

// Faults during a negotiation between real agents on loopback (issue 7 §4): a provider's node lost mid-execution, a partition
// while offers are collected and while the result is delivered. No task stays live past its deadline on either side, the
// requester fails over to the next candidate when there is one, and its timeline says why, in words the UI shows.

const TOPIC = 'data_analysis'
const SLOW = 'everything/trigger-long-running-operation'
const INTENT = 'a long running operation'

type Agent = NetworkAgent
const agents: Agent[] = []

const agent = async (config: Record<string, unknown>, bootstrap: string[] = []): Promise<Agent> => await networkAgent(config, bootstrap, agents)

let requester: Agent
let world: Agent[] = []
const peerIdOf = (a: Agent): string => a.host.identity.info().peerId
const stateAt = (a: Agent, task: string | undefined): TaskState | undefined => {
  try { return task === undefined ? undefined : a.net.negotiation.get(task).state } catch { return undefined }
}

/**
 * A fresh requester and two providers of the slow tool (the first cheaper, so tried first), both known to the requester and
 * serving it without asking: no trust or discovery carried over from another test.
 */
async function providers (): Promise<[Agent, Agent]> {
  requester = await agent({})
  const bootstrap = [requester.net.peer.getMultiaddrs()[0]!.toString()]
  const make = async (price: number): Promise<Agent> => {
    const p = await agent({ mcpServers: [{ ...EVERYTHING, topics: [TOPIC], price }] }, bootstrap)
    p.host.policy.approvals.setRule({ direction: 'serve', capability: SLOW, mode: 'allow' })
    return p
  }
  const pair: [Agent, Agent] = [await make(1), await make(2)]
  world = [requester, ...pair]
  const ids = pair.map(peerIdOf)
  await eventually(async () => {
    const found = (await requester.net.discovery.discover(INTENT, { topic: TOPIC }, { limit: 50 })).filter(c => c.descriptor.id === SLOW).map(c => c.descriptor.agent)
    return ids.every(id => found.some(key => peerIdOfKey(key) === id))
  }, 'both new providers at the requester', 60_000)
  return pair
}

// A host whose libp2p node was stopped under it does not stop cleanly (its discovery unsubscribes from a stopped pubsub): that
// is not what these tests are about, so its cleanup is best effort.
const stop = async (list: Agent[]): Promise<void> => { await Promise.all(list.map(async a => { await a.host.stop().catch(() => undefined) })) }
afterEach(async () => { await stop(world.splice(0)) })
afterAll(async () => { await stop(agents.splice(0)) })

/** The provider's node goes away: its connections close and it answers nothing more. */
const lose = async (a: Agent): Promise<void> => { await a.net.peer.stop() }

/** The state lines of the requester's timeline, as the UI lists them. */
const states = (task: string): Array<{ to: string, reason: string }> => requester.net.negotiation.entries(task).flatMap(e => e.kind === 'state' ? [{ to: e.to, reason: e.reason }] : [])
const checks = (task: string): string[] => requester.net.negotiation.entries(task).flatMap(e => e.kind === 'verification' && !e.passed ? [e.detail] : [])

describe('faults during a negotiation', () => {
  it('a provider lost mid-execution: the requester fails over to the next, says why, and the lost provider\'s side ends by its deadline', async () => {
    const [first, second] = await providers()
    let task: string | undefined
    const deadlineMs = 20_000
    const started = Date.now()
    const running = requester.net.negotiation.delegate({ intent: INTENT, input: { duration: 3, steps: 3 }, topic: TOPIC, capability: SLOW, deadlineMs }, { onTask: id => { task = id } })
    await eventually(() => stateAt(first, task) === 'working', 'the first provider at work', 20_000)
    await lose(first)
    const done = await running
    expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(second), receipt: { bothSigned: true } })
    expect(Date.now() - started).toBeLessThan(deadlineMs)
    expect(done.attempts).toContainEqual(expect.objectContaining({ provider: peerIdOf(first), stage: 'execution', outcome: 'failed' }))
    // The person sees why: the failed check of the lost provider, and the failover in the reason it completed.
    expect(checks(done.task)).toEqual([expect.stringContaining(peerIdOf(first))])
    expect(states(done.task).at(-1)).toMatchObject({ to: 'completed', reason: expect.stringMatching(new RegExp(`^${peerIdOf(second)} delivered after failing over from ${peerIdOf(first)} \\(execution: `)) })
    expect(stateAt(second, done.task)).toBe('completed')
    // The lost provider cannot hear the cancel: its own side of the task ends at the deadline, not later.
    await eventually(() => isTerminal(stateAt(first, done.task)!), 'the lost provider\'s task to end', deadlineMs + 5_000)
    expect(Date.now() - started).toBeLessThan(deadlineMs + 1_000)
    expect(first.net.negotiation.timeline(done.task).at(-1)).toMatchObject({ to: 'failed', reason: expect.stringMatching(/not delivered|the deadline passed/) })
  }, 120_000)

  it('a partition while offers are collected: the cut-off candidate is passed over, the task completes elsewhere, and both sides end by the deadline', async () => {
    const [first, second] = await providers()
    // The first provider's person is asked, and is still deciding when the partition comes.
    first.person.attached = true
    first.host.policy.approvals.removeRule('serve', SLOW)
    let task: string | undefined
    const deadlineMs = 15_000
    const running = requester.net.negotiation.delegate({ intent: INTENT, input: { duration: 1, steps: 1 }, topic: TOPIC, capability: SLOW, deadlineMs }, { onTask: id => { task = id } })
    await eventually(() => stateAt(first, task) === 'auth-required', 'the request waiting for the first provider\'s person', 20_000)
    await lose(first)
    const done = await running
    expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(second) })
    expect(done.attempts.find(a => a.provider === peerIdOf(first))).toMatchObject({ stage: 'offer', outcome: expect.stringMatching(/unreachable|late/) })
    // Cut off, the first provider's side waits for nobody past the deadline: the request leaves its person's inbox too.
    await eventually(() => isTerminal(stateAt(first, done.task)!), 'the cut-off provider\'s task to end', deadlineMs + 5_000)
    expect(first.host.policy.approvals.pending()).toEqual([])
  }, 120_000)

  it('the requester goes offline mid-task: the task ends saying so, and the provider working on it is told before the node goes', async () => {
    const [first] = await providers()
    let task: string | undefined
    const running = requester.net.negotiation.delegate({ intent: INTENT, input: { duration: 10, steps: 5 }, topic: TOPIC, capability: SLOW, deadlineMs: 60_000 }, { onTask: id => { task = id } })
    await eventually(() => stateAt(first, task) === 'working', 'the provider at work', 20_000)
    await requester.host.disconnect()
    const done = await running
    expect(done).toMatchObject({ state: 'canceled', reason: 'Hearth went offline before the task ended' })
    await eventually(() => stateAt(first, task) === 'canceled', 'the provider told', 10_000)
    expect(first.net.negotiation.timeline(task!).at(-1)).toMatchObject({ to: 'canceled', actor: expect.stringMatching(/^peer:/) })
  }, 90_000)

  it('a partition while the result is delivered: the requester fails over; with no candidate left it fails at once, saying why', async () => {
    const [first, second] = await providers()
    // The first provider finishes the tool, and its connections drop as the result goes out.
    const cut = first.net.negotiation.events.on('task:state', t => {
      if (t.to === 'completed') for (const c of first.net.peer.getConnections()) c.abort(new Error('partition'))
    })
    let done
    try {
      done = await requester.net.negotiation.delegate({ intent: INTENT, input: { duration: 1, steps: 1 }, topic: TOPIC, capability: SLOW, deadlineMs: 20_000 })
    } finally {
      cut()
    }
    expect(done).toMatchObject({ state: 'completed', provider: peerIdOf(second) })
    expect(done.attempts).toContainEqual(expect.objectContaining({ provider: peerIdOf(first), stage: 'execution', outcome: 'failed' }))
    expect(states(done.task).at(-1)!.reason).toContain(`after failing over from ${peerIdOf(first)}`)

    // Now the only provider left drops off mid-task: nobody to fail over to, so the task fails then, not at the deadline.
    await lose(first)
    let task: string | undefined
    const started = Date.now()
    const running = requester.net.negotiation.delegate({ intent: INTENT, input: { duration: 4, steps: 4 }, topic: TOPIC, capability: SLOW, deadlineMs: 30_000 }, { onTask: id => { task = id } })
    await eventually(() => stateAt(second, task) === 'working', 'the last provider at work', 20_000)
    await lose(second)
    const failed = await running
    expect(failed.state).toBe('failed')
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(failed.reason).toMatch(new RegExp(`every provider failed: .*${peerIdOf(second).slice(-8)} at execution \\(no result`))
    expect(states(failed.task).at(-1)).toMatchObject({ to: 'failed', reason: failed.reason })
  }, 150_000)
})
