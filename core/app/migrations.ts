import type { Migration } from '../store/migration.ts'

/** The app's own tables: the audit log of decisions and tasks, and the person's app settings. */
export const appMigration: Migration = {
  version: 11,
  name: 'app',
  up (db) {
    db.exec(`
      -- What was decided and done, newest last; written beside each decision, never edited.
      CREATE TABLE activity_log (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        kind    TEXT NOT NULL CHECK (kind IN ('approval', 'grant', 'task', 'trust', 'identity', 'settings')),
        summary TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 1024),
        ref     TEXT CHECK (ref IS NULL OR length(ref) <= 256)
      ) STRICT;
      CREATE TRIGGER activity_log_no_update BEFORE UPDATE ON activity_log BEGIN SELECT RAISE(ABORT, 'the activity log is append-only'); END;

      -- App settings and the LLM endpoint (never its API key, which rests in the keystore), one JSON value per key.
      CREATE TABLE app_settings (
        key   TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT, WITHOUT ROWID;
    `)
  }
}
