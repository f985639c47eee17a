import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'

let dir: string
let db: Database

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-001-'))
  db = openDatabase(join(dir, 'hearth.sqlite'), migrations.slice(0, 1))
})

afterEach(() => {
  closeDatabase(db)
  rmSync(dir, { recursive: true, force: true })
})

it('is registered as migration 1', () => {
  expect(migrations[0]?.name).toBe('meta')
  expect(db.pragma('user_version', { simple: true })).toBe(1)
})

it('creates meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)', () => {
  const columns = db.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid').all('meta')
  expect(columns).toEqual([
    { name: 'key', type: 'TEXT', notnull: 1, pk: 1 }, // WITHOUT ROWID: a NULL key is refused too
    { name: 'value', type: 'TEXT', notnull: 1, pk: 0 }
  ])
  expect(() => db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('install_id', 'again')).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => db.prepare('INSERT INTO meta (key, value) VALUES (?, NULL)').run('empty')).toThrow(/NOT NULL/)
  expect(() => db.prepare('INSERT INTO meta (key, value) VALUES (NULL, ?)').run('no key')).toThrow(/NOT NULL/)
  expect(() => db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('blob', Buffer.from([1]))).toThrow(/cannot store BLOB/)
})

it('records who this installation is and when it began', () => {
  const facts = Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string, value: string }>).map(r => [r.key, r.value]))
  expect(facts.install_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  expect(Math.abs(Date.parse(facts.created_at ?? '') - Date.now())).toBeLessThan(60_000)
})
