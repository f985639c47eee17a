import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TaskBoard } from '../../../core/negotiation/task-board.ts'
import { TaskStore } from '../../../core/negotiation/task-store.ts'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { NOW } from './fixtures.ts'

// A task's live steps written together: one transaction, told to the timeline only once it committed; a rolled-back batch
// tells nothing; a durable ending cannot hide inside one. A delegation reads back with its origin and result.

const newTask = (task: string) => ({ task, role: 'requester' as const, topic: 'data_analysis', capability: 'builtin/word-count', deadline: NOW + 60_000 })
const by = (reason: string) => ({ reason, actor: 'self' })

describe('TaskBoard.batch', () => {
  it('commits the steps together and tells the timeline after the commit, in order', () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const board = new TaskBoard({ db }, { now: () => NOW })
    const told: string[] = []
    board.events.on('task:entry', ({ entry }) => { told.push(`${entry.kind === 'state' ? entry.to : entry.kind}:${db.inTransaction ? 'open' : 'committed'}`) })
    board.batch(() => {
      board.open(newTask('a'), by('asked'))
      board.terms('a', { intent: 'count', reward: 1, deadline: NOW + 60_000, tier: 'T1' })
      expect(told).toEqual([])
    })
    expect(told).toEqual(['submitted:committed', 'terms:committed'])
    closeDatabase(db)
  })

  it('tells nothing of a batch that rolled back, and refuses a durable ending inside one', () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const board = new TaskBoard({ db }, { now: () => NOW })
    const told: string[] = []
    board.events.on('task:entry', ({ entry }) => { told.push(entry.kind) })
    expect(() => board.batch(() => {
      board.open(newTask('b'), by('asked'))
      throw new Error('no')
    })).toThrow('no')
    expect(told).toEqual([])
    expect(() => board.get('b')).toThrow(expect.objectContaining({ name: 'UnknownTaskError' }))
    board.open(newTask('c'), by('asked'))
    board.move('c', 'working', by('awarded'))
    expect(() => board.batch(() => board.move('c', 'failed', by('nope')))).toThrow(/durable move/)
    // Named as synced by the durable write that follows, a terminal move may join.
    board.batch(() => board.move('c', 'completed', by('delivered'), { syncedBy: 'the receipt' }))
    expect(board.get('c').state).toBe('completed')
    closeDatabase(db)
  })

  it('a durable batch may end the task: written at FULL sync, told after the commit', () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const board = new TaskBoard({ db }, { now: () => NOW })
    const told: string[] = []
    board.events.on('task:entry', ({ entry }) => { told.push(`${entry.kind === 'state' ? entry.to : entry.kind}:${db.inTransaction ? 'open' : 'committed'}`) })
    board.open(newTask('f'), by('asked'))
    board.move('f', 'working', by('awarded'))
    let sync = -1
    board.batch(() => {
      board.output('f', 'done')
      board.move('f', 'completed', by('delivered'))
      sync = db.pragma('synchronous', { simple: true }) as number
    }, { durable: true })
    expect(sync).toBe(2) // FULL
    expect(board.get('f').state).toBe('completed')
    expect(told.slice(-2)).toEqual(['output:committed', 'completed:committed'])
    closeDatabase(db)
  })

  it('a delegation reads back with the origin it was asked from and its result whole', () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const board = new TaskBoard({ db }, { now: () => NOW })
    board.open(newTask('d'), by('asked'))
    board.terms('d', { intent: 'count the words', reward: 1, deadline: NOW + 60_000, tier: 'T1', origin: 'a2a:ctx' })
    board.move('d', 'working', by('awarded'))
    board.output('d', '{"words":2}', { content: [], structured: { words: 2 } })
    board.move('d', 'completed', by('delivered'))
    board.open({ ...newTask('e'), role: 'provider' }, by('asked'))
    const store = new TaskStore(db)
    expect(store.delegation('d')).toMatchObject({ task: 'd', state: 'completed', origin: 'a2a:ctx', intent: 'count the words', result: { structured: { words: 2 } }, output: '{"words":2}', reason: 'delivered' })
    expect(store.delegation('e')).toBeUndefined()
    expect(store.delegations('a2a:').map(d => d.task)).toEqual(['d'])
    expect(store.delegations('a2a:_')).toEqual([])
    closeDatabase(db)
  })
})
