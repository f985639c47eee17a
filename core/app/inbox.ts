import type { ApprovalRecord, Grant, Requester } from '../api/policy.ts'
import { transaction } from '../store/database.ts'
import type { Policy } from '../policy/service.ts'
import type { Database } from '../store/database.ts'
import type { AppContext, Handlers } from './context.ts'
import type { ActivityEntry } from '../api/app.ts'
import type { ActivityLog } from './activity.ts'
import { PeerNames } from './peer-names.ts'

// The inbox (requests waiting for the person) and grants. A person's decision and its audit line are one transaction.

export interface InboxDeps extends Pick<AppContext, 'emit'> {
  readonly db: () => Database
  readonly policy: () => Policy
  readonly activity: () => ActivityLog
}

const who = (peer: Requester): string => peer.name ?? peer.peerId ?? peer.baidId

export function approvalSummary (r: ApprovalRecord): string {
  const what = `${r.capability} in ${r.topic} for ${who(r.peer)}`
  const verb = r.status === 'allowed' ? 'allowed' : 'denied'
  if (r.decidedBy === 'person') return `${verb} ${what}${r.grantId === undefined ? (r.status === 'allowed' ? ' (once)' : '') : ', and granted it'}`
  return `${verb} ${what} (${r.decidedBy ?? 'undecided'})`
}

export const grantSummary = (g: Grant, verb: 'granted' | 'revoked'): string =>
  `${verb} ${g.capability}${g.topic === undefined ? '' : ` in ${g.topic}`} to ${g.peer}${verb === 'granted' ? ` until ${new Date(g.expiresAt).toISOString()}` : ''}`

export function inboxHandlers (deps: InboxDeps): Handlers {
  const policy = deps.policy
  /** Run a decision and write its audit line in one transaction; `activity:added` goes out once it is committed. */
  const decided = <T>(decide: () => T, line: (result: T) => { kind: 'approval' | 'grant', summary: string, ref: string }): T => {
    const { result, entry } = transaction(deps.db(), () => {
      const result = decide()
      return { result, entry: deps.activity().append(line(result)) }
    })
    deps.emit('activity:added', entry)
    return result
  }
  return {
    'inbox.list': async () => ({ pending: policy().approvals.pending() }),
    'inbox.history': async ({ limit }) => ({ decided: policy().approvals.history(limit) }),
    // Its audit line is journalled inside the decision's transaction (watchInbox), as every approval's is.
    'inbox.decide': async ({ id, decision, ttlMs }) => policy().approvals.decide(id, decision, ttlMs === undefined ? {} : { ttlMs }),
    'grants.list': async ({ all }) => ({ grants: policy().approvals.grants({ all: all === true }) }),
    'grants.add': async ({ peer, capability, topic, ttlMs }) => {
      const key = new PeerNames(deps.db()).resolve(peer)
      return decided(() => policy().approvals.grant({ direction: 'serve', peer: key, capability, ...(topic === undefined ? {} : { topic }) }, ttlMs),
        g => ({ kind: 'grant', summary: grantSummary(g, 'granted'), ref: g.id }))
    },
    'grants.revoke': async ({ id }) => decided(() => policy().approvals.revoke(id), g => ({ kind: 'grant', summary: grantSummary(g, 'revoked'), ref: g.id }))
  }
}

/**
 * The queue's changes as events, and every decision's audit line (the person's, grants', rules', deadlines'), written inside the
 * decision's own transaction; `activity:added` goes out once it is committed.
 */
export function watchInbox (deps: InboxDeps, statusChanged: () => void): () => void {
  const events = deps.policy().events
  const pending = (): number => deps.policy().approvals.pendingCount()
  const lines = new Map<string, ActivityEntry>()
  const offs = [
    deps.policy().approvals.journal(decided => {
      lines.set(decided.id, deps.activity().append({ kind: 'approval', summary: approvalSummary(decided), ref: decided.id }))
    }),
    events.on('approval:requested', added => {
      deps.emit('inbox:changed', { pending: pending(), added })
      statusChanged()
    }),
    events.on('approval:decided', decided => {
      const line = lines.get(decided.id)
      lines.delete(decided.id)
      if (line !== undefined) deps.emit('activity:added', line)
      deps.emit('inbox:changed', { pending: pending(), decided })
      statusChanged()
    })
  ]
  return () => { for (const off of offs) off() }
}
