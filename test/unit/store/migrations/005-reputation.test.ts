import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'
import { tempDir } from '../../../helpers/tmp.ts'

let db: Database
const key = (n: number) => Buffer.alloc(32, n)

beforeEach(() => {
  // Migrate from version 4 to 5, as an installation made before the reputation plane would.
  const path = join(tempDir(), 'hearth.sqlite')
  const before = openDatabase(path, migrations.slice(0, 4))
  before.prepare('INSERT INTO descriptor_pins (agent, capability, schema_digest, config_digest, pinned_at) VALUES (?, ?, ?, ?, 0)').run(key(1), 'cap', key(2), key(3))
  closeDatabase(before)
  db = openDatabase(path, migrations.slice(0, 5))
})
afterEach(() => closeDatabase(db))

const insertRating = (rater: Buffer, ratee: Buffer, receipt: Buffer, topic = 'code_generation', satisfied = 1) =>
  db.prepare('INSERT INTO ratings (topic, rater, ratee, receipt, satisfied, unsatisfied, ts) VALUES (?, ?, ?, ?, ?, 0, 0)').run(topic, rater, ratee, receipt, satisfied)

it('is registered as migration 5 and leaves earlier planes\' data alone', () => {
  expect(migrations[4]?.name).toBe('reputation')
  expect(db.pragma('user_version', { simple: true })).toBe(5)
  expect(db.prepare('SELECT capability FROM descriptor_pins').all()).toEqual([{ capability: 'cap' }])
})

it('keeps one rating per (rater, ratee, topic, receipt), between two different 32-byte peers', () => {
  insertRating(key(1), key(2), key(9))
  insertRating(key(1), key(2), key(10)) // a second receipt for the same pair counts again
  insertRating(key(1), key(2), key(9), 'data_analysis') // the same receipt hash in another topic is another key
  expect(() => insertRating(key(1), key(2), key(9))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insertRating(key(1), key(1), key(11))).toThrow(/CHECK/)
  expect(() => insertRating(Buffer.alloc(31, 1), key(2), key(12))).toThrow(/CHECK/)
  expect(() => insertRating(key(1), key(2), Buffer.alloc(16), 'x')).toThrow(/CHECK/)
  expect(() => insertRating(key(1), key(2), key(13), 'code_generation', -1)).toThrow(/CHECK/)
  expect(() => insertRating(key(1), key(2), key(14), '')).toThrow(/CHECK/)
  expect(db.prepare('SELECT count(*) AS n FROM ratings').get()).toEqual({ n: 3 })
})

it('keeps each receipt once, with two different parties and a known outcome', () => {
  const insert = db.prepare('INSERT INTO receipts (hash, requester, provider, topic, outcome, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?, 0)')
  insert.run(key(9), key(1), key(2), 'code_generation', 'satisfied', Buffer.from([1, 2, 3]))
  expect(() => insert.run(key(9), key(1), key(2), 'code_generation', 'unsatisfied', Buffer.from([4]))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insert.run(key(10), key(1), key(1), 'code_generation', 'satisfied', Buffer.from([1]))).toThrow(/CHECK/)
  expect(() => insert.run(key(11), key(1), key(2), 'code_generation', 'meh', Buffer.from([1]))).toThrow(/CHECK/)
})

it('keeps fraud proofs of known kinds, each piece of evidence once per offender', () => {
  const insert = db.prepare('INSERT INTO fraud_proofs (offender, kind, topic, evidence, detected_at) VALUES (?, ?, ?, ?, 0)')
  insert.run(key(3), 'equivocation', null, Buffer.from([1]))
  insert.run(key(3), 'failed-canary', 'code_generation', Buffer.from([1]))
  expect(() => insert.run(key(3), 'equivocation', null, Buffer.from([1]))).toThrow(/UNIQUE/)
  expect(() => insert.run(key(3), 'rumour', null, Buffer.from([2]))).toThrow(/CHECK/)
})

it('holds one score per (topic, peer) in [0, 1], one threshold per topic, and contacts and blocks once each', () => {
  const score = db.prepare('INSERT INTO trust_vectors (topic, peer, score, computed_at) VALUES (?, ?, ?, 0)')
  score.run('code_generation', key(1), 0.5)
  expect(() => score.run('code_generation', key(1), 0.2)).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => score.run('code_generation', key(2), 1.5)).toThrow(/CHECK/)
  expect(() => db.prepare('INSERT INTO thresholds (topic, min_trust) VALUES (?, ?)').run('code_generation', -0.1)).toThrow(/CHECK/)
  for (const table of ['contacts', 'blocks']) {
    const insert = db.prepare(`INSERT INTO ${table} (peer, added_at) VALUES (?, 0)`)
    insert.run(key(1))
    expect(() => insert.run(key(1))).toThrow(/UNIQUE|PRIMARY KEY/)
    expect(() => insert.run(Buffer.alloc(33))).toThrow(/CHECK/)
  }
})

it('is strict about column types', () => {
  expect(() => db.prepare("INSERT INTO ratings (topic, rater, ratee, receipt, satisfied, unsatisfied, ts) VALUES ('t', ?, ?, ?, 1, 0, 'now')")
    .run(key(1), key(2), key(3))).toThrow(/cannot store TEXT value in INTEGER column/)
})
