import type { Database } from 'better-sqlite3'

// Keys of the `meta` table (migration 1) for app-wide facts, e.g. 'install_id' and 'created_at'.

export function readMeta (db: Database, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
  return row?.value
}

export function writeMeta (db: Database, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
}
