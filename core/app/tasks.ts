import type { TaskDetail, TaskSummary, TimelineEntry } from '../api/app.ts'
import { IllegalTransitionError, toErrorInfo, type ErrorInfo } from '../api/errors.ts'
import type { TaskState } from '../api/negotiation.ts'
import type { PeerName } from '../api/trust.ts'
import type { JsonObject } from '../execution/tool.ts'
import { IdentityStore } from '../identity/identity-store.ts'
import { peerIdOf } from '../identity/ids.ts'
import type { Network } from '../host.ts'
import { isTerminal } from '../negotiation/lifecycle.ts'
import { DEFAULT_MECHANISM } from '../negotiation/service.ts'
import { TaskStore, type TaskListing } from '../negotiation/task-store.ts'
import type { TaskTimelineEntry } from '../negotiation/timeline.ts'
import { MAX_TASK_INPUT_BYTES } from '../negotiation/wire.ts'
import type { Database } from '../store/database.ts'
import type { AppContext, Handlers } from './context.ts'

// The Negotiations view and the Delegate view's start (issue 6 §3): a delegation answers with its task id at once and runs
// on; every task, as requester or provider, reads back with its whole timeline; each new line is pushed as `task:updated`.

export type TaskViewDeps = Pick<AppContext, 'host' | 'network' | 'requireNetwork' | 'emit'>

/** Names agents as the UI shows them: their BAID id when known here, and their PeerId. */
export type AgentNamer = (agent: Uint8Array | string) => PeerName

export function agentNamer (db: Database): AgentNamer {
  const identities = new IdentityStore(db)
  return agent => {
    const key = typeof agent === 'string' ? Buffer.from(agent, 'hex') : agent
    // A peer whose BAID never reached us still has a PeerId; the empty BAID id says "not known here".
    return { baidId: identities.baidOfAgent(key) ?? '', peerId: peerIdOf(key) }
  }
}

/** The stored timeline as the contract shows it: peers named, the result left for the detail. */
export function timelineView (entries: readonly TaskTimelineEntry[], name: AgentNamer): TimelineEntry[] {
  const out: TimelineEntry[] = []
  for (const e of entries) {
    switch (e.kind) {
      case 'state': out.push({ kind: 'state', at: e.at, from: e.from, to: e.to, reason: e.reason, actor: e.actor }); break
      case 'terms': out.push({ kind: 'terms', at: e.at, reward: e.reward, deadline: e.deadline, tier: e.tier, egress: e.egress }); break
      case 'offer': out.push({ kind: 'offer', at: e.at, provider: name(e.provider), decision: e.decision, price: e.price, etaMs: e.etaMs, quality: e.quality }); break
      case 'selected': out.push({ kind: 'selected', at: e.at, order: e.order.map(o => ({ provider: name(o.provider), score: o.score })) }); break
      case 'verification': out.push({ kind: 'verification', at: e.at, tier: e.tier, passed: e.passed, detail: e.detail }); break
      case 'receipt': out.push({ kind: 'receipt', at: e.at, satisfied: e.satisfied, digest: e.digest }); break
      case 'output': break
    }
  }
  return out
}

export function summaryOf (t: TaskListing, name: AgentNamer): TaskSummary {
  return {
    task: t.task,
    role: t.role,
    ...(t.intent === undefined ? {} : { intent: t.intent }),
    topic: t.topic,
    capability: t.capability,
    state: t.state,
    ...(t.peer === undefined ? {} : { peer: name(t.peer) }),
    ...(t.reward === undefined ? {} : { reward: t.reward }),
    deadline: t.deadline,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt
  }
}

/** A task's detail: its summary, the timeline, the result when delivered, and why it ended when it did not complete. */
export function detailOf (t: TaskListing, entries: readonly TaskTimelineEntry[], name: AgentNamer): TaskDetail {
  const output = entries.findLast(e => e.kind === 'output')
  const error = errorOf(t.state, entries)
  return {
    ...summaryOf(t, name),
    timeline: timelineView(entries, name),
    ...(output === undefined ? {} : { output: output.text }),
    ...(error === undefined ? {} : { error })
  }
}

