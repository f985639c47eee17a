import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildTrustGraph } from '../../../core/app/trust.ts'
import { hex } from '../../../core/identity/ids.ts'
import { migrations } from '../../../core/migrations.ts'
import { TrustHistory } from '../../../core/reputation/history.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'

// The Trust view's pure pieces: the who-rated-whom graph from stored ratings, and relative trust over time, bounded.

const open: Database[] = []
afterEach(() => { for (const db of open.splice(0)) closeDatabase(db) })
const database = (path = join(tempDir(), 'hearth.sqlite')): Database => { const db = openDatabase(path, migrations); open.push(db); return db }

const peer = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const me = peer(1)
const name = (p: Uint8Array) => ({ baidId: `baid:${hex(p).slice(0, 4)}` })
const tuple = (rater: Uint8Array, ratee: Uint8Array, satisfied: number, unsatisfied: number) => ({ rater, ratee, topic: 'data_analysis', satisfied, unsatisfied })

describe('the trust graph', () => {
  it('draws each rating as an edge weighted by its satisfied share, with the person always a node', () => {
    const scores = new Map([[hex(peer(2)), 0.5], [hex(peer(3)), 0.2]])
    const graph = buildTrustGraph('data_analysis', [tuple(me, peer(2), 3, 1), tuple(peer(2), peer(3), 0, 2), tuple(peer(4), peer(5), 0, 0)], { self: me, score: p => scores.get(hex(p)) ?? 0, name })
    expect(graph.topic).toBe('data_analysis')
    expect(graph.nodes).toEqual([
      { baidId: 'baid:0101', self: true, score: 0 },
      { baidId: 'baid:0202', self: false, score: 0.5 },
      { baidId: 'baid:0303', self: false, score: 0.2 }
    ])
    // A rating with no weight left is no edge, and its parties are no nodes.
    expect(graph.edges).toEqual([{ from: 'baid:0101', to: 'baid:0202', weight: 0.75 }, { from: 'baid:0202', to: 'baid:0303', weight: 0 }])
  })

  it('shows the person even with no rating in the topic', () => {
    expect(buildTrustGraph('creative_writing', [], { self: me, score: () => 0, name })).toEqual({ topic: 'creative_writing', nodes: [{ baidId: 'baid:0101', self: true, score: 0 }], edges: [] })
  })

  it('keeps the person and the best-trusted peers past its bound, with only the edges among them', () => {
    const tuples = [2, 3, 4, 5, 6].map(n => tuple(me, peer(n), 1, 0))
    tuples.push(tuple(peer(6), peer(5), 1, 1))
    const graph = buildTrustGraph('data_analysis', tuples, { self: me, score: p => p[0]! / 10, name, maxNodes: 3 })
    expect(graph.nodes.map(n => n.baidId)).toEqual(['baid:0101', 'baid:0606', 'baid:0505'])
    expect(graph.edges).toEqual([{ from: 'baid:0101', to: 'baid:0505', weight: 1 }, { from: 'baid:0101', to: 'baid:0606', weight: 1 }, { from: 'baid:0606', to: 'baid:0505', weight: 0.5 }])
  })
})

describe('trust history', () => {
  it('records a point only when relative trust changed, and keeps the newest points per peer and topic', () => {
    const path = join(tempDir(), 'hearth.sqlite')
    const history = new TrustHistory(database(path), { maxPoints: 3 })
    // A peer first seen with no trust has no history yet.
    expect(history.record('data_analysis', [{ peer: peer(2), relative: 0 }], 1)).toBe(0)
    expect(history.record('data_analysis', [{ peer: peer(2), relative: 0.2 }, { peer: peer(3), relative: 1 }], 2)).toBe(2)
    // Jitter below the minimum change is no new point.
    expect(history.record('data_analysis', [{ peer: peer(2), relative: 0.2004 }, { peer: peer(3), relative: 1 }], 3)).toBe(0)
    for (const [at, relative] of [[4, 0.4], [5, 0.6], [6, 0.8]]) history.record('data_analysis', [{ peer: peer(2), relative: relative! }], at!)
    history.record('code_generation', [{ peer: peer(2), relative: 0.1 }], 7)
    expect(history.points(peer(2), 'data_analysis')).toEqual([{ at: 4, relative: 0.4 }, { at: 5, relative: 0.6 }, { at: 6, relative: 0.8 }])
    expect(history.points(peer(3), 'data_analysis')).toEqual([{ at: 2, relative: 1 }])
    expect(history.points(peer(2), 'code_generation')).toEqual([{ at: 7, relative: 0.1 }])
    closeDatabase(open.pop()!)

    // After a restart the last point is read back: an unchanged value is still no new point, a drop to zero is one.
    const again = new TrustHistory(database(path), { maxPoints: 3 })
    expect(again.record('data_analysis', [{ peer: peer(2), relative: 0.8 }, { peer: peer(3), relative: 0 }], 8)).toBe(1)
    expect(again.points(peer(3), 'data_analysis')).toEqual([{ at: 2, relative: 1 }, { at: 8, relative: 0 }])
  })
})
