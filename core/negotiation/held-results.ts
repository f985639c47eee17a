// What a provider keeps of its large results (docs/protocol.md §7.4) until the requester has fetched them in chunks: bounded
// in total bytes (the oldest is dropped first to make room) and in time (each is dropped when its retention ends), so
// requesters that never fetch, or many at once, cannot make a provider hold more than the cap.

export interface HeldResultsInit {
  /** The most bytes held at once, over every task. */
  readonly maxBytes?: number
  /** How long one result waits to be fetched: the requester fetches it right after the award's answer. */
  readonly retentionMs?: number
}

/** Four results of the largest size a task delivers (16 MiB). */
export const DEFAULT_HELD_RESULT_BYTES = 64 * 1024 * 1024
export const DEFAULT_RESULT_RETENTION_MS = 2 * 60_000

interface Held {
  readonly bytes: Uint8Array
  readonly timer: ReturnType<typeof setTimeout>
}

export class HeldResults {
  readonly maxBytes: number
  readonly retentionMs: number
  /** In the order held: the first is the oldest. */
  private readonly held = new Map<string, Held>()
  private total = 0

  constructor (init: HeldResultsInit = {}) {
    this.maxBytes = init.maxBytes ?? DEFAULT_HELD_RESULT_BYTES
    this.retentionMs = init.retentionMs ?? DEFAULT_RESULT_RETENTION_MS
  }

  /** Bytes held now. */
  get bytes (): number {
    return this.total
  }

  get size (): number {
    return this.held.size
  }

  /** Keep a task's result, dropping the oldest held until it fits; false (nothing kept) when it alone is over the cap. */
  hold (task: string, bytes: Uint8Array): boolean {
    this.release(task)
    if (bytes.byteLength > this.maxBytes) return false
    for (const oldest of this.held.keys()) {
      if (this.total + bytes.byteLength <= this.maxBytes) break
      this.release(oldest)
    }
    const timer = setTimeout(() => { this.release(task) }, this.retentionMs)
    // Retention never keeps the process alive on its own.
    timer.unref?.()
    this.held.set(task, { bytes, timer })
    this.total += bytes.byteLength
    return true
  }

  get (task: string): Uint8Array | undefined {
    return this.held.get(task)?.bytes
  }

  /** Fetched, canceled or expired: no longer kept. */
  release (task: string): void {
    const held = this.held.get(task)
    if (held === undefined) return
    clearTimeout(held.timer)
    this.held.delete(task)
    this.total -= held.bytes.byteLength
  }

  clear (): void {
    for (const task of [...this.held.keys()]) this.release(task)
  }
}
