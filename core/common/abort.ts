// Cancellation helpers shared by every plane: deadlines and the caller's signal combined, and waiting under a signal.

/** One signal that aborts when any of these does; absent ones are skipped. */
export function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined)
  return present.length === 1 ? present[0]! : AbortSignal.any(present)
}

/** Settle with `work`, or reject with the signal's reason as soon as it aborts (the work itself goes on for whoever else awaits it). */
export function raceSignal<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * A signal that follows `signal` until released. A library that never removes its abort listener (the MCP SDK, per call)
 * hears no abort that comes after its call ended, and so sends no needless cancel for a finished call.
 */
export function scopedSignal (signal: AbortSignal): { readonly signal: AbortSignal, readonly release: () => void } {
  const scoped = new AbortController()
  const forward = (): void => { scoped.abort(signal.reason) }
  if (signal.aborted) forward()
  else signal.addEventListener('abort', forward, { once: true })
  return { signal: scoped.signal, release: () => { signal.removeEventListener('abort', forward) } }
}
