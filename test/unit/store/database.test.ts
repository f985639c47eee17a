import { existsSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MigrationError, StoreCorruptError, StoreTooNewError } from '../../../core/api/errors.ts'
import { closeDatabase, openDatabase, softTransaction, transaction, type Database } from '../../../core/store/database.ts'
import type { Migration } from '../../../core/store/migration.ts'

const notes: Migration = {
  version: 1,
  name: 'notes',
  up (db) {
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
    db.exec("INSERT INTO notes (body) VALUES ('seeded by migration 1')")
  }
}
const tags: Migration = {
  version: 2,
  name: 'tags',
  up (db) {
    db.exec('CREATE TABLE tags (note_id INTEGER NOT NULL REFERENCES notes (id), tag TEXT NOT NULL)')
  }
}
const broken: Migration = {
  version: 2,
  name: 'broken-tags',
  up (db) {
    db.exec('CREATE TABLE tags (tag TEXT)')
    db.exec("INSERT INTO notes (body) VALUES ('written by the broken step')")
    throw new Error('boom')
  }
}

let dir: string
let path: string
const open: Database[] = []

function openDb (migrations: readonly Migration[], opts?: { readonly?: boolean }): Database {
  const db = openDatabase(path, migrations, opts)
  open.push(db)
  return db
}

function noteBodies (db: Database): string[] {
  return (db.prepare('SELECT body FROM notes ORDER BY id').all() as Array<{ body: string }>).map(row => row.body)
}

function tableNames (db: Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(row => row.name)
}

function overwrite (file: string, offset: number, length: number): void {
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(length, 0xa5), 0, length, offset)
  closeSync(fd)
}

/** A closed, checkpointed database of a few dozen pages, ready to be damaged. */
function writeRealDatabase (): void {
  const db = openDatabase(path, [notes])
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)')
  transaction(db, () => { for (let i = 0; i < 200; i++) insert.run(`note ${i} `.padEnd(500, 'x')) })
  closeDatabase(db)
  expect(statSync(path).size).toBeGreaterThan(20 * 4096)
}

function openError (migrations: readonly Migration[]): unknown {
  try {
    openDb(migrations)
  } catch (err) {
    return err
  }
  throw new Error('expected openDatabase to fail')
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-store-'))
  path = join(dir, 'profile', 'nested', 'hearth.sqlite')
})

afterEach(() => {
  for (const db of open.splice(0)) closeDatabase(db)
  rmSync(dir, { recursive: true, force: true })
})

