import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request as httpRequest } from 'node:http'
import { A2A_VERSION_HEADER } from '@a2a-js/sdk'
import WebSocket from 'ws'
import { API_METHODS, type ApiBackend } from '../../core/api/app.ts'
import { NoCandidatesError } from '../../core/api/errors.ts'
import { dispatch } from '../../core/app/dispatch.ts'
import type { Handlers } from '../../core/app/context.ts'
import { startUiBridge, type UiBridge } from '../../core/daemon/ui/server.ts'
import { buildAgentCard, signAgentCard, startA2aEndpoint, type A2aEndpoint } from '../../core/interop/index.ts'
import { peerIdOf } from '../../core/identity/ids.ts'
import { REFUSED } from './engine.ts'
import { mutatedJson } from './mutate.ts'
import { UnnamedRefusal, type Fixtures, type FuzzTarget } from './targets.ts'

// The app api (the web bridge's WebSocket and dispatch) and the local A2A endpoint, fuzzed as a client on this machine
// sees them: real servers on loopback, frames sent over real sockets.

/** A Hang or unexpected close from a server: the input took it down instead of being refused. */
export class ServerFault extends RangeError {}

/** Every api method answered once its params pass their schema: the frame decoder and the validators are what is fuzzed. */
function echoHandlers (): Handlers {
  return Object.fromEntries(API_METHODS.map(m => [m, async () => ({ ok: true })])) as Handlers
}

/** Valid params per method (an empty object for the rest), to mutate from. */
const PARAMS: Record<string, unknown> = {
  'identity.create': { keystore: 'file' },
  'identity.restore': { backup: 'aGVhcnRo', passphrase: 'correct horse' },
  'identity.backup': { passphrase: 'correct horse battery' },
  'inbox.history': { limit: 10 },
  'inbox.decide': { id: 'appr-1', decision: 'allow-grant', ttlMs: 3_600_000 },
  'grants.add': { peer: 'baid:zabc', capability: 'lint', topic: 'code_generation', ttlMs: 60_000 },
  'egress.preview': { input: { text: 'hi', email: 'a@b.c' }, topic: 'code_generation', allow: ['public'] },
  'task.delegate': { intent: 'count words', input: { text: 'a b c' }, topic: 'data_analysis', tier: 'T2', reward: 5, deadlineMs: 60_000, canary: true, allow: ['public'] },
  'tasks.list': { role: 'requester', limit: 5 },
  'tasks.get': { task: 'task-1' },
  'discovery.discover': { intent: 'review rust code', topic: 'code_review_security', maxPrice: 10, limit: 5 },
  'trust.show': { peer: 'baid:zabc', topic: 'code_generation' },
  'trust.threshold.set': { topic: 'code_generation', minTrust: 0.3 },
  'agent.constraints.set': { capability: 'lint', topic: 'code_generation', constraints: { minRequesterTrust: 0.2, maxInputBytes: 4096, perPeer: { limit: 5, windowMs: 60_000 }, overall: { limit: 50, windowMs: 60_000 }, allowedDataClasses: ['public'], priceFloor: 1 } },
  'agent.privacy.set': { classes: { personal: 'redact' }, marked: { add: [{ path: '$.user.email', dataClass: 'personal' }], remove: ['$.x'] } },
  'agent.llm.set': { baseUrl: 'http://127.0.0.1:11434', embeddingModel: 'nomic', chatModel: 'llama' },
  'activity.list': { limit: 10, before: 5 },
  'data.deleteAll': { confirm: 'delete everything' },
  'demo.start': { peers: 3 }
}

const frameSeeds = (): unknown[] => API_METHODS.map((method, id) => ({ id, method, params: PARAMS[method] ?? {} }))

/** dispatch() with every method's params schema, as the control socket, the IPC bridge and the web bridge call it. */
export function dispatchTarget (): FuzzTarget<string> {
  const handlers = echoHandlers()
  const seeds = frameSeeds()
  return {
    name: 'api-dispatch',
    inputs: mutatedJson(seeds),
    seeds: seeds.map(s => JSON.stringify(s)),
    generatedShare: 0.6,
    run: async text => {
      let frame: { method?: unknown, params?: unknown } | null
      try { frame = JSON.parse(text) as typeof frame } catch { return REFUSED } // the bridge's own refusal: no frame to dispatch
      // The bridges accept only a string method (the web bridge's frame schema, the control socket's handler names).
      if (typeof frame?.method !== 'string') return REFUSED
      return await dispatch(handlers, frame.method, frame.params)
    }
  }
}

interface Reply { readonly id?: unknown, readonly ok?: unknown, readonly error?: { readonly name?: unknown } }

