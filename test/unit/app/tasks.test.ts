import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { agentNamer, detailOf, summaryOf, timelineView } from '../../../core/app/tasks.ts'
import { peerIdOf } from '../../../core/identity/ids.ts'
import { migrations } from '../../../core/migrations.ts'
import { TaskBoard } from '../../../core/negotiation/task-board.ts'
import type { TaskTimelineEntry } from '../../../core/negotiation/timeline.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { testSigner } from '../../helpers/identity.ts'
import { tempDir } from '../../helpers/tmp.ts'

// A task's timeline as the Negotiations view reads it: every line persisted in order in a real SQLite file, read back
// after a restart, and shown with its peers named.

const NOW = 1_800_000_000_000
const open: Database[] = []
afterEach(() => { for (const db of open.splice(0)) closeDatabase(db) })

function database (path = join(tempDir(), 'hearth.sqlite')): Database {
  const db = openDatabase(path, migrations)
  open.push(db)
  return db
}

const provider = testSigner()
const other = testSigner()
const offer = (signer: typeof provider, decision: 'accept' | 'decline', price: number) => ({ task: 't1', provider: signer.publicKey, decision, price, etaMs: 500, quality: 0.9, ...(decision === 'decline' ? { reason: 'busy' } : {}) })

/** A delegation as the requester records it, from terms to receipt, each step a millisecond apart. */
function delegation (board: TaskBoard, clock: { now: number }): void {
  const tick = (): void => { clock.now++ }
  board.open({ task: 't1', role: 'requester', topic: 'data_analysis', capability: 'builtin/word-count', deadline: NOW + 60_000 }, { reason: 'delegating "count"', actor: 'person' })
  board.terms('t1', { intent: 'count the words', reward: 10, deadline: NOW + 60_000, tier: 'T2' })
  tick()
  board.recordOffer(offer(provider, 'accept', 2), Uint8Array.of(1))
  board.recordOffer(offer(other, 'decline', 0), Uint8Array.of(2))
  board.selected('t1', [{ offer: offer(provider, 'accept', 2), score: 0.8 } as never])
  board.verified('t1', { tier: 'T2', passed: true, detail: 'live' })
  board.move('t1', 'working', { reason: 'awarded', actor: 'self' })
  tick()
  board.verified('t1', { tier: 'T1', passed: true, detail: 'result checked' })
  board.receipt('t1', { satisfied: true, digest: 'ab'.repeat(32) })
  board.output('t1', '{"words":2}')
  board.move('t1', 'completed', { reason: 'delivered', actor: 'self' })
}

describe('task timelines', () => {
  it('keep every line in the order it happened, across a restart, even within one millisecond', () => {
    const path = join(tempDir(), 'hearth.sqlite')
    const clock = { now: NOW }
    const board = new TaskBoard({ db: database(path) }, { now: () => clock.now })
    const live: string[] = []
    board.events.on('task:entry', ({ entry }) => live.push(entry.kind === 'state' ? entry.to : entry.kind))
    delegation(board, clock)
    const kinds = ['submitted', 'terms', 'offer', 'offer', 'selected', 'verification', 'working', 'verification', 'receipt', 'output', 'completed']
    expect(live).toEqual(kinds)
    closeDatabase(open.pop()!)

    const again = new TaskBoard({ db: database(path) })
    const stored = again.store.timeline('t1')
    expect(stored.map(e => e.kind === 'state' ? e.to : e.kind)).toEqual(kinds)
    expect(stored[2]).toEqual({ kind: 'offer', at: NOW + 1, provider: Buffer.from(provider.publicKey).toString('hex'), decision: 'accept', price: 2, etaMs: 500, quality: 0.9 })
    expect(stored[3]).toMatchObject({ kind: 'offer', decision: 'decline', reason: 'busy' })
    expect(again.store.listing('t1')).toMatchObject({ state: 'completed', intent: 'count the words', reward: 10 })
  })

  it('show peers by BAID id and PeerId, drop the result from the lines and give it to the detail', () => {
    const db = database()
    const clock = { now: NOW }
    const board = new TaskBoard({ db }, { now: () => clock.now })
    delegation(board, clock)
    const name = agentNamer(db)
    const detail = detailOf(board.store.listing('t1'), board.store.timeline('t1'), name)
    expect(detail).toMatchObject({ task: 't1', role: 'requester', intent: 'count the words', reward: 10, state: 'completed', output: '{"words":2}' })
    expect(detail.error).toBeUndefined()
    // The provider's BAID never reached this database: it is named by PeerId, with an empty BAID id.
    expect(detail.peer).toEqual({ baidId: '', peerId: peerIdOf(provider.publicKey) })
    expect(detail.timeline.map(e => e.kind)).toEqual(['state', 'terms', 'offer', 'offer', 'selected', 'verification', 'state', 'verification', 'receipt', 'state'])
    expect(detail.timeline[4]).toEqual({ kind: 'selected', at: NOW + 1, order: [{ provider: { baidId: '', peerId: peerIdOf(provider.publicKey) }, score: 0.8 }] })
    expect(detail.timeline[1]).toEqual({ kind: 'terms', at: NOW, reward: 10, deadline: NOW + 60_000, tier: 'T2', egress: undefined })
  })

  it('say why a task ended when it did not complete', () => {
    const db = database()
    const board = new TaskBoard({ db }, { now: () => NOW })
    board.open({ task: 't2', role: 'provider', topic: 'data_analysis', capability: 'builtin/word-count', deadline: NOW + 1000, peer: provider.publicKey }, { reason: 'asked', actor: 'peer:aa' })
    board.cancel('t2', 'the requester canceled: changed my mind', 'peer:aa')
    const detail = detailOf(board.store.listing('t2'), board.store.timeline('t2'), agentNamer(db))
    expect(detail).toMatchObject({ role: 'provider', state: 'canceled', error: { name: 'TaskCanceledError', message: 'the requester canceled: changed my mind' } })
    expect(detail.output).toBeUndefined()
    expect(detail.intent).toBeUndefined()
  })

  it('list the most recently changed first, in one role or both', () => {
    const db = database()
    const clock = { now: NOW }
    const board = new TaskBoard({ db }, { now: () => clock.now })
    for (const [task, role] of [['a', 'requester'], ['b', 'provider'], ['c', 'requester']] as const) {
      board.open({ task, role, topic: 'data_analysis', capability: 'x', deadline: NOW + 60_000 }, { reason: 'new', actor: 'self' })
      clock.now += 10
    }
    board.move('a', 'working', { reason: 'awarded', actor: 'self' })
    const name = agentNamer(db)
    expect(board.store.list().map(t => summaryOf(t, name).task)).toEqual(['a', 'c', 'b'])
    expect(board.store.list({ role: 'requester', limit: 1 }).map(t => t.task)).toEqual(['a'])
    expect(board.store.list({ role: 'provider' }).map(t => t.role)).toEqual(['provider'])
  })

  it('never shows the stored result as a line of the timeline', () => {
    const lines: TaskTimelineEntry[] = [{ kind: 'output', at: NOW, text: 'x' }, { kind: 'receipt', at: NOW, satisfied: false, digest: '00' }]
    expect(timelineView(lines, agentNamer(database()))).toEqual([{ kind: 'receipt', at: NOW, satisfied: false, digest: '00' }])
  })
})
