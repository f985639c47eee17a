import { describe, expect, it } from 'vitest'
import type { DelegationUpdate } from '../../../core/api/interop.ts'
import type { TaskState, TaskTransition } from '../../../core/api/negotiation.ts'
import { TypedEvents } from '../../../core/common/events.ts'
import { negotiationDelegator, type NegotiationLike } from '../../../core/interop/index.ts'

/** A negotiation that walks its task through the given states and ends as told. */
function scripted (states: TaskState[], end: { state: TaskState, reason?: string, structured?: unknown }): NegotiationLike & { specs: unknown[], canceled: string[] } {
  const events = new TypedEvents<{ 'task:state': TaskTransition }>()
  const specs: unknown[] = []
  const canceled: string[] = []
  return {
    specs,
    canceled,
    events,
    cancel (task) { canceled.push(task) },
    async delegate (spec, { onTask }) {
      specs.push(spec)
      onTask?.('t1')
      events.emit('task:state', { task: 'other', from: undefined, to: 'working', at: 0, reason: 'not ours', actor: 'self' })
      let from: TaskState | undefined
      for (const to of states) { events.emit('task:state', { task: 't1', from, to, at: 0, reason: `now ${to}`, actor: 'self' }); from = to }
      return { state: end.state, reason: end.reason, result: { content: [], structured: end.structured } }
    }
  }
}

describe('negotiationDelegator', () => {
  it('passes the request on, reports the task\'s interim states and returns its structured result', async () => {
    const negotiation = scripted(['submitted', 'auth-required', 'working', 'completed'], { state: 'completed', structured: { words: 2 } })
    const updates: DelegationUpdate[] = []
    const outcome = await negotiationDelegator(negotiation).delegate({ intent: 'count words', input: { text: 'a b' }, topic: 'data_analysis' }, { signal: new AbortController().signal, onUpdate: u => updates.push(u) })
    expect(outcome).toEqual({ state: 'completed', result: { words: 2 } })
    expect(negotiation.specs).toEqual([{ intent: 'count words', input: { text: 'a b' }, topic: 'data_analysis' }])
    expect(updates).toEqual([{ state: 'auth-required', note: 'now auth-required' }, { state: 'working', note: 'now working' }])
  })

  it('names why a task did not complete, and rejects an input that is not named arguments', async () => {
    const signal = new AbortController().signal
    const failed = await negotiationDelegator(scripted(['failed'], { state: 'failed', reason: 'every provider declined' })).delegate({ intent: 'x', input: {} }, { signal })
    expect(failed).toEqual({ state: 'failed', error: { name: 'DelegationFailedError', message: 'every provider declined' } })
    const wrongInput = await negotiationDelegator(scripted([], { state: 'completed' })).delegate({ intent: 'x', input: 'text' }, { signal })
    expect(wrongInput).toMatchObject({ state: 'rejected', error: { name: 'UsageError' } })
  })

  it('an A2A task\'s delegation takes its id and records its context; cancel reaches a delegation not running here', async () => {
    const negotiation = scripted(['completed'], { state: 'completed', structured: 1 })
    const delegator = negotiationDelegator(negotiation)
    await delegator.delegate({ intent: 'x', input: {} }, { signal: new AbortController().signal, a2a: { taskId: 'a2a-task', contextId: 'ctx-1' } })
    expect(negotiation.specs).toEqual([{ intent: 'x', input: {}, task: 'a2a-task', origin: 'a2a:ctx-1' }])
    delegator.cancel?.('a2a-task', 'canceled by the A2A client')
    expect(negotiation.canceled).toEqual(['a2a-task'])
  })

  it('follows the plane the app has now: offline, a task fails by name; online again, it goes to the new one', async () => {
    let current: NegotiationLike | undefined = scripted(['completed'], { state: 'completed', structured: 'first' })
    const delegator = negotiationDelegator(() => current)
    const signal = new AbortController().signal
    expect(await delegator.delegate({ intent: 'x', input: {} }, { signal })).toEqual({ state: 'completed', result: 'first' })
    current = undefined
    expect(await delegator.delegate({ intent: 'x', input: {} }, { signal })).toMatchObject({ state: 'failed', error: { name: 'NotOnlineError' } })
    current = scripted(['completed'], { state: 'completed', structured: 'second' })
    expect(await delegator.delegate({ intent: 'x', input: {} }, { signal })).toEqual({ state: 'completed', result: 'second' })
  })
})
