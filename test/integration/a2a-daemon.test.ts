import { randomUUID } from 'node:crypto'
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, createAuthenticatingFetchWithRetry } from '@a2a-js/sdk/client'
import { Role, TaskState, type Message, type SendMessageRequest, type Task } from '@a2a-js/sdk'
import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'
import { daemons } from '../helpers/daemon.ts'
import { eventually } from '../helpers/peers.ts'
import { agentDir, TASK_TOPIC, WORD_COUNT } from '../helpers/agents.ts'

// `hearth daemon --a2a`: an A2A client on this machine hands a task to the agent, which delegates it to a real provider
// daemon over the network; the provider's person approves it from the command line.

const daemon = daemons()
const ENV = { HEARTH_PASSPHRASE: 'a2a daemon passphrase' }
const WORDS = WORD_COUNT
const agent = async (capabilities: unknown[] = []): Promise<string> => await agentDir(ENV, capabilities, { name: 'A2A test agent' })

function send (intent: string, input: unknown): SendMessageRequest {
  const message: Message = {
    messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, metadata: { topic: TASK_TOPIC }, extensions: [], referenceTaskIds: [],
    parts: [
      { content: { $case: 'text', value: intent }, metadata: undefined, filename: '', mediaType: 'text/plain' },
      { content: { $case: 'data', value: input }, metadata: undefined, filename: '', mediaType: 'application/json' }
    ]
  }
  return { tenant: '', message, configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: false }, metadata: undefined }
}

describe('hearth daemon --a2a', () => {
  it('serves its signed card on 127.0.0.1 and delegates an A2A task to a provider on the network', async () => {
    const providerDir = await agent([WORDS])
    const requesterDir = await agent()
    const provider = await daemon(['--data-dir', providerDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--interactive'], ENV)
    const requester = await daemon(['--data-dir', requesterDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', provider.ready.addrs[0]!, '--a2a', '0'], ENV)
    const a2a = (requester.ready as unknown as { a2a: { baseUrl: string, token: string } }).a2a
    expect(a2a.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const card = await (await fetch(`${a2a.baseUrl}/.well-known/agent-card.json`)).json() as { name: string, signatures: unknown[] }
    expect(card.name).toBe('A2A test agent')
    expect(card.signatures).toHaveLength(1)
    // Tasks need the launch's token.
    const anonymous = await fetch(`${a2a.baseUrl}/a2a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(anonymous.status).toBe(401)

    await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'count the words of a text', '--json'])).json?.candidates?.length > 0, 'the capability at the requester', 30_000)
    const fetchImpl = createAuthenticatingFetchWithRetry(fetch, { headers: async () => ({ authorization: `Bearer ${a2a.token}` }), shouldRetryWithHeaders: async () => undefined })
    const client = await new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] })).createFromUrl(a2a.baseUrl)
    const sent = client.sendMessage(send('count the words of a text', { text: 'the quick brown fox\njumps over the lazy dog' }))

    let pending: Array<{ id: string }> = []
    await eventually(async () => (pending = (await hearth(['--data-dir', providerDir, 'inbox', '--json'])).json?.pending ?? []).length === 1, 'the request in the provider\'s inbox', 30_000)
    expect((await hearth(['--data-dir', providerDir, 'inbox', 'approve', pending[0]!.id, '--json'])).json).toMatchObject({ status: 'allowed' })
    const task = await sent as Task
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(JSON.stringify(task.artifacts)).toContain('"words":9')
  }, 300_000)
})
