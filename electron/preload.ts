import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { ApiEventName, ApiEvents, HearthApi } from '../core/api/app.ts'

// The sandboxed page's only door to the core: HearthApi's call and on, over two fixed channels. Nothing else of
// ipcRenderer or Node reaches the page. Bundled to CommonJS by esbuild (electron/bundle.mjs), as sandboxed preloads must be.

// Literal copies of electron/ipc.ts's channel names: importing that module would pull zod and core into the sandbox.
const CALL_CHANNEL = 'hearth:call'
const EVENT_CHANNEL = 'hearth:event'

type Listener = (data: unknown) => void
const listeners = new Map<string, Set<Listener>>()

ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, frame: unknown) => {
  if (typeof frame !== 'object' || frame === null) return
  const { event, data } = frame as { event?: unknown, data?: unknown }
  if (typeof event !== 'string') return
  for (const listener of listeners.get(event) ?? []) {
    try { listener(data) } catch (err) { console.error(`hearth: a listener for ${event} failed`, err) }
  }
})

const hearth: HearthApi = {
  async call (method, params) {
    const reply: unknown = await ipcRenderer.invoke(CALL_CHANNEL, { method, params })
    const envelope = reply as { ok?: unknown, value?: unknown, error?: unknown }
    if (envelope?.ok === true) return envelope.value as never
    // A plain { name, message, hint } crosses the context bridge intact, where an Error would lose its name and hint.
    throw envelope?.error ?? { name: 'InternalError', message: 'the app answered with something that is not a reply' }
  },
  on<E extends ApiEventName> (event: E, listener: (data: ApiEvents[E]) => void): () => void {
    if (typeof event !== 'string' || typeof listener !== 'function') throw new TypeError('on(event, listener) takes an event name and a function')
    let set = listeners.get(event)
    if (set === undefined) listeners.set(event, set = new Set())
    const wrapped = listener as Listener
    set.add(wrapped)
    return () => { set.delete(wrapped) }
  }
}

contextBridge.exposeInMainWorld('hearth', hearth)
