import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { z } from 'zod'
import { isApiMethod, MAX_API_FRAME_BYTES, type ApiBackend, type ApiEvent, type ApiReply } from '../../api/app.ts'
import { MalformedMessageError, MessageTooLargeError, toErrorInfo, UiBindRefusedError, UnknownMethodError, UsageError } from '../../api/errors.ts'
import { uiGuard, type Refusal, type UiGuard } from './guard.ts'
import { staticFile } from './static-files.ts'

// The daemon's web UI (issue 6 §2): the built renderer and the api over a WebSocket at /api, for this machine only.

export const DEFAULT_UI_PORT = 4780
export const UI_HOST = '127.0.0.1'
const API_PATH = '/api'
const MAX_BEHIND_BYTES = 16 * MAX_API_FRAME_BYTES

export interface UiBridgeInit {
  /** 0 picks a free port. */
  readonly port: number
  readonly backend: ApiBackend
  /** The built renderer (index.html and its assets). */
  readonly rendererDir: string
  /** Only 127.0.0.1; anything else is refused with UiBindRefusedError. */
  readonly host?: string
  /** Defaults to a fresh random token per launch. */
  readonly token?: string
}

export interface UiBridge {
  /** The URL to open: it carries the token. */
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly token: string
  close (): Promise<void>
}

const Request = z.object({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().max(64),
  params: z.unknown()
}).strict()

