import type { Database } from 'better-sqlite3'

/**
 * One step of the schema. Versions are global across all planes and run in order 1, 2, 3…
 * A shipped migration never changes; a new schema change is a new migration.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  /** Runs inside a transaction; throwing rolls the whole step back. */
  up (db: Database): void
}
