import { randomUUID } from 'node:crypto'
import type { Migration } from '../migration.ts'

/** App-wide facts owned by the store itself, seeded with who this installation is and when it began. */
export const metaMigration: Migration = {
  version: 1,
  name: 'meta',
  up (db) {
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID')
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    insert.run('install_id', randomUUID())
    insert.run('created_at', new Date().toISOString())
  }
}
