// The app's status (identity, network, pending count), kept fresh from `status:changed` and `inbox:changed`.
import type { AppStatus } from '../../../core/api/app.ts'
import { api, errorInfo, type ConnectionState, type ErrorInfo } from './api.ts'

class StatusStore {
  status = $state.raw<AppStatus | undefined>(undefined)
  error = $state.raw<ErrorInfo | undefined>(undefined)
  connection = $state<ConnectionState>(api.connection())
  pending = $derived(this.status?.pending ?? 0)

  constructor () {
    api.on('status:changed', status => { this.status = status })
    api.on('inbox:changed', ({ pending }) => { if (this.status !== undefined) this.status = { ...this.status, pending } })
    api.onConnection(state => {
      this.connection = state
      // Whatever changed while the connection was down, the fresh status tells.
      if (state === 'open') void this.refresh()
    })
    void this.refresh()
  }

  async refresh (): Promise<void> {
    try {
      this.status = await api.call('app.status', {})
      this.error = undefined
    } catch (err) {
      this.error = errorInfo(err)
    }
  }
}

export const app = new StatusStore()
