import type { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk'
import { InMemoryTaskStore, type ServerCallContext, type TaskStore } from '@a2a-js/sdk/server'
import type { DelegationRecord, TaskState } from '../api/negotiation.ts'
import { agentMessage, resultArtifact, textPart } from './a2a-parts.ts'
import { toA2aState } from './task-states.ts'

// The A2A endpoint's tasks: the ones in flight and the latest few in memory (bounded), and every other one read back from
// the delegation it became — which the negotiation plane persists — so an A2A client can read its task after a restart.

/** Where the A2A endpoint's delegations are kept (the negotiation plane's task store, by shape). */
export interface DelegationRecords {
  delegation (task: string): DelegationRecord | undefined
  /** Delegations whose origin starts with `prefix`, most recently changed first. */
  delegations (prefix: string, limit?: number): DelegationRecord[]
}

/** What an A2A task's delegation records as its origin: the A2A context it belongs to. */
export const A2A_ORIGIN = 'a2a:'
export const a2aOrigin = (contextId: string): string => `${A2A_ORIGIN}${contextId}`

/** Tasks kept in memory at once: those in flight and the most recent; older ones are read back from their delegation. */
export const DEFAULT_A2A_TASKS_IN_MEMORY = 256
/** How many persisted delegations a task listing reads at most. */
const MAX_LISTED = 200

const ENDED_BY: Partial<Record<TaskState, string>> = { failed: 'DelegationFailedError', rejected: 'DelegationFailedError', canceled: 'TaskCanceledError' }

export class A2aTaskStore implements TaskStore {
  private readonly memory = new Map<string, Task>()
  private readonly records: DelegationRecords | undefined
  private readonly max: number

  constructor (init: { records?: DelegationRecords, maxInMemory?: number } = {}) {
    this.records = init.records
    this.max = Math.max(1, init.maxInMemory ?? DEFAULT_A2A_TASKS_IN_MEMORY)
  }

  /** Tasks held in memory now. */
  get size (): number {
    return this.memory.size
  }

  async save (task: Task): Promise<void> {
    this.memory.delete(task.id)
    this.memory.set(task.id, structuredClone(task))
    // The oldest saved goes first; it is still there to read, from its delegation.
    for (const oldest of this.memory.keys()) {
      if (this.memory.size <= this.max) break
      this.memory.delete(oldest)
    }
  }

  async load (taskId: string): Promise<Task | undefined> {
    const held = this.memory.get(taskId)
    if (held !== undefined) return structuredClone(held)
    const record = this.records?.delegation(taskId)
    return record === undefined ? undefined : taskOf(record)
  }

  async list (params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    // The SDK's own store does the filtering and paging, over what is in memory and what is kept.
    const view = new InMemoryTaskStore(() => 'local')
    for (const record of this.records?.delegations(A2A_ORIGIN, MAX_LISTED) ?? []) {
      const task = taskOf(record)
      if (task !== undefined && !this.memory.has(task.id)) await view.save(task, context)
    }
    for (const task of this.memory.values()) await view.save(task, context)
    return await view.list(params, context)
  }
}

/** An A2A task as its delegation recorded it; undefined for a delegation no A2A client asked for. */
export function taskOf (record: DelegationRecord): Task | undefined {
  if (record.origin?.startsWith(A2A_ORIGIN) !== true) return undefined
  const contextId = record.origin.slice(A2A_ORIGIN.length)
  const name = ENDED_BY[record.state]
  const note = record.state === 'completed' ? undefined : name === undefined ? record.reason : `${name}: ${record.reason}`
  const metadata = name === undefined ? undefined : { error: { name, message: record.reason } }
  const completed = record.state === 'completed' && (record.result !== undefined || record.output !== undefined)
  return {
    id: record.task,
    contextId,
    status: {
      state: toA2aState(record.state),
      message: note === undefined || note === '' ? undefined : agentMessage(record.task, contextId, note, metadata),
      timestamp: new Date(record.updatedAt).toISOString()
    },
    // The result as the live task gave it; one too large to keep whole comes back as its text.
    artifacts: !completed ? [] : record.result !== undefined ? [resultArtifact(record.result.structured ?? record.result.content)] : [{ ...resultArtifact(''), parts: [textPart(record.output!)] }],
    history: [],
    metadata: undefined
  }
}
