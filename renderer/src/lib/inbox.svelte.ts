// The requests that wait for the person, kept current from `inbox:changed` while the Inbox is open.
import type { PendingApproval } from '../../../core/api/policy.ts'
import { api, errorInfo, type ErrorInfo } from './api.ts'

export class InboxQueue {
  pending = $state.raw<PendingApproval[]>([])
  loaded = $state(false)
  error = $state.raw<ErrorInfo | undefined>(undefined)
  #stop: Array<() => void> = []

  start (): () => void {
    this.#stop.push(api.on('inbox:changed', change => {
      if (change.decided !== undefined) { const id = change.decided.id; this.pending = this.pending.filter(p => p.id !== id) }
      if (change.added !== undefined && !this.pending.some(p => p.id === change.added?.id)) this.pending = [...this.pending, change.added]
      // A count that disagrees means we missed something (a reconnect, a bulk change): reload the whole queue.
      if (change.pending !== this.pending.length) void this.reload()
    }))
    this.#stop.push(api.onConnection(state => { if (state === 'open') void this.reload() }))
    void this.reload()
    return () => { for (const stop of this.#stop.splice(0)) stop() }
  }

  async reload (): Promise<void> {
    try {
      const { pending } = await api.call('inbox.list', {})
      this.pending = pending
      this.error = undefined
    } catch (err) {
      this.error = errorInfo(err)
    } finally {
      this.loaded = true
    }
  }

  remove (id: string): void {
    this.pending = this.pending.filter(p => p.id !== id)
  }
}
