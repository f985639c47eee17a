import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../core/migrations.ts'
import { closeDatabase, openDatabase } from '../../core/store/database.ts'

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'hearth-migrations-')) })
afterEach(() => rmSync(dir, { recursive: true, force: true }))

it('applies every registered migration, in order, to a new database', () => {
  const db = openDatabase(join(dir, 'hearth.sqlite'), migrations)
  expect(migrations.map(m => m.version)).toEqual(migrations.map((_, i) => i + 1))
  expect(db.pragma('user_version', { simple: true })).toBe(migrations.length)
  expect(db.pragma('foreign_key_check')).toEqual([])
  closeDatabase(db)
})
