import { DelegationFailedError, TaskCanceledError, toErrorInfo } from '../api/errors.ts'
import type { DelegationOutcome, DelegationProgressState, Delegator } from '../api/interop.ts'
import type { TaskState, TaskTransition } from '../api/negotiation.ts'

// The negotiation plane as the A2A endpoint's Delegator. Typed by shape, not by import, so interop does not depend on negotiation.

export interface NegotiationLike {
  delegate (spec: { intent: string, input: Record<string, unknown>, topic?: string }, options: { signal?: AbortSignal, onTask?: (task: string) => void }): Promise<{
    readonly state: TaskState
    readonly result?: { readonly content: readonly unknown[], readonly structured?: unknown }
    readonly reason?: string
  }>
  readonly events: { on (type: 'task:state', listener: (transition: TaskTransition) => void): () => void }
}

/** Submitted is already told by the A2A task itself; terminal states come back as the outcome. */
const PROGRESS: readonly TaskState[] = ['working', 'input-required', 'auth-required']
const isProgress = (state: TaskState): state is DelegationProgressState => PROGRESS.includes(state)

export function negotiationDelegator (negotiation: NegotiationLike): Delegator {
  return {
    async delegate (request, { signal, onUpdate }): Promise<DelegationOutcome> {
      const input = request.input
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return { state: 'rejected', error: { name: 'UsageError', message: 'the input (the message\'s data part) must be a JSON object of named arguments' } }
      }
      const tasks = new Set<string>()
      const off = negotiation.events.on('task:state', t => {
        if (tasks.has(t.task) && isProgress(t.to)) onUpdate?.({ state: t.to, note: t.reason })
      })
      try {
        const spec = { intent: request.intent, input: input as Record<string, unknown>, ...(request.topic === undefined ? {} : { topic: request.topic }) }
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
