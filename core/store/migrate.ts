import type { Database } from 'better-sqlite3'
import { MigrationError, StoreTooNewError } from '../api/errors.ts'
import type { Migration } from './migration.ts'

/** Brings the schema up to the last migration; the applied version lives in `PRAGMA user_version`. */
export function migrate (db: Database, migrations: readonly Migration[]): void {
  assertNumbered(migrations)
  checkNotTooNew(db, migrations)
  for (const migration of migrations.slice(schemaVersion(db))) {
    db.transaction(() => {
      // IMMEDIATE waits for the write lock, so a second process opening the same file skips what the first applied.
      if (schemaVersion(db) >= migration.version) return
      try {
        migration.up(db)
      } catch (err) {
        throw new MigrationError(
          `Migration ${migration.version} (${migration.name}) failed on ${db.name}: ${(err as Error).message}`,
          { cause: err, hint: `Nothing was changed: the database stays at version ${migration.version - 1}. Please report this.` }
        )
      }
      db.pragma(`user_version = ${migration.version}`)
    }).immediate()
  }
}

export function schemaVersion (db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function checkNotTooNew (db: Database, migrations: readonly Migration[]): void {
  const version = schemaVersion(db)
  const known = migrations.length
  if (version > known) {
    throw new StoreTooNewError(
      `${db.name} is at schema version ${version}, but this Hearth knows only up to version ${known}`,
      { hint: 'It was written by a newer Hearth: update Hearth, or restore a backup made by this version.' }
    )
  }
}

function assertNumbered (migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version} at position ${i + 1}: versions must run 1, 2, 3… without gaps`)
    }
  })
}
