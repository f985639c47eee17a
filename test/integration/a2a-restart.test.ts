import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Role, TaskState, type Message, type SendMessageRequest, type Task } from '@a2a-js/sdk'
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, createAuthenticatingFetchWithRetry, type Client } from '@a2a-js/sdk/client'
import { createHost, type Host, type Network } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { negotiationDelegator, ownAgentCard, startA2aEndpoint, type A2aEndpoint } from '../../core/interop/index.ts'
import { TaskStore } from '../../core/negotiation/task-store.ts'
import { TASK_TOPIC, WORD_COUNT } from '../helpers/agents.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// The local A2A endpoint over real agents on loopback: an A2A client reads its tasks back after the agent restarts (they
// are the delegations the negotiation plane keeps), only the latest few are held in memory, and after the agent goes offline
// and online again new tasks go to the network it has now.

/** `online`: the network the app has now (as `app.network()`), undefined while offline. */
interface Agent { host: Host, net: Network, online: Network | undefined, dataDir: string }
const running: Agent[] = []
const endpoints: A2aEndpoint[] = []

async function agent (dataDir: string, config: Record<string, unknown>, bootstrap: string[] = []): Promise<Agent> {
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ interests: [TASK_TOPIC], ...config }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST, interactive: () => false })
  if (!host.identity.exists()) await host.identity.create(host.digests())
  await host.start()
  const net = await host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap })
  const made = { host, net, online: net as Network | undefined, dataDir }
  running.push(made)
  return made
}

/** The endpoint as the daemon serves it: the current network's negotiation, the delegations the database keeps. */
async function endpointOf (a: Agent, maxTasksInMemory?: number): Promise<{ endpoint: A2aEndpoint, client: Client }> {
  const endpoint = await startA2aEndpoint({
    port: 0,
    card: async url => await ownAgentCard(a.host.identity, { name: 'a2a restart test', capabilities: [], url }),
    delegator: negotiationDelegator(() => a.online?.negotiation),
    records: new TaskStore(a.host.db),
    ...(maxTasksInMemory === undefined ? {} : { maxTasksInMemory })
  })
  endpoints.push(endpoint)
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, { headers: async () => ({ authorization: `Bearer ${endpoint.token}` }), shouldRetryWithHeaders: async () => undefined })
  const client = await new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] })).createFromUrl(endpoint.baseUrl)
  return { endpoint, client }
}

function send (text: string): SendMessageRequest {
  const message: Message = {
    messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, metadata: { topic: TASK_TOPIC }, extensions: [], referenceTaskIds: [],
    parts: [
      { content: { $case: 'text', value: 'count the words of a text' }, metadata: undefined, filename: '', mediaType: 'text/plain' },
      { content: { $case: 'data', value: { text } }, metadata: undefined, filename: '', mediaType: 'application/json' }
    ]
  }
  return { tenant: '', message, configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: false }, metadata: undefined }
}

const words = (task: Task): unknown => {
  const part = task.artifacts[0]?.parts[0]?.content
  return part?.$case === 'data' ? (part.value as { words?: unknown }).words : undefined
}
const get = async (client: Client, id: string): Promise<Task> => await client.getTask({ tenant: '', id, historyLength: undefined })

let provider: Agent
let requesterDir: string
/** The requester's discovery index lives in memory: a new network learns the provider's capability from its next announcement. */
const discovered = async (a: Agent): Promise<void> => {
  await eventually(async () => {
    if ((await a.net.discovery.discover('count the words of a text', { topic: TASK_TOPIC }, { limit: 10 })).some(c => c.descriptor.id === WORD_COUNT.id)) return true
    await provider.net.discovery.announce()
    return false
  }, 'the word count at the requester', 60_000)
}

beforeAll(async () => {
  provider = await agent(tempDir(), { capabilities: [WORD_COUNT] })
  provider.host.policy.approvals.setRule({ direction: 'serve', capability: WORD_COUNT.id, mode: 'allow' })
  requesterDir = join(tempDir(), 'requester')
  mkdirSync(requesterDir)
}, 120_000)

afterAll(async () => {
  await Promise.all(endpoints.splice(0).map(async e => { await e.close() }))
  await Promise.all(running.splice(0).map(async a => { await a.host.stop() }))
})

describe('A2A tasks', () => {
  it('are read back after a restart and beyond the few kept in memory; after offline and online they go to the current network', async () => {
    const bootstrap = [provider.net.peer.getMultiaddrs()[0]!.toString()]
    const requester = await agent(requesterDir, {}, bootstrap)
    await discovered(requester)
    const { endpoint, client } = await endpointOf(requester, 1)

    const first = await client.sendMessage(send('one two three')) as Task
    expect(first.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(words(first)).toBe(3)
    // Its delegation is the A2A task, under the same id.
    expect(requester.net.negotiation.get(first.id)).toMatchObject({ role: 'requester', state: 'completed' })
    const second = await client.sendMessage(send('four five')) as Task
    expect(words(second)).toBe(2)
    // Only one task is held in memory; the first is read back from its delegation, result and all.
    const firstAgain = await get(client, first.id)
    expect(firstAgain).toMatchObject({ id: first.id, contextId: first.contextId })
    expect(firstAgain.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(words(firstAgain)).toBe(3)

    // Offline, a task fails saying so; online again (a new network, a new negotiation plane) it goes through.
    await requester.host.disconnect()
    requester.online = undefined
    const offline = await client.sendMessage(send('six')) as Task
    expect(offline.status?.state).toBe(TaskState.TASK_STATE_FAILED)
    expect(offline.status?.message?.metadata?.error).toMatchObject({ name: 'NotOnlineError' })
    requester.net = await requester.host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap })
    requester.online = requester.net
    await discovered(requester)
    const online = await client.sendMessage(send('seven eight nine ten')) as Task
    expect(online.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(words(online)).toBe(4)

    // The agent restarts: a new endpoint, a new process's memory; the client reads its tasks from the database.
    await endpoint.close()
    await requester.host.stop()
    const restarted = await agent(requesterDir, {}, bootstrap)
    await discovered(restarted)
    const after = await endpointOf(restarted)
    for (const [task, count] of [[first, 3], [second, 2], [online, 4]] as const) {
      const read = await get(after.client, task.id)
      expect(read.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
      expect(words(read)).toBe(count)
      expect(read.contextId).toBe(task.contextId)
    }
    const listed = await after.client.listTasks({ tenant: '', contextId: '', status: 0, pageSize: 50, pageToken: '', historyLength: undefined, statusTimestampAfter: undefined, includeArtifacts: false } as never)
    expect(listed.tasks.map(t => t.id)).toEqual(expect.arrayContaining([first.id, second.id, online.id]))
    // Tasks nobody asked for through A2A are not the A2A client's to read.
    const own = await restarted.net.negotiation.delegate({ intent: 'count the words of a text', input: { text: 'mine' }, topic: TASK_TOPIC, capability: WORD_COUNT.id })
    await expect(get(after.client, own.task)).rejects.toThrow(/not found/i)
  }, 300_000)
})
