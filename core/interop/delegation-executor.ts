import type { Task, TaskStatus } from '@a2a-js/sdk'
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server'
import { toErrorInfo } from '../api/errors.ts'
import type { DelegationOutcome } from '../api/interop.ts'
import type { TaskState } from '../api/negotiation.ts'
import { agentMessage, resultArtifact } from './a2a-parts.ts'
import { delegationRequestOf } from './a2a-request.ts'
import type { A2aDelegator } from './negotiation-delegator.ts'
import { toA2aState } from './task-states.ts'

// The A2A server's AgentExecutor: each incoming task becomes one call to the Delegator, its updates become A2A status events.

interface Running { readonly controller: AbortController, readonly contextId: string, canceled: boolean }

export class DelegationExecutor implements AgentExecutor {
  private readonly delegator: A2aDelegator
  private readonly running = new Map<string, Running>()

  constructor (delegator: A2aDelegator) {
    this.delegator = delegator
  }

  async execute (context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = context
    const message = context.userMessage
    // One message per task: a follow-up turn is answered, never fed into a delegation already under way.
    if (context.task !== undefined) {
      bus.publish(AgentEvent.message(agentMessage(taskId, contextId, 'this agent takes one message per task; send a new task instead')))
      return
    }
    const request = delegationRequestOf(message, context.request.metadata)
    const task: Task = { id: taskId, contextId, status: status(taskId, contextId, 'submitted'), artifacts: [], history: [message], metadata: undefined }
    if ('refused' in request) {
      bus.publish(AgentEvent.task({ ...task, status: status(taskId, contextId, 'rejected', request.refused) }))
      return
    }
    bus.publish(AgentEvent.task(task))
    const run: Running = { controller: new AbortController(), contextId, canceled: false }
    this.running.set(taskId, run)
    const update = (state: TaskState, note?: string, metadata?: Record<string, unknown>): void => {
      if (!run.canceled) bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(taskId, contextId, state, note, metadata), metadata: undefined }))
    }
    let outcome: DelegationOutcome
    try {
      // The delegation takes the A2A task's id: the task is read back from it after a restart.
      outcome = await this.delegator.delegate(request, { signal: run.controller.signal, onUpdate: u => update(u.state, u.note), a2a: { taskId, contextId } })
    } catch (err) {
      outcome = run.controller.signal.aborted ? { state: 'canceled', error: toErrorInfo(err) } : { state: 'failed', error: toErrorInfo(err) }
    } finally {
      this.running.delete(taskId)
    }
    if (run.canceled) return
    if (outcome.state === 'completed') {
      bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: resultArtifact(outcome.result), append: false, lastChunk: true, metadata: undefined }))
      update('completed', outcome.note)
    } else {
      // The error's stable name travels in metadata so an A2A client can branch on it, as Hearth's own callers do.
      update(outcome.state, `${outcome.error.name}: ${outcome.error.message}`, { error: outcome.error })
    }
  }

  async cancelTask (taskId: string, bus: ExecutionEventBus): Promise<void> {
    const run = this.running.get(taskId)
    const contextId = run?.contextId ?? ''
    if (run !== undefined) {
      run.canceled = true
      run.controller.abort(new Error('canceled by the A2A client'))
    } else {
      // Not running here (Hearth restarted since): the delegation it became is ended, and its providers told, all the same.
      this.delegator.cancel?.(taskId, 'canceled by the A2A client')
    }
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(taskId, contextId, 'canceled', 'canceled by the A2A client'), metadata: undefined }))
  }

  /** Abort every delegation under way (the endpoint is closing). */
  stop (): void {
    for (const run of this.running.values()) run.controller.abort(new Error('the A2A endpoint stopped'))
  }
}

function status (taskId: string, contextId: string, state: TaskState, note?: string, metadata?: Record<string, unknown>): TaskStatus {
  return { state: toA2aState(state), message: note === undefined ? undefined : agentMessage(taskId, contextId, note, metadata), timestamp: new Date().toISOString() }
}
