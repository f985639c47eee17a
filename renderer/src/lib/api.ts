// The renderer's one door to the core: HearthApi over Electron's preload when present, else over the daemon's WebSocket.
import { z } from 'zod/mini'
import type { ApiEventName, ApiEvents, ApiMethod, ApiRequest, HearthApi, ParamsOf, ResultOf } from '../../../core/api/app.ts'
import { MAX_API_FRAME_BYTES } from '../../../core/api/app.ts'
import type { ErrorInfo } from '../../../core/api/errors.ts'

export type { ErrorInfo }

/** What the views show of a failed call: always a name, a message and (when known) what to do. */
export class ApiCallError extends Error {
  override readonly name: string
  readonly hint: string | undefined
  constructor (info: ErrorInfo) {
    super(info.message)
    this.name = info.name
    this.hint = info.hint
  }

  get info (): ErrorInfo { return this.hint === undefined ? { name: this.name, message: this.message } : { name: this.name, message: this.message, hint: this.hint } }
}

export function errorInfo (err: unknown): ErrorInfo {
  if (err instanceof ApiCallError) return err.info
  const parsed = errorSchema.safeParse(err)
  if (parsed.success) return parsed.data
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message }
  return { name: 'Error', message: String(err) }
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting'

export interface RendererApi extends HearthApi {
  readonly transport: 'electron' | 'websocket'
  connection (): ConnectionState
  /** Returns the unsubscribe function. */
  onConnection (listener: (state: ConnectionState) => void): () => void
}

const text = (max: number): z.ZodMiniString => z.string().check(z.maxLength(max))
const errorSchema = z.object({ name: text(200), message: text(10_000), hint: z.optional(text(10_000)) })
const replySchema = z.union([
  z.object({ id: z.int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ id: z.int(), ok: z.literal(false), error: errorSchema })
])
const eventSchema = z.object({ event: text(100), data: z.unknown() })

type Listener = (data: never) => void

class Listeners {
  readonly #byEvent = new Map<string, Set<Listener>>()
  add (event: string, listener: Listener): () => void {
    let set = this.#byEvent.get(event)
    if (set === undefined) this.#byEvent.set(event, set = new Set())
    set.add(listener)
    return () => { set.delete(listener) }
  }

  emit (event: string, data: unknown): void {
    for (const listener of this.#byEvent.get(event) ?? []) {
      try { (listener as (d: unknown) => void)(data) } catch (err) { console.error(`listener for ${event} failed`, err) }
    }
  }
}

// --- Electron: the preload's object, which matches HearthApi exactly ---

function electronApi (bridge: HearthApi): RendererApi {
  return {
    transport: 'electron',
    async call (method, params) {
      try {
        return await bridge.call(method, params)
      } catch (err) {
        throw new ApiCallError(errorInfo(err))
      }
    },
    on: (event, listener) => bridge.on(event, listener),
    connection: () => 'open',
    onConnection: () => () => {}
  }
}

// --- Web: the daemon's bridge at ws(s)://<host>/api, token from the page URL or the cookie ---

const RECONNECT_MIN_MS = 250
const RECONNECT_MAX_MS = 8_000
/** How long a call waits for the connection to come back before it fails. */
const CALL_WAIT_MS = 15_000

interface Pending { resolve: (value: unknown) => void, reject: (err: Error) => void, timer: ReturnType<typeof setTimeout> | undefined }

export function websocketApi (url: string): RendererApi {
  const listeners = new Listeners()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  const pending = new Map<number, Pending>()
  const waiting: Array<() => void> = []
  let state: ConnectionState = 'connecting'
  let socket: WebSocket | undefined
  let nextId = 1
  let attempt = 0

  const setState = (next: ConnectionState): void => {
    if (next === state) return
    state = next
    for (const listener of connectionListeners) listener(state)
  }

  const lost = (): void => {
    // A reply to a call sent on a dead socket never comes: fail it, the view shows the error and may retry.
    for (const [id, call] of pending) {
      pending.delete(id)
      if (call.timer !== undefined) clearTimeout(call.timer)
      call.reject(new ApiCallError({ name: 'ConnectionLostError', message: 'The connection to your agent was lost before it answered.', hint: 'Hearth reconnects by itself; try again in a moment.' }))
    }
  }

  const onFrame = (text: string): void => {
    if (text.length > MAX_API_FRAME_BYTES) { console.warn('api: dropped an oversized frame'); return }
    let json: unknown
    try { json = JSON.parse(text) } catch { console.warn('api: dropped a frame that is not JSON'); return }
    const reply = replySchema.safeParse(json)
    if (reply.success) {
      const call = pending.get(reply.data.id)
      if (call === undefined) return
      pending.delete(reply.data.id)
      if (call.timer !== undefined) clearTimeout(call.timer)
      if (reply.data.ok) call.resolve(reply.data.value)
      else call.reject(new ApiCallError(reply.data.error))
      return
    }
    const event = eventSchema.safeParse(json)
    if (event.success) listeners.emit(event.data.event, event.data.data)
    else console.warn('api: dropped a frame of unknown shape')
  }

  const connect = (): void => {
    const ws = new WebSocket(url)
    socket = ws
    ws.onopen = () => {
      attempt = 0
      setState('open')
      for (const resume of waiting.splice(0)) resume()
    }
    ws.onmessage = (message) => { if (typeof message.data === 'string') onFrame(message.data) }
    ws.onclose = () => {
      if (socket !== ws) return
      socket = undefined
      lost()
      setState('reconnecting')
      // Exponential backoff with jitter, so a restarted daemon is not stampeded by every open tab at once.
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempt++) * (0.75 + Math.random() / 2)
      setTimeout(connect, delay)
    }
  }
  connect()

  const whenOpen = async (): Promise<void> => {
    if (socket?.readyState === WebSocket.OPEN) return
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = waiting.indexOf(done)
        if (at >= 0) waiting.splice(at, 1)
        reject(new ApiCallError({ name: 'NotConnectedError', message: 'Hearth cannot reach your agent.', hint: 'Check that the Hearth daemon is running; this page reconnects by itself.' }))
      }, CALL_WAIT_MS)
      const done = (): void => { clearTimeout(timer); resolve() }
      waiting.push(done)
    })
  }

  return {
    transport: 'websocket',
    async call<M extends ApiMethod> (method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
      await whenOpen()
      const id = nextId++
      const request: ApiRequest = { id, method, params }
      const text = JSON.stringify(request)
      if (text.length > MAX_API_FRAME_BYTES) throw new ApiCallError({ name: 'MessageTooLargeError', message: `This request is larger than ${MAX_API_FRAME_BYTES} bytes.`, hint: 'Send a smaller input.' })
      return await new Promise<ResultOf<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer: undefined })
        socket?.send(text)
      })
    },
    on<E extends ApiEventName> (event: E, listener: (data: ApiEvents[E]) => void) {
      return listeners.add(event, listener as Listener)
    },
    connection: () => state,
    onConnection (listener) {
      connectionListeners.add(listener)
      return () => { connectionListeners.delete(listener) }
    }
  }
}

export function apiUrl (location: Location): string {
  const url = new URL('/api', location.href)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const token = new URLSearchParams(location.search).get('token')
  if (token !== null) url.searchParams.set('token', token)
  return url.href
}

declare global {
  interface Window { hearth?: HearthApi }
}

function createApi (): RendererApi {
  const bridge = window.hearth
  if (bridge !== undefined && typeof bridge.call === 'function' && typeof bridge.on === 'function') return electronApi(bridge)
  return websocketApi(apiUrl(window.location))
}

export const api: RendererApi = createApi()