/** The web UI's api WebSocket (core/daemon/ui/server.ts) over real sockets, with dispatch behind it. */
export function websocketTarget (): FuzzTarget<string> {
  const seeds = frameSeeds()
  let bridge: UiBridge | undefined
  let rendererDir: string | undefined
  const idle: WebSocket[] = []
  const connect = async (): Promise<WebSocket> => await new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge!.port}/api`, { headers: { host: `127.0.0.1:${bridge!.port}`, origin: bridge!.origin, authorization: `Bearer ${bridge!.token}` }, maxPayload: 4 * 1024 * 1024 })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
  return {
    name: 'api-websocket',
    inputs: mutatedJson(seeds),
    seeds: seeds.map(s => JSON.stringify(s)),
    generatedShare: 0.6,
    concurrency: 8,
    async open () {
      rendererDir = mkdtempSync(join(tmpdir(), 'hearth-fuzz-ui-'))
      const handlers = echoHandlers()
      const backend: ApiBackend = { call: async (method, params) => await dispatch(handlers, method, params), subscribe: () => () => undefined }
      bridge = await startUiBridge({ port: 0, backend, rendererDir })
    },
    run: async text => {
      const ws = idle.pop() ?? await connect()
      const outcome = await new Promise<Reply | { closed: number }>((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData): void => { done(); resolve(JSON.parse(String(data)) as Reply) }
        const onClose = (code: number): void => { done(); resolve({ closed: code }) }
        const onError = (err: Error): void => { done(); reject(new ServerFault(`socket error: ${err.message}`)) }
        const done = (): void => { ws.off('message', onMessage); ws.off('close', onClose); ws.off('error', onError) }
        ws.on('message', onMessage)
        ws.once('close', onClose)
        ws.once('error', onError)
        ws.send(text)
      })
      if ('closed' in outcome) {
        // 1008: the server's refusal of a frame it cannot answer (not JSON, no id); 1009: over the size limit.
        if (outcome.closed !== 1008 && outcome.closed !== 1009) throw new ServerFault(`the server closed the socket with ${outcome.closed}`)
        return REFUSED
      }
      idle.push(ws)
      if (outcome.ok !== false) return outcome
      if (typeof outcome.error?.name !== 'string' || outcome.error.name === 'InternalError') throw new UnnamedRefusal(`reply without a named error: ${JSON.stringify(outcome).slice(0, 200)}`)
      return REFUSED
    },
    async close () {
      for (const ws of idle.splice(0)) ws.terminate()
      await bridge?.close()
      if (rendererDir !== undefined) rmSync(rendererDir, { recursive: true, force: true })
    }
  }
}

/** The local A2A endpoint's JSON-RPC body validation, with a delegator that finds nobody (no network in a fuzz run). */
export function a2aTarget (f: Fixtures): FuzzTarget<string> {
  const agent = f.agents[2]!
  const who = { baidId: f.chain.baidId, peerId: peerIdOf(agent.publicKey), baidVersion: 3 }
  const message = (method: string, id: number | string, extra: Record<string, unknown> = {}): unknown => ({
    jsonrpc: '2.0', id, method,
    params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'count the words' }, { data: { text: 'a b c' } }], metadata: { topic: 'data_analysis' } }, ...extra }
  })
  const seeds = [
    message('SendMessage', 1), message('SendMessage', 'two', { configuration: { acceptedOutputModes: ['application/json'], historyLength: 2 } }), message('SendStreamingMessage', 3),
    { jsonrpc: '2.0', id: 6, method: 'ListTasks', params: {} },
    { jsonrpc: '2.0', id: 4, method: 'GetTask', params: { id: 'task-1' } },
    { jsonrpc: '2.0', id: 5, method: 'CancelTask', params: { id: 'task-1' } }
  ]
  let endpoint: A2aEndpoint | undefined
  const agentPool = new Agent({ keepAlive: true, maxSockets: 8 })
  const post = async (text: string): Promise<{ status: number, body: string, type: string }> => await new Promise((resolve, reject) => {
    const url = new URL(endpoint!.url)
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: agentPool, headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint!.token}`, [A2A_VERSION_HEADER]: '1.0' } }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: String(res.headers['content-type']) }))
      res.on('error', reject)
    })
    req.on('error', err => reject(new ServerFault(`request failed: ${err.message}`)))
    req.end(text)
  })
  return {
    name: 'a2a-request',
    inputs: mutatedJson(seeds),
    seeds: seeds.map(s => JSON.stringify(s)),
    generatedShare: 0.6,
    concurrency: 8,
    async open () {
      endpoint = await startA2aEndpoint({
        port: 0,
        card: url => signAgentCard(buildAgentCard({ name: 'Fuzz agent', identity: who, url, version: '0.1.0', descriptors: [] }), agent, who),
        delegator: { delegate: async () => { throw new NoCandidatesError('no network in a fuzz run') } }
      })
    },
    run: async text => {
      const { status, body, type } = await post(text)
      if (status >= 500) throw new ServerFault(`HTTP ${status}: ${body.slice(0, 200)}`)
      if (status !== 200) return REFUSED // 413 over the size limit
      // Streaming answers are Server-Sent Events; every event is a JSON-RPC frame too.
      const frames = type.startsWith('text/event-stream')
        ? body.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5))
        : [body]
      for (const frame of frames) {
        let reply: { error?: { code?: unknown, message?: unknown } }
        try { reply = JSON.parse(frame) as typeof reply } catch { throw new ServerFault(`an answer that is not JSON-RPC: ${frame.slice(0, 200)}`) }
        // -32603 is JSON-RPC's "internal error": the endpoint threw something it could not name.
        if (reply.error?.code === -32603) throw new UnnamedRefusal(`internal error: ${String(reply.error.message).slice(0, 200)}`)
        if (reply.error !== undefined) return REFUSED
      }
      return status
    },
    async close () {
      await endpoint?.close()
      agentPool.destroy()
    }
  }
}
