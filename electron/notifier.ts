import type { ApiEvent } from '../core/api/app.ts'
import type { PendingApproval } from '../core/api/policy.ts'

// Incoming requests as OS notifications; clicking one opens that request in the Inbox. Electron's Notification is
// passed in, so the decision of what to show is tested without it.

export interface Toast { title: string, body: string, route: string }

const ROUTE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The renderer's hash route to one request (#/inbox/<id>), or the Inbox itself for an id that is not plain. */
export function inboxRoute (id: string): string {
  return ROUTE_ID.test(id) ? `#/inbox/${encodeURIComponent(id)}` : '#/inbox'
}

function shortPeer (request: PendingApproval): string {
  if (request.peer.name !== undefined && request.peer.name !== '') return `${request.peer.name} (unverified name)`
  const id = request.peer.baidId
  return id.length > 20 ? `${id.slice(0, 14)}…${id.slice(-4)}` : id
}

/** The notification an event calls for, if any: only a request that now waits for the person. */
export function toastFor (event: ApiEvent, enabled: boolean): Toast | undefined {
  if (!enabled || event.event !== 'inbox:changed') return undefined
  const request = event.data.added
  if (request === undefined) return undefined
  const waiting = event.data.pending > 1 ? ` (${event.data.pending} waiting)` : ''
  return {
    title: `Request to use ${request.capability}`,
    body: `${shortPeer(request)} asks in ${request.topic} for ${request.price} credits${waiting}`,
    route: inboxRoute(request.id)
  }
}
