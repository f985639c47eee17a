import type { Migration } from '../store/migration.ts'

/** The discovery plane's tables: per-author signed logs (headers), the bodies pulled for them, high-water marks and fraud proofs. */
export const discoveryMigrations: readonly Migration[] = [
  {
    version: 3,
    name: 'discovery-logs',
    up (db) {
      db.exec(`
        CREATE TABLE log_entries (
          author      BLOB NOT NULL CHECK (length(author) = 32),
          seq         INTEGER NOT NULL CHECK (seq >= 1),
          hash        BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
          prev        BLOB CHECK (length(prev) = 32),
          kind        TEXT NOT NULL, -- checked by the entry schema, so a new kind needs no table rebuild
          ts          INTEGER NOT NULL,
          topics      TEXT NOT NULL CHECK (json_valid(topics) AND json_type(topics) = 'array'),
          body_hash   BLOB NOT NULL CHECK (length(body_hash) = 32),
          body_size   INTEGER NOT NULL CHECK (body_size BETWEEN 0 AND 65536),
          header      BLOB NOT NULL CHECK (length(header) <= 1024),
          received_at INTEGER NOT NULL,
          PRIMARY KEY (author, seq),
          CHECK ((seq = 1) = (prev IS NULL))
        ) STRICT;
        CREATE INDEX log_entries_kind ON log_entries (author, kind, seq);
        CREATE INDEX log_entries_body ON log_entries (body_hash);

        -- Bodies are content-addressed: a header-only refresh names a body already held, so nothing is pulled twice.
        CREATE TABLE log_bodies (
          body_hash BLOB PRIMARY KEY CHECK (length(body_hash) = 32),
          body      BLOB NOT NULL CHECK (length(body) <= 65536)
        ) STRICT;

        CREATE TABLE log_high_water (
          author          BLOB PRIMARY KEY CHECK (length(author) = 32),
          contiguous_seq  INTEGER NOT NULL CHECK (contiguous_seq >= 0), -- 1..contiguous_seq were all held (some may be pruned since): the replay mark
          contiguous_hash BLOB CHECK (length(contiguous_hash) = 32),   -- hash of entry contiguous_seq, so chaining survives pruning
          max_seq         INTEGER NOT NULL CHECK (max_seq >= contiguous_seq),
          CHECK ((contiguous_seq = 0) = (contiguous_hash IS NULL))
        ) STRICT;

        -- Two validly signed headers for one (author, seq) are the proof; header_a is the one kept (seen first).
        CREATE TABLE log_fraud_proofs (
          author      BLOB NOT NULL CHECK (length(author) = 32),
          seq         INTEGER NOT NULL CHECK (seq >= 1),
          header_a    BLOB NOT NULL,
          header_b    BLOB NOT NULL CHECK (header_b != header_a),
          detected_at INTEGER NOT NULL,
          PRIMARY KEY (author, seq)
        ) STRICT;
      `)
    }
  },
  {
    version: 4,
    name: 'discovery-pins',
    up (db) {
      db.exec(`
        -- A peer's capability as first seen: a later change of its schemas or config digest is drift, shown to the person.
        CREATE TABLE descriptor_pins (
          agent          BLOB NOT NULL CHECK (length(agent) = 32),
          capability     TEXT NOT NULL,
          schema_digest  BLOB NOT NULL CHECK (length(schema_digest) = 32),
          config_digest  BLOB NOT NULL CHECK (length(config_digest) = 32),
          pinned_at      INTEGER NOT NULL,
          PRIMARY KEY (agent, capability)
        ) STRICT;
        CREATE TABLE descriptor_drift (
          id             INTEGER PRIMARY KEY,
          agent          BLOB NOT NULL CHECK (length(agent) = 32),
          capability     TEXT NOT NULL,
          what           TEXT NOT NULL CHECK (what IN ('schema', 'config')),
          pinned_digest  BLOB NOT NULL,
          seen_digest    BLOB NOT NULL,
          detected_at    INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX descriptor_drift_agent ON descriptor_drift (agent, capability);
      `)
    }
  }
]
