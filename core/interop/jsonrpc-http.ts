import type { IncomingMessage, ServerResponse } from 'node:http'
import { A2A_VERSION_HEADER, Extensions, HTTP_EXTENSION_HEADER, SSE_HEADERS, formatSSEErrorEvent, formatSSEEvent, type AgentCard } from '@a2a-js/sdk'
import { defaultServerCallContextBuilder, JsonRpcTransportHandler, validateVersion, type User } from '@a2a-js/sdk/server'

// A2A's JSON-RPC binding over plain node:http (what the SDK's express router does), with the body size-bounded before parsing.

/** Only a caller holding the launch's token gets here, so it is the one local user. */
const LOCAL_USER: User = { isAuthenticated: true, userName: 'local' }

export class BodyTooLargeError extends Error {}

export async function readBody (req: IncomingMessage, maxBytes: number): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw new BodyTooLargeError()
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength
    if (total > maxBytes) throw new BodyTooLargeError()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function sendJson (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value))
}

function rpcError (id: unknown, err: unknown): unknown {
  return { jsonrpc: '2.0', id: typeof id === 'string' || typeof id === 'number' ? id : null, error: JsonRpcTransportHandler.mapToJSONRPCError(err) }
}

/** Answer one JSON-RPC request: a single reply, or Server-Sent Events for the streaming methods. */
export async function serveJsonRpc (rpc: JsonRpcTransportHandler, card: AgentCard, req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
  let body: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    body = parsed as Record<string, unknown>
  } catch {
    sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
    return
  }
  // The SDK's JSON readers fault on what protobuf JSON never holds: refused here as invalid params.
  const unreadable = unreadableParams(body.params)
  if (unreadable !== undefined) {
    sendJson(res, 200, { jsonrpc: '2.0', id: typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null, error: { code: -32602, message: `Invalid params: ${unreadable}` } })
    return
  }
  const version = req.headers[A2A_VERSION_HEADER.toLowerCase()]
  const extensions = req.headers[HTTP_EXTENSION_HEADER.toLowerCase()]
  const context = defaultServerCallContextBuilder({
    user: LOCAL_USER,
    headers: req.headers,
    extensions: Extensions.parseServiceParameter(typeof extensions === 'string' ? extensions : undefined),
    requestedVersion: typeof version === 'string' ? version : undefined
  })
  let result: Awaited<ReturnType<JsonRpcTransportHandler['handle']>>
  try {
    validateVersion(context.requestedVersion, card, 'JSONRPC')
    result = await rpc.handle(body, context)
  } catch (err) {
    sendJson(res, 200, rpcError(body.id, err))
    return
  }
  if (!(Symbol.asyncIterator in result)) {
    sendJson(res, 200, result)
    return
  }
  const events = result[Symbol.asyncIterator]()
  let first: IteratorResult<unknown>
  try {
    first = await events.next()
  } catch (err) {
    sendJson(res, 200, rpcError(body.id, err))
    return
  }
  res.writeHead(200, SSE_HEADERS)
  try {
    for (let next = first; next.done !== true; next = await events.next()) res.write(formatSSEEvent(next.value))
  } catch (err) {
    if (!res.writableEnded) res.write(formatSSEErrorEvent(rpcError(body.id, err)))
  } finally {
    res.end()
  }
}

/** Walks without recursion: a body of deeply nested lists cannot overflow the stack here. */
/** Why the SDK could not read `value`, if so: a null inside a list, or a key that shadows toString or valueOf (an object where a string belongs then cannot be turned into one). */
function unreadableParams (value: unknown): string | undefined {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const node = pending.pop()
    if (node === null || typeof node !== 'object') continue
    if (Array.isArray(node) && node.includes(null)) return 'a list holds null'
    if (!Array.isArray(node) && (Object.hasOwn(node, 'toString') || Object.hasOwn(node, 'valueOf'))) return 'a key named toString or valueOf'
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push(child)
  }
  return undefined
}
