import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { canTransition, assertTransition } from '../../../core/negotiation/lifecycle.ts'
import { TaskBoard } from '../../../core/negotiation/task-board.ts'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { key, NOW } from './fixtures.ts'

const newTask = (task: string, deadline = NOW + 60_000) => ({ task, role: 'requester' as const, topic: 'code_generation', capability: 'code.review', deadline })
const by = (reason: string) => ({ reason, actor: 'self' })

describe('task transitions', () => {
  it('follow A2A: work may pause for input or approval and resume; a denial rejects', () => {
    for (const [from, to] of [['submitted', 'working'], ['working', 'input-required'], ['input-required', 'working'], ['submitted', 'auth-required'], ['auth-required', 'working'], ['auth-required', 'rejected'], ['working', 'completed'], ['working', 'canceled']] as const) {
      expect(canTransition(from, to), `${from} → ${to}`).toBe(true)
    }
  })

  it('refuses illegal moves, and anything out of a terminal state, with IllegalTransitionError', () => {
    expect(() => assertTransition('t', 'submitted', 'completed')).toThrow(expect.objectContaining({ name: 'IllegalTransitionError' }))
    for (const terminal of ['completed', 'canceled', 'failed', 'rejected'] as const) {
      expect(() => assertTransition('t', terminal, 'working')).toThrow(expect.objectContaining({ name: 'IllegalTransitionError', hint: `${terminal} is final` }))
    }
  })
})

describe('TaskStore and TaskBoard', () => {
  it('persist every task and transition in a real SQLite file that survives close and reopen', () => {
    const path = join(tempDir(), 'hearth.sqlite')
    let now = NOW
    const db = openDatabase(path, migrations)
    const board = new TaskBoard({ db }, { now: () => now })
    const seen: string[] = []
    board.events.on('task:state', t => seen.push(`${t.from ?? '∅'}→${t.to}`))
    board.open({ ...newTask('a'), request: Uint8Array.of(9) }, by('asked'))
    now += 10
    board.move('a', 'working', { reason: 'awarded', actor: 'peer:aa' })
    board.open(newTask('b', NOW + 5), by('asked'))
    board.open(newTask('c', NOW + 5), by('asked'))
    board.move('c', 'canceled', by('no longer needed'))
    expect(() => board.move('c', 'working', by('late offer'))).toThrow(expect.objectContaining({ name: 'IllegalTransitionError' }))
    expect(seen).toEqual(['∅→submitted', 'submitted→working', '∅→submitted', '∅→submitted', 'submitted→canceled'])
    closeDatabase(db)

    const reopened = openDatabase(path, migrations)
    now = NOW + 100
    const again = new TaskBoard({ db: reopened }, { now: () => now })
    expect(again.get('a')).toMatchObject({ state: 'working', role: 'requester', deadline: NOW + 60_000, updatedAt: NOW + 10 })
    expect(again.store.request('a')).toEqual(Buffer.from([9]))
    expect(again.store.transitions('a')).toEqual([
      { task: 'a', from: undefined, to: 'submitted', at: NOW, reason: 'asked', actor: 'self' },
      { task: 'a', from: 'submitted', to: 'working', at: NOW + 10, reason: 'awarded', actor: 'peer:aa' }
    ])
    // b is live and past its deadline; c is canceled; a is live and in time.
    expect(again.store.overdue(now).map(t => t.task)).toEqual(['b'])
    expect(again.failOverdue().map(t => [t.task, t.to, t.actor])).toEqual([['b', 'failed', 'system']])
    expect(again.store.live().map(t => t.task)).toEqual(['a'])
    expect(() => again.get('zzz')).toThrow(expect.objectContaining({ name: 'UnknownTaskError' }))
    expect(() => again.open(newTask('a'), by('again'))).toThrow(expect.objectContaining({ name: 'TaskExistsError' }))
    closeDatabase(reopened)
  })

  it('abort a task\'s signal on cancellation and at its deadline, with named reasons', async () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const board = new TaskBoard({ db })
    board.open(newTask('x', Date.now() + 60_000), by('asked'))
    board.open(newTask('y', Date.now() + 30), by('asked'))
    const x = board.signal('x')
    const y = board.signal('y')
    board.cancel('x', 'person pressed stop', 'person')
    expect(x.aborted).toBe(true)
    expect(x.reason).toMatchObject({ name: 'TaskCanceledError' })
    expect(board.get('x').state).toBe('canceled')
    await new Promise(resolve => y.addEventListener('abort', resolve, { once: true }))
    expect(y.reason).toMatchObject({ name: 'TaskDeadlineError' })
    board.stop()
    board.stop()
    closeDatabase(db)
  })

  it('keep offers and announce the failover order for the timeline', () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const board = new TaskBoard({ db })
    board.open(newTask('o'), by('asked'))
    const events: unknown[] = []
    board.events.on('task:offer', e => events.push(e))
    board.events.on('task:selected', e => events.push(e))
    const offer = { task: 'o', provider: key(2), decision: 'accept' as const, price: 4, etaMs: 1000, quality: 0.9 }
    board.recordOffer(offer, Uint8Array.of(1))
    board.recordOffer(offer, Uint8Array.of(2))
    board.selected('o', [{ offer, score: 0.5, parts: { trust: 1, price: 1, timeliness: 1, quality: 0.5 } }])
    expect(board.store.offers('o')).toEqual([Buffer.from([2])])
    expect(board.get('o').peer).toEqual(Buffer.from(key(2)))
    expect(events.at(-1)).toEqual({ task: 'o', order: [{ provider: '02'.repeat(32), score: 0.5 }] })
    closeDatabase(db)
  })
})
