import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'
import { tempDir } from '../../../helpers/tmp.ts'

let db: Database
const key = Buffer.alloc(32, 7)

beforeEach(() => {
  // Migrate from version 1 to 2, as an installation made before the identity plane would.
  const path = join(tempDir(), 'hearth.sqlite')
  closeDatabase(openDatabase(path, migrations.slice(0, 1)))
  db = openDatabase(path, migrations.slice(0, 2))
})
afterEach(() => closeDatabase(db))

const insertChain = (baidId = 'baid:a', version = 1) =>
  db.prepare('INSERT INTO baid_chains (baid_id, owner, agent, head_version, revocation, updated_at) VALUES (?, ?, ?, ?, NULL, 0)').run(baidId, key, key, version)

it('is registered as migration 2 and leaves migration 1\'s data alone', () => {
  expect(migrations[1]?.name).toBe('identity-baid')
  expect(db.pragma('user_version', { simple: true })).toBe(2)
  expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 2 })
})

it('stores chains with a positive head version and 32-byte keys', () => {
  insertChain()
  expect(() => insertChain('baid:b', 0)).toThrow(/CHECK/)
  expect(() => db.prepare('INSERT INTO baid_chains (baid_id, owner, agent, head_version, updated_at) VALUES (?, ?, ?, 1, 0)').run('baid:c', Buffer.alloc(31), key)).toThrow(/CHECK/)
})

it('keeps one record per (BAID, version), each record hash once, and only for a known chain', () => {
  insertChain()
  const insert = db.prepare('INSERT INTO baid_records (baid_id, version, hash, envelope) VALUES (?, ?, ?, ?)')
  insert.run('baid:a', 1, Buffer.alloc(32, 1), Buffer.from([1]))
  expect(() => insert.run('baid:a', 1, Buffer.alloc(32, 2), Buffer.from([2]))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insert.run('baid:a', 2, Buffer.alloc(32, 1), Buffer.from([2]))).toThrow(/UNIQUE/)
  expect(() => insert.run('baid:unknown', 1, Buffer.alloc(32, 3), Buffer.from([3]))).toThrow(/FOREIGN KEY/)
})

it('holds at most one identity of our own', () => {
  insertChain()
  const insert = db.prepare('INSERT INTO baid_self (id, baid_id, owner_claim, salt, created_at) VALUES (?, ?, ?, ?, 0)')
  insert.run(1, 'baid:a', '', Buffer.alloc(32))
  expect(() => insert.run(2, 'baid:a', '', Buffer.alloc(32))).toThrow(/CHECK/)
  expect(() => insert.run(1, 'baid:a', '', Buffer.alloc(32))).toThrow(/UNIQUE|PRIMARY KEY/)
})
