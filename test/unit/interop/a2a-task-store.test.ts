import { describe, expect, it } from 'vitest'
import { TaskState, type Task } from '@a2a-js/sdk'
import type { DelegationRecord } from '../../../core/api/negotiation.ts'
import { A2aTaskStore, taskOf, type DelegationRecords } from '../../../core/interop/index.ts'

// The A2A endpoint's task store: a bounded few in memory, every other A2A task read back from the delegation it became.

const record = (task: string, over: Partial<DelegationRecord> = {}): DelegationRecord => ({
  task, state: 'completed', reason: 'delivered', origin: `a2a:ctx-${task}`, intent: 'count', result: { content: [], structured: { words: 2 } }, output: '{"words":2}', updatedAt: 1_700_000_000_000, ...over
})

function records (list: DelegationRecord[]): DelegationRecords {
  return { delegation: id => list.find(r => r.task === id), delegations: prefix => list.filter(r => r.origin?.startsWith(prefix) === true) }
}

const task = (id: string): Task => ({ id, contextId: `ctx-${id}`, status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: '' }, artifacts: [], history: [], metadata: undefined })

describe('A2aTaskStore', () => {
  it('keeps at most its bound in memory; an older task is read back from its delegation', async () => {
    const store = new A2aTaskStore({ records: records([record('old')]), maxInMemory: 2 })
    for (const id of ['old', 'b', 'c']) await store.save(task(id))
    expect(store.size).toBe(2)
    const old = await store.load('old')
    expect(old).toMatchObject({ id: 'old', contextId: 'ctx-old', status: { state: TaskState.TASK_STATE_COMPLETED } })
    expect(old?.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'data', value: { words: 2 } })
    expect((await store.load('c'))?.status?.state).toBe(TaskState.TASK_STATE_WORKING)
    expect(await store.load('unknown')).toBeUndefined()
  })

  it('reads a failed delegation with the error name the live task had, and never a delegation no A2A client asked for', () => {
    const failed = taskOf(record('f', { state: 'failed', reason: 'every provider declined', result: undefined, output: undefined }))
    expect(failed?.status?.state).toBe(TaskState.TASK_STATE_FAILED)
    expect(failed?.status?.message?.metadata?.error).toEqual({ name: 'DelegationFailedError', message: 'every provider declined' })
    expect(failed?.artifacts).toEqual([])
    expect(taskOf(record('mine', { origin: undefined }))).toBeUndefined()
    // A result too large to keep whole comes back as its text.
    const text = taskOf(record('big', { result: undefined, output: 'lots of text' }))
    expect(text?.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'lots of text' })
  })
})
