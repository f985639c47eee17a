import { createHash } from 'node:crypto'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { DaemonNotRunningError, HearthError, MessageTooLargeError, toErrorInfo, UsageError, type ErrorInfo } from '../api/errors.ts'

// The running daemon's local control channel: newline-delimited JSON over a socket in the data directory
// (a named pipe on Windows), reachable only by the person who owns that directory.

const MAX_LINE_BYTES = 1024 * 1024

const Request = z.object({ id: z.number().int(), method: z.string().max(64), params: z.unknown() }).strict()
type Reply = { id: number, ok: true, value: unknown } | { id: number, ok: false, error: ErrorInfo }

export type ControlHandler = (params: unknown) => Promise<unknown>

export function controlPath (dataDir: string): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\hearth-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`
  return join(dataDir, 'hearth.sock')
}

/** Serve the daemon's commands; each request is answered with an ok/error envelope, never a stack trace. */
export async function serveControl (path: string, handlers: Readonly<Record<string, ControlHandler>>): Promise<Server> {
  if (process.platform !== 'win32') rmSync(path, { force: true })
  const server = createServer(socket => {
    // A client that gave up before its answer (a timeout, a killed CLI): the late write fails, and that is its business, not a crash.
    socket.on('error', () => undefined)
    readLines(socket, async line => {
      let id = -1
      try {
        const request = Request.parse(JSON.parse(line))
        id = request.id
        const handler = Object.hasOwn(handlers, request.method) ? handlers[request.method] : undefined
        if (handler === undefined) throw new UsageError(`the daemon has no command "${request.method}"`)
        send(socket, { id, ok: true, value: await handler(request.params) })
      } catch (err) {
        send(socket, { id, ok: false, error: toErrorInfo(err instanceof z.ZodError ? new UsageError(`bad request: ${z.prettifyError(err)}`) : err) })
      }
    })
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, resolve) })
  return server
}

/** Ask the daemon for one thing. */
export async function callControl (dataDir: string, method: string, params: unknown = {}, timeoutMs = 30_000): Promise<unknown> {
  const path = controlPath(dataDir)
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    const timer = setTimeout(() => { socket.destroy(); reject(new UsageError(`the daemon did not answer ${method} within ${timeoutMs} ms`)) }, timeoutMs)
    socket.once('error', err => {
      clearTimeout(timer)
      const code = (err as NodeJS.ErrnoException).code
      reject(code === 'ENOENT' || code === 'ECONNREFUSED'
        ? new DaemonNotRunningError(`no Hearth daemon is running for ${dataDir}`, { hint: 'start one with `hearth daemon` (same --data-dir)' })
        : err)
    })
    socket.once('connect', () => send(socket, { id: 1, method, params }))
    // The daemon went away mid-call (stopped, crashed, killed): no answer will come, so say so now instead of waiting out the timeout.
    socket.once('close', () => {
      clearTimeout(timer)
      reject(new DaemonNotRunningError(`the Hearth daemon for ${dataDir} closed the connection before answering ${method}`, { hint: 'it may have stopped: check it, and start it again with `hearth daemon`' }))
    })
    readLines(socket, async line => {
      clearTimeout(timer)
      socket.end()
      const reply = JSON.parse(line) as Reply
      if (reply.ok) resolve(reply.value)
      else reject(new RemoteError(reply.error))
    })
  })
}

/** An error the daemon reported, under the daemon's own error name. */
export class RemoteError extends HearthError {
  readonly name: string

  constructor (info: ErrorInfo) {
    super(info.message, info.hint === undefined ? {} : { hint: info.hint })
    this.name = info.name
  }
}

function send (socket: Socket, message: unknown): void {
  socket.write(`${JSON.stringify(message)}\n`)
}

function readLines (socket: Socket, onLine: (line: string) => Promise<void>): void {
  let buffer = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    if (buffer.length > MAX_LINE_BYTES) { socket.destroy(new MessageTooLargeError('control message over 1 MiB')); return }
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      void onLine(line)
    }
  })
}
