import type { Migration } from '../store/migration.ts'

/** The identity plane's tables: BAID chains we know (our own and peers'), their records, and which one is ours. */
export const identityMigrations: readonly Migration[] = [
  {
    version: 2,
    name: 'identity-baid',
    up (db) {
      db.exec(`
        CREATE TABLE baid_chains (
          baid_id      TEXT PRIMARY KEY,
          owner        BLOB NOT NULL CHECK (length(owner) = 32),
          agent        BLOB NOT NULL CHECK (length(agent) = 32),
          head_version INTEGER NOT NULL CHECK (head_version >= 1), -- the high-water mark that rejects replayed older versions
          revocation   BLOB,
          updated_at   INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX baid_chains_agent ON baid_chains (agent);
        CREATE TABLE baid_records (
          baid_id  TEXT NOT NULL REFERENCES baid_chains (baid_id) ON DELETE CASCADE,
          version  INTEGER NOT NULL CHECK (version >= 1),
          hash     BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
          envelope BLOB NOT NULL,
          PRIMARY KEY (baid_id, version)
        ) STRICT;
        CREATE TABLE baid_self (
          id          INTEGER PRIMARY KEY CHECK (id = 1),
          baid_id     TEXT NOT NULL REFERENCES baid_chains (baid_id),
          owner_claim TEXT NOT NULL,
          salt        BLOB NOT NULL CHECK (length(salt) = 32),
          created_at  INTEGER NOT NULL
        ) STRICT;
      `)
    }
  }
]
