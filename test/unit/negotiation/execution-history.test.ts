import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrations } from '../../../core/migrations.ts'
import { bestResponse } from '../../../core/negotiation/best-response.ts'
import { ExecutionHistory, RECENT_EXECUTIONS } from '../../../core/negotiation/execution-history.ts'
import { closeDatabase, openDatabase } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { NOW, terms } from './fixtures.ts'

// A provider's offers quote what it measured of itself: the median time its recent executions of the capability took,
// and the share that delivered, kept in its SQLite file across restarts.

const CONFIGURED = { markup: 1.25, etaMs: 1_000, etaSpread: 0.5, quality: 0.9, failureRate: 0.02 }

describe('ExecutionHistory', () => {
  it('derives the offer\'s ETA and quality from recent executions, and keeps them across a restart', () => {
    const path = join(tempDir(), 'hearth.sqlite')
    let db = openDatabase(path, migrations)
    let history = new ExecutionHistory(db)
    // A fresh provider quotes its configured figures.
    expect(history.profileFor('builtin/word-count', CONFIGURED)).toEqual(CONFIGURED)
    const durations = [40, 10, 30, 20, 5_000]
    durations.forEach((ms, i) => history.record({ task: `t${i}`, capability: 'builtin/word-count', startedAt: NOW + i, durationMs: ms, ok: i !== 4 }))
    history.record({ task: 'other', capability: 'everything/echo', startedAt: NOW, durationMs: 900, ok: true })
    closeDatabase(db)

    db = openDatabase(path, migrations)
    history = new ExecutionHistory(db)
    expect(history.measured('builtin/word-count')).toEqual({ samples: 5, p50Ms: 20, successRate: 0.8 })
    const profile = history.profileFor('builtin/word-count', CONFIGURED)
    // Four delivered of five, blended with four pseudo-runs at the configured 0.9.
    expect(profile).toMatchObject({ etaMs: 20, quality: 0.844, failureRate: 0.12 })
    const offer = bestResponse(terms(), { ...profile, cost: 1, priceFloor: 1 }, NOW)
    expect(offer).toMatchObject({ decision: 'accept', etaMs: 20, quality: 0.844 })
    // Another capability's history is its own; two runs are too few to quote an ETA from.
    history.record({ task: 'other-2', capability: 'everything/echo', startedAt: NOW + 1, durationMs: 700, ok: true })
    expect(history.profileFor('everything/echo', CONFIGURED)).toMatchObject({ etaMs: 1_000, quality: 0.933 })
    closeDatabase(db)
  })

  it('looks only at the recent executions, so a provider that became unreliable quotes lower quality', () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    const history = new ExecutionHistory(db)
    for (let i = 0; i < 300; i++) history.record({ task: `old${i}`, capability: 'c', startedAt: NOW + i, durationMs: 10, ok: true })
    for (let i = 0; i < RECENT_EXECUTIONS; i++) history.record({ task: `new${i}`, capability: 'c', startedAt: NOW + 1_000 + i, durationMs: 500, ok: i % 2 === 0 })
    expect(history.measured('c')).toEqual({ samples: RECENT_EXECUTIONS, p50Ms: 500, successRate: 0.5 })
    expect(history.profileFor('c', CONFIGURED).quality).toBeLessThan(0.6)
    // Bounded: older rows beyond what is kept per capability (200, pruned every 32nd insert) are gone.
    const kept = db.prepare('SELECT count(*) FROM task_executions WHERE capability = ?').pluck().get('c') as number
    expect(kept).toBeGreaterThanOrEqual(200)
    expect(kept).toBeLessThan(200 + 32)
    closeDatabase(db)
  })
})