export async function startUiBridge (init: UiBridgeInit): Promise<UiBridge> {
  const host = init.host ?? UI_HOST
  if (host !== UI_HOST) throw new UiBindRefusedError(`the web UI binds to ${UI_HOST} only, not ${host}`, { hint: 'open it on this machine; other machines talk to your agent over the Hearth network' })
  const token = init.token ?? randomBytes(32).toString('base64url')
  const { backend, rendererDir } = init
  // Set once listening: the guard needs the port the system picked.
  let guard: UiGuard | undefined = undefined
  let csp = ''

  const server = createServer((req, res) => {
    if (guard === undefined) { plain(res, 503, 'starting'); return }
    serveHttp(guard, req, res).catch(() => { if (!res.headersSent) plain(res, 500, 'internal error'); else res.end() })
  })
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_API_FRAME_BYTES, perMessageDeflate: false })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = requestUrl(req)
    if (guard === undefined || url === undefined || url.pathname !== API_PATH) { refuseUpgrade(socket, { status: 403, text: 'no WebSocket here' }); return }
    const refusal = guard.refuse(req.headers, url, { upgrade: true })
    if (refusal !== undefined) { refuseUpgrade(socket, refusal); return }
    sockets.handleUpgrade(req, socket, head, ws => serveSocket(ws))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', err => {
      reject((err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? new UsageError(`port ${init.port} on ${UI_HOST} is in use`, { hint: 'pass another port to --ui, or --ui 0 to pick a free one' })
        : err)
    })
    server.listen(init.port, host, () => { server.removeAllListeners('error'); resolve() })
  })
  const port = (server.address() as { port: number }).port
  const origin = `http://${UI_HOST}:${port}`
  guard = uiGuard(port, token)
  csp = [
    "default-src 'self'", "script-src 'self'", `connect-src 'self' ws://${UI_HOST}:${port} ws://localhost:${port}`,
    // Svelte's styles are built into CSS files, and style directives and the chart and graph libraries set styles through
    // CSSOM, which style-src does not govern: no inline style is needed (the e2e specs check each view for violations).
    "img-src 'self' data:", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"
  ].join('; ')

  // Every connected UI hears every event; a page too far behind is dropped (it reconnects and reloads) rather than buffered without end.
  const unsubscribe = backend.subscribe((event: ApiEvent) => {
    const text = JSON.stringify(event)
    if (Buffer.byteLength(text) > MAX_API_FRAME_BYTES) return
    for (const ws of sockets.clients) {
      if (ws.readyState !== ws.OPEN) continue
      if (ws.bufferedAmount > MAX_BEHIND_BYTES) ws.terminate()
      else ws.send(text)
    }
  })

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close () {
      unsubscribe()
      const open = [...sockets.clients]
      const closed = Promise.all(open.map(ws => new Promise(resolve => ws.once('close', resolve))))
      for (const ws of open) ws.close(1001, 'the Hearth daemon is stopping')
      // A page that does not answer the closing handshake is not waited for long.
      await Promise.race([closed, new Promise(resolve => setTimeout(resolve, 1000).unref())])
      for (const ws of sockets.clients) ws.terminate()
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }

  async function serveHttp (g: UiGuard, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req)
    if (url === undefined) { plain(res, 400, 'bad request'); return }
    const refusal = g.refuse(req.headers, url, { upgrade: false })
    if (refusal !== undefined) { plain(res, refusal.status, refusal.text, refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {}); return }
    const cookie: Record<string, string> = g.needsCookie(req.headers, url) ? { 'set-cookie': g.cookie } : {}
    if (url.pathname === API_PATH) { plain(res, 426, 'the api is a WebSocket', { upgrade: 'websocket', ...cookie }); return }
    if (req.method !== 'GET' && req.method !== 'HEAD') { plain(res, 405, 'GET only', { allow: 'GET, HEAD', ...cookie }); return }
    const file = await staticFile(rendererDir, url.pathname)
    if (file === undefined) { plain(res, 404, 'not found', cookie); return }
    res.writeHead(200, {
      ...securityHeaders(),
      'content-type': file.type,
      'content-length': file.body.byteLength,
      // The page is per launch (its cookie, its token); hashed assets never change under their names.
      'cache-control': file.html || !url.pathname.startsWith('/assets/') ? 'no-store' : 'private, max-age=31536000, immutable',
      ...cookie
    })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }

  function serveSocket (ws: WebSocket): void {
    ws.on('error', () => ws.terminate())
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) { ws.close(1003, 'frames are JSON text'); return }
      void answer(ws, data.toString('utf8'))
    })
  }

  async function answer (ws: WebSocket, text: string): Promise<void> {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      // Without an id there is nobody to answer: close, with the reason.
      ws.close(1008, 'frames are JSON ApiRequest objects')
      return
    }
    const id = (json as { id?: unknown } | null)?.id
    if (typeof json !== 'object' || json === null || !Number.isSafeInteger(id) || (id as number) < 0) {
      ws.close(1008, 'a request needs an integer id')
      return
    }
    let reply: ApiReply
    try {
      const request = Request.safeParse(json)
      if (!request.success) throw new MalformedMessageError(`bad request: ${z.prettifyError(request.error)}`, { hint: 'send { id, method, params }' })
      const { method, params } = request.data
      if (!isApiMethod(method)) throw new UnknownMethodError(`the api has no method "${method}"`)
      reply = { id: id as number, ok: true, value: await backend.call(method, params ?? {}) }
    } catch (err) {
      reply = { id: id as number, ok: false, error: toErrorInfo(err instanceof z.ZodError ? new UsageError(`bad params: ${z.prettifyError(err)}`) : err) }
    }
    let out = JSON.stringify(reply)
    if (Buffer.byteLength(out) > MAX_API_FRAME_BYTES) {
      out = JSON.stringify({ id, ok: false, error: toErrorInfo(new MessageTooLargeError(`the answer is larger than ${MAX_API_FRAME_BYTES} bytes`, { hint: 'ask for less (a smaller limit)' })) })
    }
    if (ws.readyState === ws.OPEN) ws.send(out)
  }

  function securityHeaders (): Record<string, string> {
    return {
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin'
    }
  }

  function plain (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...securityHeaders(), 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers })
    res.end(`${text}\n`)
  }
}

function requestUrl (req: IncomingMessage): URL | undefined {
  const raw = req.url ?? '/'
  if (!raw.startsWith('/') || raw.length > 8192) return undefined
  try {
    // The base is fixed: the Host header is checked by the guard, never trusted to build URLs.
    return new URL(raw, 'http://ui.invalid')
  } catch {
    return undefined
  }
}

function refuseUpgrade (socket: Duplex, refusal: Refusal): void {
  const body = `${refusal.text}\n`
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 421: 'Misdirected Request' }[refusal.status]
  socket.end(`HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}