describe('openDatabase', () => {
  it('creates the folder and file with durable settings', () => {
    const db = openDb([notes])
    expect(existsSync(path)).toBe(true)
    expect(statSync(join(dir, 'profile')).mode & 0o777).toBe(0o700)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000)
    db.exec("INSERT INTO notes (body) VALUES ('hello')")
    expect(existsSync(`${path}-wal`)).toBe(true)
  })

  it('enforces foreign keys', () => {
    const db = openDb([notes, tags])
    expect(() => db.exec("INSERT INTO tags (note_id, tag) VALUES (999, 'orphan')")).toThrow(/FOREIGN KEY/)
  })

  it('runs each migration once, and only the new ones on a later open', () => {
    closeDatabase(openDb([notes]))
    const db = openDb([notes])
    expect(noteBodies(db)).toEqual(['seeded by migration 1'])
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    closeDatabase(db)

    const upgraded = openDb([notes, tags])
    expect(noteBodies(upgraded)).toEqual(['seeded by migration 1'])
    expect(tableNames(upgraded)).toEqual(['notes', 'tags'])
    expect(upgraded.pragma('user_version', { simple: true })).toBe(2)
  })

  it('rolls a failing migration back whole, keeps earlier ones, and names it', () => {
    closeDatabase(openDb([notes]))
    const err = openError([notes, broken])
    expect(err).toBeInstanceOf(MigrationError)
    expect((err as MigrationError).name).toBe('MigrationError')
    expect((err as Error).message).toMatch(/Migration 2 \(broken-tags\) failed.*boom/)
    expect((err as MigrationError).hint).toMatch(/stays at version 1/)

    const db = openDb([notes])
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    expect(tableNames(db)).toEqual(['notes'])
    expect(noteBodies(db)).toEqual(['seeded by migration 1'])
  })

  it('refuses a database written by a newer Hearth, without touching it', () => {
    closeDatabase(openDb([notes, tags]))
    const err = openError([notes])
    expect(err).toBeInstanceOf(StoreTooNewError)
    expect((err as Error).message).toContain(path)
    expect((err as Error).message).toMatch(/version 2.*only up to version 1/)
    expect(openDb([notes, tags]).pragma('user_version', { simple: true })).toBe(2)
  })

  it('rejects a migration list with a gap', () => {
    expect(() => openDb([notes, { ...tags, version: 3 }])).toThrow(/version 3 at position 2/)
  })

  it('reports garbage over b-tree page headers as a corrupt store with a way out', () => {
    writeRealDatabase()
    overwrite(path, 4096 * 2, 4096 * 4)
    const err = openError([notes])
    expect(err).toBeInstanceOf(StoreCorruptError)
    expect((err as Error).message).toContain(path)
    expect((err as StoreCorruptError).hint).toMatch(/Move .* aside.*backup/)
  })

  it('reports garbage inside a data page as a corrupt store', () => {
    writeRealDatabase()
    overwrite(path, 4096 * 9 + 2000, 100)
    const err = openError([notes])
    expect(err).toBeInstanceOf(StoreCorruptError)
    expect((err as Error).message).toMatch(/page \d+/)
  })

  it('reports a damaged schema page as a corrupt store', () => {
    writeRealDatabase()
    overwrite(path, 100, 4096 - 100) // page 1 after the file header: the schema's b-tree
    expect(openError([notes])).toBeInstanceOf(StoreCorruptError)
  })

  it('reports a truncated file as a corrupt store', () => {
    writeRealDatabase()
    truncateSync(path, 4096 * 3)
    expect(openError([notes])).toBeInstanceOf(StoreCorruptError)
  })

  it('reports a file that is not a database as a corrupt store', () => {
    writeRealDatabase() // creates the folder
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200))
    const err = openError([notes])
    expect(err).toBeInstanceOf(StoreCorruptError)
    expect((err as Error).message).toMatch(/not a database/)
  })

  it('opens read-only without creating or changing anything', () => {
    expect(() => openDb([notes], { readonly: true })).toThrow()
    expect(existsSync(path)).toBe(false)

    closeDatabase(openDb([notes]))
    const reader = openDb([notes], { readonly: true })
    expect(noteBodies(reader)).toEqual(['seeded by migration 1'])
    expect(() => reader.exec("INSERT INTO notes (body) VALUES ('nope')")).toThrow(/readonly/)

    expect(() => openDb([notes, tags], { readonly: true })).toThrow(MigrationError)
  })
})

describe('closeDatabase', () => {
  it('is harmless to call twice', () => {
    const db = openDb([notes])
    closeDatabase(db)
    closeDatabase(db)
    expect(db.open).toBe(false)
  })
})

describe('transaction', () => {
  it('writes everything or nothing', () => {
    const db = openDb([notes])
    expect(() => transaction(db, () => {
      db.exec("INSERT INTO notes (body) VALUES ('half a decision')")
      throw new Error('interrupted')
    })).toThrow('interrupted')
    expect(transaction(db, () => db.prepare("INSERT INTO notes (body) VALUES ('whole')").run().changes)).toBe(1)
    expect(noteBodies(db)).toEqual(['seeded by migration 1', 'whole'])
  })
})

describe('softTransaction', () => {
  it('commits gossip state without the FULL sync, then restores FULL; inside a durable transaction it joins it', () => {
    const db = openDb([{ version: 1, name: 't', up: d => d.exec('CREATE TABLE t (x INTEGER)') }])
    let inside = -1
    softTransaction(db, () => { inside = db.pragma('synchronous', { simple: true }) as number; db.prepare('INSERT INTO t VALUES (1)').run() })
    expect(inside).toBe(1) // NORMAL
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL again
    transaction(db, () => softTransaction(db, () => { inside = db.pragma('synchronous', { simple: true }) as number }))
    expect(inside).toBe(2)
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 })
  })
})
