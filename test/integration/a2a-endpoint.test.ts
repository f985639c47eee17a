import { createHash, randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Role, TaskState, type Message, type SendMessageRequest, type Task } from '@a2a-js/sdk'
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, createAuthenticatingFetchWithRetry, type Client } from '@a2a-js/sdk/client'
import { toErrorInfo, ToolCanceledError } from '../../core/api/errors.ts'
import type { DelegateOptions, DelegationOutcome, DelegationRequest, Delegator } from '../../core/api/interop.ts'
import { BUILTIN_TOOLS, BuiltinExecutor, type BuiltinTool } from '../../core/execution/builtins.ts'
import type { JsonObject } from '../../core/execution/tool.ts'
import { verifyChain } from '../../core/identity/baid.ts'
import { peerIdOf } from '../../core/identity/ids.ts'
import { buildAgentCard, parseAgentCard, signAgentCard, startA2aEndpoint, verifyAgentCard, type A2aEndpoint } from '../../core/interop/index.ts'
import { buildChain, testSigner } from '../helpers/identity.ts'

// A real @a2a-js/sdk client against the real endpoint on loopback; the delegator runs Hearth's built-in tools.

/** Waits until canceled: a stand-in for a long delegation. */
const waitTool: BuiltinTool = {
  descriptor: { name: 'wait', title: undefined, description: 'Wait until canceled.', inputSchema: { type: 'object' }, outputSchema: undefined },
  run: (_input, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
}

/** A small real Delegator: the intent names a built-in tool, which runs on the input under the task's signal. */
class BuiltinDelegator implements Delegator {
  readonly executor = new BuiltinExecutor({ tools: [...BUILTIN_TOOLS, waitTool] })
  readonly seen: DelegationRequest[] = []
  readonly aborted: string[] = []

  async delegate (request: DelegationRequest, { signal, onUpdate }: DelegateOptions): Promise<DelegationOutcome> {
    this.seen.push(request)
    const tool = this.executor.list().find(t => request.intent.toLowerCase().split(/\s+/).includes(t.name))
    if (tool === undefined) return { state: 'rejected', error: { name: 'NoCandidatesError', message: `nobody offers "${request.intent}"` } }
    signal.addEventListener('abort', () => this.aborted.push(request.intent), { once: true })
    onUpdate?.({ state: 'working', note: `running builtin/${tool.name}` })
    try {
      const result = await this.executor.run({ tool: `builtin/${tool.name}`, input: request.input as JsonObject }, { signal })
      return { state: 'completed', result: result.structured ?? result.content }
    } catch (err) {
      return { state: err instanceof ToolCanceledError ? 'canceled' : 'failed', error: toErrorInfo(err) }
    }
  }
}

const agent = testSigner()
const chain = verifyChain(buildChain(testSigner(), [agent]).map(l => l.envelope.bytes))
const who = { baidId: chain.baidId, peerId: peerIdOf(agent.publicKey), baidVersion: 1 }
const delegator = new BuiltinDelegator()
let endpoint: A2aEndpoint
let client: Client

function clientWith (token: string): Promise<Client> {
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, { headers: async () => ({ authorization: `Bearer ${token}` }), shouldRetryWithHeaders: async () => undefined })
  const options = ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] })
  return new ClientFactory(options).createFromUrl(endpoint.baseUrl)
}

function send (intent: string | undefined, input?: unknown, returnImmediately = false, metadata?: Record<string, unknown>): SendMessageRequest {
  const parts = [
    ...(intent === undefined ? [] : [{ content: { $case: 'text' as const, value: intent }, metadata: undefined, filename: '', mediaType: 'text/plain' }]),
    ...(input === undefined ? [] : [{ content: { $case: 'data' as const, value: input }, metadata: undefined, filename: '', mediaType: 'application/json' }])
  ]
  const message: Message = { messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata, extensions: [], referenceTaskIds: [] }
  return { tenant: '', message, configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately }, metadata: undefined }
}

function asTask (result: Message | Task): Task {
  if (!('status' in result)) throw new Error(`expected a task, got a message: ${JSON.stringify(result)}`)
  return result
}

const dataOf = (task: Task): unknown => {
  const part = task.artifacts[0]?.parts[0]?.content
  return part?.$case === 'data' ? part.value : undefined
}

beforeAll(async () => {
  endpoint = await startA2aEndpoint({
    port: 0,
    card: url => signAgentCard(buildAgentCard({ name: 'Loopback agent', identity: who, url, version: '0.1.0', descriptors: [] }), agent, who),
    delegator
  })
  client = await clientWith(endpoint.token)
})
afterAll(async () => { await endpoint?.close() })

