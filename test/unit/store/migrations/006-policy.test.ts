import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'
import { tempDir } from '../../../helpers/tmp.ts'

let db: Database
const key = (n: number) => Buffer.alloc(32, n)

beforeEach(() => {
  // Migrate from version 5 to 6, as an installation made before the policy plane would.
  const path = join(tempDir(), 'hearth.sqlite')
  const before = openDatabase(path, migrations.slice(0, 5))
  before.prepare('INSERT INTO contacts (peer, added_at) VALUES (?, 0)').run(key(1))
  closeDatabase(before)
  db = openDatabase(path, migrations.slice(0, 6))
})
afterEach(() => closeDatabase(db))

const approval = (id: string, task: string, status = 'pending', decidedBy: string | null = null, decidedAt: number | null = null) =>
  db.prepare(`INSERT INTO approvals (id, task, direction, peer, capability, topic, price, payload_preview, requested_at, deadline, status, decided_by, decided_at)
    VALUES (?, ?, 'serve', ?, 'summarise', 'data_analysis', 1, '', 0, 10, ?, ?, ?)`).run(id, task, key(1), status, decidedBy, decidedAt)

it('is registered as migration 6 and leaves earlier planes\' data alone', () => {
  expect(migrations[5]?.name).toBe('policy')
  expect(db.pragma('user_version', { simple: true })).toBe(6)
  expect(db.prepare('SELECT count(*) AS n FROM contacts').get()).toEqual({ n: 1 })
})

it('keeps one constraint set per capability and topic, with sane values', () => {
  const insert = db.prepare(`INSERT INTO policy_constraints (capability, topic, min_trust, max_input_bytes, peer_limit, peer_window_ms, overall_limit, overall_window_ms, data_classes, price_floor)
    VALUES (?, '*', ?, 100, 1, ?, 1, 1000, ?, 0)`)
  insert.run('summarise', 0.5, 1000, '["public"]')
  expect(() => insert.run('summarise', 0.5, 1000, '["public"]')).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insert.run('a', 1.5, 1000, '["public"]')).toThrow(/CHECK/)
  expect(() => insert.run('b', 0.5, 0, '["public"]')).toThrow(/CHECK/)
  expect(() => insert.run('c', 0.5, 1000, '{"public":1}')).toThrow(/CHECK/)
})

it('knows only the documented data classes and egress actions', () => {
  db.prepare("INSERT INTO egress_actions (data_class, action) VALUES ('health', 'block')").run()
  expect(() => db.prepare("INSERT INTO egress_actions (data_class, action) VALUES ('gossip', 'block')").run()).toThrow(/CHECK/)
  expect(() => db.prepare("INSERT INTO egress_actions (data_class, action) VALUES ('contact', 'shred')").run()).toThrow(/CHECK/)
  expect(() => db.prepare("INSERT INTO marked_paths (path, data_class) VALUES ('$.a', 'secret')").run()).toThrow(/CHECK/)
})

it('keeps the ledger append-only, one entry of a kind per task and peer', () => {
  const insert = db.prepare('INSERT INTO ledger_entries (task, peer, kind, credits, at) VALUES (?, ?, ?, ?, 0)')
  insert.run('t1', key(1), 'earned', 5)
  expect(() => insert.run('t1', key(1), 'earned', 5)).toThrow(/UNIQUE/)
  expect(() => insert.run('t2', key(1), 'earned', -1)).toThrow(/CHECK/)
  expect(() => insert.run('t3', key(1), 'stolen', 1)).toThrow(/CHECK/)
  expect(() => db.prepare('UPDATE ledger_entries SET credits = 9').run()).toThrow(/append-only/)
  expect(() => db.prepare('DELETE FROM ledger_entries').run()).toThrow(/append-only/)
})

it('holds an approval as pending with no decision, or decided with who and when; one per task and direction', () => {
  approval('a1', 't1')
  approval('a2', 't2', 'denied', 'headless', 5)
  expect(() => approval('a3', 't1')).toThrow(/UNIQUE/)
  expect(() => approval('a4', 't4', 'pending', 'person', 5)).toThrow(/CHECK/)
  expect(() => approval('a5', 't5', 'allowed', null, null)).toThrow(/CHECK/)
  expect(() => approval('a6', 't6', 'allowed', 'person', null)).toThrow(/CHECK/)
  expect(() => approval('a7', 't7', 'allowed', 'the-cat', 5)).toThrow(/CHECK/)
})

it('keeps grants that end after they start, tied to the approval that made them', () => {
  approval('a1', 't1', 'allowed', 'person', 1)
  const insert = db.prepare("INSERT INTO grants (id, direction, peer, capability, topic, created_at, expires_at, approval) VALUES (?, 'serve', ?, 'summarise', NULL, ?, ?, ?)")
  insert.run('g1', key(1), 0, 10, 'a1')
  expect(() => insert.run('g2', key(1), 10, 10, null)).toThrow(/CHECK/)
  expect(() => insert.run('g3', key(1), 0, 10, 'no-such-approval')).toThrow(/FOREIGN KEY/)
  expect(() => db.prepare("INSERT INTO approval_rules (direction, capability, topic, mode) VALUES ('serve', '*', '*', 'maybe')").run()).toThrow(/CHECK/)
})