// Named as the errors the negotiation plane raises for the same ends.
const ENDED_BECAUSE: Partial<Record<TaskState, string>> = { failed: 'DelegationFailedError', rejected: 'DelegationFailedError', canceled: 'TaskCanceledError' }

function errorOf (state: TaskState, entries: readonly TaskTimelineEntry[]): ErrorInfo | undefined {
  const name = ENDED_BECAUSE[state]
  if (name === undefined) return undefined
  const last = entries.findLast(e => e.kind === 'state' && e.to === state)
  return { name, message: last?.kind === 'state' ? last.reason : `the task was ${state}` }
}

export function taskHandlers (ctx: TaskViewDeps): Handlers {
  const store = (): TaskStore => new TaskStore(ctx.host().db)
  const name = (): AgentNamer => agentNamer(ctx.host().db)
  return {
    'task.delegate': async params => {
      const { negotiation } = ctx.requireNetwork()
      return await new Promise<{ task: string }>((resolve, reject) => {
        let task: string | undefined
        // `allow` (the classes the person lets leave) travels in the spec: the terms' egress clause, as egress.preview showed it.
        negotiation.delegate({ ...params, input: params.input as JsonObject }, { onTask: id => { task = id; resolve({ task: id }) } }).catch((err: unknown) => {
          // Before the task exists (no candidate, nothing to send) the caller hears why; after, the task ends with the reason.
          if (task === undefined) { reject(err); return }
          try {
            if (!isTerminal(negotiation.get(task).state)) negotiation.board.move(task, 'failed', { reason: toErrorInfo(err).message.slice(0, 512), actor: 'system' })
          } catch {
            // The host stopped meanwhile: the task is failed as overdue at the next start.
          }
        })
      })
    },
    'tasks.list': async params => {
      const namer = name()
      return { tasks: store().list({ ...(params.role === undefined ? {} : { role: params.role }), ...(params.limit === undefined ? {} : { limit: params.limit }) }).map(t => summaryOf(t, namer)) }
    },
    'tasks.get': async ({ task }) => {
      const tasks = store()
      return detailOf(tasks.listing(task), tasks.timeline(task), name())
    },
    'tasks.cancel': async ({ task }) => {
      const tasks = store()
      const state = tasks.get(task).state
      if (isTerminal(state)) throw new IllegalTransitionError(`task ${task} is already ${state}`, { hint: 'only a task still running can be canceled' })
      const network = ctx.network()
      // Online, the board stops the work and tells the provider; offline, nothing runs, so the store alone records it.
      if (network !== undefined) network.negotiation.cancel(task, 'canceled by the person')
      else tasks.transition(task, 'canceled', { reason: 'canceled by the person', actor: 'person', at: Date.now() })
      return summaryOf(tasks.listing(task), name())
    },
    'egress.preview': async ({ input, topic, allow }) => {
      const network = ctx.network()
      const mechanism = (topic === undefined ? undefined : network?.negotiation.traces.current(topic)?.mechanism) ?? DEFAULT_MECHANISM
      return ctx.host().policy.privacy.preview(input, {
        allowedDataClasses: allow ?? mechanism.egress.allowedDataClasses,
        redactionRequired: mechanism.egress.redactionRequired,
        maxBytes: MAX_TASK_INPUT_BYTES
      })
    }
  }
}

/** Push every new timeline line of every task, either role, as `task:updated`; returns the unsubscribe function. */
export function watchTasks (ctx: Pick<AppContext, 'emit'>, network: Pick<Network, 'negotiation'>, db: Database): () => void {
  const tasks = new TaskStore(db)
  const name = agentNamer(db)
  return network.negotiation.events.on('task:entry', ({ task, entry }) => {
    if (entry.kind === 'output') return
    const [view] = timelineView([entry], name)
    ctx.emit('task:updated', { task: summaryOf(tasks.listing(task), name), entry: view! })
  })
}