describe('local A2A endpoint', () => {
  it('serves a card that names its own URL and verifies against the agent\'s BAID', async () => {
    const response = await fetch(`${endpoint.baseUrl}/.well-known/agent-card.json`)
    const card = parseAgentCard(new Uint8Array(await response.arrayBuffer()))
    expect(verifyAgentCard(card, chain)).toMatchObject({ baidId: chain.baidId, url: endpoint.url })
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/a2a$/)
  })

  it('runs a task from submitted to completed and returns the tool\'s result', async () => {
    const task = asTask(await client.sendMessage(send('sha256 of this text', { text: 'hello' }, false, { topic: 'data_analysis' })))
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
    expect(dataOf(task)).toEqual({ sha256: createHash('sha256').update('hello').digest('hex') })
    expect(delegator.seen.at(-1)).toEqual({ intent: 'sha256 of this text', input: { text: 'hello' }, topic: 'data_analysis' })
    const again = await client.getTask({ tenant: '', id: task.id, historyLength: undefined })
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED)
  })

  it('streams the states a task passes through', async () => {
    const states: TaskState[] = []
    let words: unknown
    for await (const event of client.sendMessageStream(send('word-count', { text: 'one two\nthree' }))) {
      const p = event.payload
      if (p?.$case === 'task') states.push(p.value.status!.state)
      if (p?.$case === 'statusUpdate') states.push(p.value.status!.state)
      if (p?.$case === 'artifactUpdate') words = p.value.artifact?.parts[0]?.content?.value
    }
    expect(states).toEqual([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED])
    expect(words).toEqual({ words: 3, lines: 2 })
  })

  it('cancels a running task: the delegation is aborted and the task ends canceled', async () => {
    const started = asTask(await client.sendMessage(send('wait for me', {}, true)))
    expect(started.status?.state).not.toBe(TaskState.TASK_STATE_COMPLETED)
    await expect.poll(() => delegator.seen.some(r => r.intent === 'wait for me')).toBe(true)
    const canceled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined })
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED)
    expect(delegator.aborted).toContain('wait for me')
    const later = await client.getTask({ tenant: '', id: started.id, historyLength: undefined })
    expect(later.status?.state).toBe(TaskState.TASK_STATE_CANCELED)
  })

  it('maps a failed delegation to failed, with the error\'s name', async () => {
    const task = asTask(await client.sendMessage(send('sha256', { wrong: 1 })))
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED)
    expect(task.status?.message?.metadata?.error).toMatchObject({ name: 'ToolInputInvalidError' })
  })

  it('rejects a task with no intent, and one nobody can serve', async () => {
    const empty = asTask(await client.sendMessage(send(undefined, { text: 'x' })))
    expect(empty.status?.state).toBe(TaskState.TASK_STATE_REJECTED)
    const unknown = asTask(await client.sendMessage(send('translate to Klingon', { text: 'x' })))
    expect(unknown.status?.state).toBe(TaskState.TASK_STATE_REJECTED)
    expect(unknown.status?.message?.metadata?.error).toMatchObject({ name: 'NoCandidatesError' })
  })

  it('refuses a client without the launch\'s token', async () => {
    const stranger = await clientWith('not-the-token')
    await expect(stranger.sendMessage(send('echo', { text: 'hi' }))).rejects.toThrow()
    const bare = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(bare.status).toBe(401)
  })

  it('refuses a request addressed by another host name (DNS rebinding) or from a web page', async () => {
    const status = (headers: Record<string, string>): Promise<number | undefined> => new Promise((resolve, reject) => {
      const req = request(`${endpoint.baseUrl}/.well-known/agent-card.json`, { headers }, res => { res.resume(); resolve(res.statusCode) })
      req.on('error', reject)
      req.end()
    })
    expect(await status({ host: 'attacker.example:80' })).toBe(403)
    expect(await status({ origin: 'https://attacker.example' })).toBe(403)
  })

  it('refuses an oversized request before reading it', async () => {
    const response = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}` }, body: 'x'.repeat(2 * 1024 * 1024) })
    expect(response.status).toBe(413)
  })

  it('will not bind to anything but loopback', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      await expect(startA2aEndpoint({ host, port: 0, card: () => endpoint.card, delegator })).rejects.toMatchObject({ name: 'A2aBindRefusedError' })
    }
  })
})
