import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'
import { tempDir } from '../../../helpers/tmp.ts'

let db: Database
const author = Buffer.alloc(32, 7)
const hash = (n: number) => Buffer.alloc(32, n)

beforeEach(() => {
  // Migrate from version 2 to 3, as an installation made before the discovery plane would.
  const path = join(tempDir(), 'hearth.sqlite')
  const before = openDatabase(path, migrations.slice(0, 2))
  before.prepare("INSERT INTO baid_chains (baid_id, owner, agent, head_version, updated_at) VALUES ('baid:a', ?, ?, 1, 0)").run(author, author)
  closeDatabase(before)
  db = openDatabase(path, migrations.slice(0, 3))
})
afterEach(() => closeDatabase(db))

const insertEntry = (seq: number, h: Buffer, prev: Buffer | null, topics = '["data_analysis"]') =>
  db.prepare(`INSERT INTO log_entries (author, seq, hash, prev, kind, ts, topics, body_hash, body_size, header, received_at)
    VALUES (?, ?, ?, ?, 'descriptor', 0, ?, ?, 10, ?, 0)`).run(author, seq, h, prev, topics, hash(99), Buffer.from([1]))

it('is registered as migration 3 and leaves earlier planes\' data alone', () => {
  expect(migrations[2]?.name).toBe('discovery-logs')
  expect(db.pragma('user_version', { simple: true })).toBe(3)
  expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 2 })
  expect(db.prepare('SELECT baid_id FROM baid_chains').all()).toEqual([{ baid_id: 'baid:a' }])
})

it('keeps one entry per (author, seq), each header hash once, with prev null exactly at seq 1', () => {
  insertEntry(1, hash(1), null)
  insertEntry(2, hash(2), hash(1))
  expect(() => insertEntry(2, hash(3), hash(1))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insertEntry(3, hash(2), hash(2))).toThrow(/UNIQUE/)
  expect(() => insertEntry(0, hash(4), null)).toThrow(/CHECK/)
  expect(() => insertEntry(4, hash(5), null)).toThrow(/CHECK/)
  expect(() => insertEntry(5, hash(6), Buffer.alloc(31))).toThrow(/CHECK/)
  expect(() => insertEntry(6, hash(7), hash(6), 'not json')).toThrow(/CHECK/)
  expect(() => insertEntry(7, hash(8), hash(7), '{"a":1}')).toThrow(/CHECK/)
})

it('is strict about column types', () => {
  expect(() => db.prepare(`INSERT INTO log_entries (author, seq, hash, prev, kind, ts, topics, body_hash, body_size, header, received_at)
    VALUES (?, 'one', ?, NULL, 'descriptor', 0, '[]', ?, 0, ?, 0)`).run(author, hash(1), hash(2), Buffer.from([1]))).toThrow(/cannot store TEXT value in INTEGER column/)
})

it('keeps high-water marks consistent: contiguous ≤ max, with a hash exactly when contiguous > 0', () => {
  const insert = db.prepare('INSERT INTO log_high_water (author, contiguous_seq, contiguous_hash, max_seq) VALUES (?, ?, ?, ?)')
  insert.run(hash(1), 0, null, 3)
  insert.run(hash(2), 2, hash(9), 2)
  expect(() => insert.run(hash(3), 3, hash(9), 2)).toThrow(/CHECK/)
  expect(() => insert.run(hash(4), 1, null, 1)).toThrow(/CHECK/)
  expect(() => insert.run(hash(5), 0, hash(9), 1)).toThrow(/CHECK/)
  expect(() => insert.run(hash(1), 1, hash(9), 1)).toThrow(/UNIQUE|PRIMARY KEY/)
})

it('keeps one fraud proof per (author, seq), made of two different headers', () => {
  const insert = db.prepare('INSERT INTO log_fraud_proofs (author, seq, header_a, header_b, detected_at) VALUES (?, ?, ?, ?, 0)')
  insert.run(author, 1, Buffer.from([1]), Buffer.from([2]))
  expect(() => insert.run(author, 1, Buffer.from([1]), Buffer.from([3]))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insert.run(author, 2, Buffer.from([1]), Buffer.from([1]))).toThrow(/CHECK/)
})

it('stores a body once per body hash, within the 64 KiB cap', () => {
  const insert = db.prepare('INSERT INTO log_bodies (body_hash, body) VALUES (?, ?)')
  insert.run(hash(1), Buffer.alloc(64 * 1024))
  expect(() => insert.run(hash(1), Buffer.from([1]))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insert.run(hash(2), Buffer.alloc(64 * 1024 + 1))).toThrow(/CHECK/)
})
