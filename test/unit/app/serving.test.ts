import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrations } from '../../../core/migrations.ts'
import { Policy } from '../../../core/policy/service.ts'
import { startOfDay } from '../../../core/policy/serving.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'

// The serving switch and daily limits, as a peer's request meets them in the policy plane (real SQLite).

let dir: string
let db: Database
let clock: number
const ask = (task: string) => ({ task, peer: new Uint8Array(32).fill(7), capability: 'builtin/word-count', topic: 'data_analysis', price: 1, payload: { text: 'hi' }, trust: 1 })

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-serving-'))
  db = openDatabase(join(dir, 'hearth.sqlite'), migrations)
  clock = new Date(2026, 10, 23, 12).getTime()
})
afterEach(() => { closeDatabase(db); rmSync(dir, { recursive: true, force: true }) })

describe('serving', () => {
  it('declines every request while paused or offline, with the reason, and survives reopening', async () => {
    const policy = new Policy({ db, interactive: () => false }, { now: () => clock })
    policy.approvals.setRule({ direction: 'serve', capability: 'builtin/word-count', mode: 'allow' })
    expect((await policy.screenServe(ask('t1'))).verdict).toBe('allowed')
    policy.serving.setState('paused')
    expect(await policy.screenServe(ask('t2'))).toEqual({ verdict: 'refuse', reasons: [{ code: 'serving-paused', state: 'paused' }] })
    policy.stop()
    const reopened = new Policy({ db, interactive: () => false }, { now: () => clock })
    expect(reopened.serving.state()).toBe('paused')
    reopened.serving.setState('on')
    expect((await reopened.screenServe(ask('t3'))).verdict).toBe('allowed')
    expect(() => { reopened.serving.setState('asleep' as never) }).toThrow(/serving state/)
    reopened.stop()
  })

  it('serves a capability at most its daily limit, counted from midnight', async () => {
    const policy = new Policy({ db, interactive: () => false }, { now: () => clock })
    policy.approvals.setRule({ direction: 'serve', capability: 'builtin/word-count', mode: 'allow' })
    policy.serving.setDailyLimit('builtin/word-count', 2)
    expect((await policy.screenServe(ask('a'))).verdict).toBe('allowed')
    expect((await policy.screenServe(ask('b'))).verdict).toBe('allowed')
    expect(await policy.screenServe(ask('c'))).toEqual({ verdict: 'refuse', reasons: [{ code: 'daily-limit-reached', limit: 2, used: 2 }] })
    expect(policy.serving.servedToday('builtin/word-count')).toBe(2)
    clock = startOfDay(clock) + 24 * 3600_000 + 60_000
    expect(policy.serving.servedToday('builtin/word-count')).toBe(0)
    expect((await policy.screenServe(ask('d'))).verdict).toBe('allowed')
    expect(policy.serving.setDailyLimit('builtin/word-count', null)).toBeUndefined()
    expect(policy.serving.dailyLimit('builtin/word-count')).toBeUndefined()
    policy.stop()
  })
})
