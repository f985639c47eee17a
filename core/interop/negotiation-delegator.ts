import { DelegationFailedError, NotOnlineError, TaskCanceledError, toErrorInfo } from '../api/errors.ts'
import type { DelegateOptions, DelegationOutcome, DelegationProgressState, DelegationRequest, Delegator } from '../api/interop.ts'
import type { TaskState, TaskTransition } from '../api/negotiation.ts'
import { a2aOrigin } from './a2a-task-store.ts'

// The negotiation plane as the A2A endpoint's Delegator. Typed by shape, not by import, so interop does not depend on negotiation.

export interface NegotiationLike {
  delegate (spec: { intent: string, input: Record<string, unknown>, topic?: string, task?: string, origin?: string }, options: { signal?: AbortSignal, onTask?: (task: string) => void }): Promise<{
    readonly state: TaskState
    readonly result?: { readonly content: readonly unknown[], readonly structured?: unknown }
    readonly reason?: string
  }>
  /** End a live task (one a restart left behind): its providers are told. */
  cancel (task: string, reason?: string): unknown
  readonly events: { on (type: 'task:state', listener: (transition: TaskTransition) => void): () => void }
}

/** The A2A task a delegation serves: its delegation takes the A2A task's id and records its context as the origin. */
export interface A2aDelegateOptions extends DelegateOptions {
  readonly a2a?: { readonly taskId: string, readonly contextId: string }
}

/** A Delegator that can also end a delegation no call here is running (after a restart). */
export interface A2aDelegator extends Delegator {
  delegate (request: DelegationRequest, options: A2aDelegateOptions): Promise<DelegationOutcome>
  cancel? (task: string, reason: string): void
}

/** Submitted is already told by the A2A task itself; terminal states come back as the outcome. */
const PROGRESS: readonly TaskState[] = ['working', 'input-required', 'auth-required']
const isProgress = (state: TaskState): state is DelegationProgressState => PROGRESS.includes(state)

/**
 * `negotiation` is the plane itself, or how to find the current one: the app replaces its network (and the negotiation plane
 * with it) when the person takes the agent offline and back, and each task goes to the one in place when it arrives.
 */
export function negotiationDelegator (negotiation: NegotiationLike | (() => NegotiationLike | undefined)): A2aDelegator {
  const current = typeof negotiation === 'function' ? negotiation : () => negotiation
  return {
    cancel (task, reason) {
      try {
        current()?.cancel(task, reason)
      } catch {
        // Already ended, or never became a delegation: nothing left to stop.
      }
    },
    async delegate (request, { signal, onUpdate, a2a }): Promise<DelegationOutcome> {
      const input = request.input
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return { state: 'rejected', error: { name: 'UsageError', message: 'the input (the message\'s data part) must be a JSON object of named arguments' } }
      }
      const negotiation = current()
      if (negotiation === undefined) return { state: 'failed', error: toErrorInfo(new NotOnlineError('the agent is offline: it cannot delegate to the network now', { hint: 'take the agent online again, then send the task again' })) }
      const tasks = new Set<string>()
      const off = negotiation.events.on('task:state', t => {
        if (tasks.has(t.task) && isProgress(t.to)) onUpdate?.({ state: t.to, note: t.reason })
      })
      try {
        const spec = {
          intent: request.intent,
          input: input as Record<string, unknown>,
          ...(request.topic === undefined ? {} : { topic: request.topic }),
          ...(a2a === undefined ? {} : { task: a2a.taskId, origin: a2aOrigin(a2a.contextId) })
        }
        const done = await negotiation.delegate(spec, { signal, onTask: task => tasks.add(task) })
        if (done.state === 'completed') return { state: 'completed', result: done.result?.structured ?? done.result?.content ?? null }
        const reason = done.reason ?? `the task ended ${done.state}`
        if (done.state === 'canceled') return { state: 'canceled', error: toErrorInfo(new TaskCanceledError(reason)) }
        return { state: done.state === 'rejected' ? 'rejected' : 'failed', error: toErrorInfo(new DelegationFailedError(reason)) }
      } catch (err) {
        return { state: signal.aborted ? 'canceled' : 'failed', error: toErrorInfo(err) }
      } finally {
        off()
      }
    }
  }
}
