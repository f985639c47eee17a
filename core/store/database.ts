import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { MigrationError, StoreCorruptError } from '../api/errors.ts'
import { checkNotTooNew, migrate, schemaVersion } from './migrate.ts'
import type { Migration } from './migration.ts'

export type { Database }

export interface OpenOptions {
  /** Open an existing file without changing it (no migrations); for inspecting while another process writes. */
  readonly?: boolean
}

// Long enough to wait out another process's write transaction, short enough to report a stuck one.
const BUSY_TIMEOUT_MS = 5_000

/** Opens (creating if needed) the one database file, checks it is intact, and migrates it to the latest schema. */
export function openDatabase (path: string, migrations: readonly Migration[], opts: OpenOptions = {}): Database {
  const readonly = opts.readonly === true
  // The database holds private data: its folder is readable by its owner only.
  if (!readonly) mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const db = new BetterSqlite3(path, { readonly, fileMustExist: readonly })
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    checkIntact(db)
    if (!readonly) {
      db.pragma('journal_mode = WAL')
      // WAL with FULL syncs every commit: an approval or receipt survives a power cut, not just a crash.
      db.pragma('synchronous = FULL')
    }
    db.pragma('foreign_keys = ON')
    if (readonly) checkUpToDate(db, migrations)
    else migrate(db, migrations)
    return db
  } catch (err) {
    db.close()
    throw isCorruption(err) ? corrupt(db.name, (err as Error).message, err) : err
  }
}

/** Closes the connection; calling it again (or on a connection that failed to open) does nothing. */
export function closeDatabase (db: Database): void {
  if (db.open) db.close()
}

/**
 * For state the network can give again (gossiped logs and bodies): committed without waiting for the disk, which
 * WAL keeps consistent — a power cut may lose the last few, never corrupt the file. Inside a larger transaction it
 * simply joins it, and that one decides durability.
 */
export function softTransaction<T> (db: Database, fn: () => T): T {
  if (db.inTransaction) return fn()
  db.pragma('synchronous = NORMAL')
  try {
    return db.transaction(fn).immediate()
  } finally {
    db.pragma('synchronous = FULL')
  }
}

/** Runs `fn` as one IMMEDIATE transaction: a decision is written whole or not at all, and never waits to upgrade a read lock. */
export function transaction<T> (db: Database, fn: () => T): T {
  return db.transaction(fn).immediate()
}

function checkIntact (db: Database): void {
  const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map(row => row.quick_check)
  if (problems.length !== 1 || problems[0] !== 'ok') throw corrupt(db.name, problems.join('; ').replace(/\s+/g, ' ').slice(0, 300))
}

function checkUpToDate (db: Database, migrations: readonly Migration[]): void {
  checkNotTooNew(db, migrations)
  const version = schemaVersion(db)
  if (version < migrations.length) {
    throw new MigrationError(
      `${db.name} is at schema version ${version} and needs migrating to ${migrations.length}, which a read-only open cannot do`,
      { hint: 'Start Hearth normally once so it can upgrade the database.' }
    )
  }
}

function isCorruption (err: unknown): boolean {
  return err instanceof BetterSqlite3.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(err.code)
}

function corrupt (path: string, detail: string, cause?: unknown): StoreCorruptError {
  return new StoreCorruptError(`The database ${path} is damaged or is not a database (${detail})`, {
    cause,
    hint: `Move ${path} aside (with any -wal and -shm files beside it) to start afresh, or restore it from a backup.`
  })
}
