import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { AGENT_CARD_PATH, AgentCard } from '@a2a-js/sdk'
import { DefaultRequestHandler, JsonRpcTransportHandler } from '@a2a-js/sdk/server'
import type { A2aEndpointInfo } from '../api/interop.ts'
import { A2A_PATH, DEFAULT_A2A_PORT } from './agent-card.ts'
import { A2aTaskStore, type DelegationRecords } from './a2a-task-store.ts'
import { DelegationExecutor } from './delegation-executor.ts'
import { BodyTooLargeError, readBody, sendJson, serveJsonRpc } from './jsonrpc-http.ts'
import { assertLoopbackBind, hasBearer, isLocalRequest, originOf } from './loopback.ts'
import type { A2aDelegator } from './negotiation-delegator.ts'

// The local A2A endpoint (off by default): an A2A client on this machine hands Hearth a task, Hearth delegates it to the network.

export interface A2aEndpointInit {
  /** 0 picks a free port. */
  readonly port?: number
  /** Loopback only; anything else is refused with A2aBindRefusedError. */
  readonly host?: string
  /** The signed card to serve, made once the endpoint knows its own URL. */
  readonly card: (url: string) => AgentCard | Promise<AgentCard>
  readonly delegator: A2aDelegator
  /** Where the delegations are kept (the negotiation plane's task store): tasks are read back from it after a restart. */
  readonly records?: DelegationRecords
  /** How many A2A tasks are kept in memory; older ones are read back from their delegation. */
  readonly maxTasksInMemory?: number
  /** Defaults to a fresh random token per launch. */
  readonly token?: string
  readonly maxBodyBytes?: number
}

export interface A2aEndpoint extends A2aEndpointInfo {
  readonly card: AgentCard
  close (): Promise<void>
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const CARD_PATH = `/${AGENT_CARD_PATH}`

export async function startA2aEndpoint (init: A2aEndpointInit): Promise<A2aEndpoint> {
  const host = init.host ?? '127.0.0.1'
  assertLoopbackBind(host)
  const token = init.token ?? randomBytes(32).toString('base64url')
  const maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const executor = new DelegationExecutor(init.delegator)
  let serving: { card: AgentCard, rpc: JsonRpcTransportHandler, own: string, port: number } | undefined

  const server = createServer((req, res) => {
    if (serving === undefined) { sendJson(res, 503, { error: 'starting' }); return }
    handle(serving, req, res).catch(() => { if (!res.headersSent) sendJson(res, 500, { error: 'internal error' }); else res.end() })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? DEFAULT_A2A_PORT, host, () => { server.off('error', reject); resolve() })
  })
  try {
    const port = (server.address() as { port: number }).port
    const baseUrl = originOf(host, port)
    const card = await init.card(`${baseUrl}${A2A_PATH}`)
    const tasks = new A2aTaskStore({ ...(init.records === undefined ? {} : { records: init.records }), ...(init.maxTasksInMemory === undefined ? {} : { maxInMemory: init.maxTasksInMemory }) })
    const rpc = new JsonRpcTransportHandler(new DefaultRequestHandler(card, tasks, executor))
    serving = { card, rpc, own: baseUrl, port }
    return {
      baseUrl,
      url: `${baseUrl}${A2A_PATH}`,
      token,
      card,
      async close () {
        executor.stop()
        server.closeAllConnections()
        await new Promise<void>(resolve => server.close(() => resolve()))
      }
    }
  } catch (err) {
    server.close()
    throw err
  }

  async function handle (s: NonNullable<typeof serving>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLocalRequest(req.socket.remoteAddress, req.headers.host, req.headers.origin, s.port, s.own)) { sendJson(res, 403, { error: 'local requests only' }); return }
    const path = (req.url ?? '/').split('?')[0]
    // The card is public (it is what `hearth id agent-card` exports); tasks need the launch's token.
    if (req.method === 'GET' && path === CARD_PATH) { sendJson(res, 200, AgentCard.toJSON(s.card)); return }
    if (path !== A2A_PATH) { sendJson(res, 404, { error: 'not found' }); return }
    if (req.method !== 'POST') { sendJson(res, 405, { error: 'POST only' }, { allow: 'POST' }); return }
    if (!hasBearer(req.headers.authorization, token)) { sendJson(res, 401, { error: 'send the token hearth daemon --a2a printed: Authorization: Bearer <token>' }, { 'www-authenticate': 'Bearer' }); return }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json' && type !== 'application/a2a+json') { sendJson(res, 415, { error: 'send application/json' }); return }
    let text: string
    try {
      text = await readBody(req, maxBodyBytes)
    } catch (err) {
      if (err instanceof BodyTooLargeError) { sendJson(res, 413, { error: `requests are limited to ${maxBodyBytes} bytes` }, { connection: 'close' }); return }
      throw err
    }
    await serveJsonRpc(s.rpc, s.card, req, res, text)
  }
}
