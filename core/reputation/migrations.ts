import type { Migration } from '../store/migration.ts'

/** The reputation plane's tables: co-signed receipts, the ratings they back, fraud proofs, computed trust, and the person's own choices. */
export const reputationMigrations: readonly Migration[] = [
  {
    version: 5,
    name: 'reputation',
    up (db) {
      db.exec(`
        -- A task's receipt as both sides signed it; the bytes are kept so any rating can be re-verified or shown.
        CREATE TABLE receipts (
          hash        BLOB PRIMARY KEY CHECK (length(hash) = 32),
          requester   BLOB NOT NULL CHECK (length(requester) = 32),
          provider    BLOB NOT NULL CHECK (length(provider) = 32 AND provider != requester),
          topic       TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          outcome     TEXT NOT NULL CHECK (outcome IN ('satisfied', 'unsatisfied')),
          bytes       BLOB NOT NULL,
          received_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX receipts_provider ON receipts (provider, topic);

        -- One row per (rater, ratee, topic, receipt): a receipt counts once however often its rating is gossiped.
        -- Keyed topic first, WITHOUT ROWID: one B-tree serves both the uniqueness and the per-topic scan the engine reads.
        -- No foreign key to receipts: a peer's rating carries its receipt's hash, the receipt itself may be held elsewhere.
        CREATE TABLE ratings (
          topic       TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          rater       BLOB NOT NULL CHECK (length(rater) = 32),
          ratee       BLOB NOT NULL CHECK (length(ratee) = 32 AND ratee != rater),
          receipt     BLOB NOT NULL CHECK (length(receipt) = 32),
          satisfied   REAL NOT NULL CHECK (satisfied >= 0),
          unsatisfied REAL NOT NULL CHECK (unsatisfied >= 0),
          ts          INTEGER NOT NULL,
          PRIMARY KEY (topic, rater, ratee, receipt)
        ) STRICT, WITHOUT ROWID;

        -- Verified proofs of fraud (equivocation, a failed canary, a disputed receipt): the offender is slashed in every topic.
        CREATE TABLE fraud_proofs (
          id          INTEGER PRIMARY KEY,
          offender    BLOB NOT NULL CHECK (length(offender) = 32),
          kind        TEXT NOT NULL CHECK (kind IN ('equivocation', 'failed-canary', 'disputed-receipt')),
          topic       TEXT CHECK (topic IS NULL OR length(topic) BETWEEN 1 AND 64),
          evidence    BLOB NOT NULL,
          detected_at INTEGER NOT NULL,
          UNIQUE (offender, kind, evidence)
        ) STRICT;

        -- The last computed vector per topic; peers with no trust are not stored (absent means zero).
        CREATE TABLE trust_vectors (
          topic       TEXT NOT NULL,
          peer        BLOB NOT NULL CHECK (length(peer) = 32),
          score       REAL NOT NULL CHECK (score >= 0 AND score <= 1),
          computed_at INTEGER NOT NULL,
          PRIMARY KEY (topic, peer)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE thresholds (
          topic     TEXT PRIMARY KEY,
          min_trust REAL NOT NULL CHECK (min_trust >= 0 AND min_trust <= 1)
        ) STRICT;

        -- The person's seed set and blocks: theirs to manage, never changed by the network.
        CREATE TABLE contacts (
          peer     BLOB PRIMARY KEY CHECK (length(peer) = 32),
          added_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE blocks (
          peer     BLOB PRIMARY KEY CHECK (length(peer) = 32),
          added_at INTEGER NOT NULL
        ) STRICT;
      `)
    }
  }
]

/** Migration 9: relative trust over time, a point per change, for the Trust view's chart. */
export const trustHistoryMigration: Migration = {
  version: 9,
  name: 'trust-history',
  up (db) {
    db.exec(`
      -- A peer's relative trust (0–1) in a topic after each recompute that changed it; the oldest points go past a bound per peer and topic.
      CREATE TABLE trust_history (
        topic    TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
        peer     BLOB NOT NULL CHECK (length(peer) = 32),
        at       INTEGER NOT NULL,
        relative REAL NOT NULL CHECK (relative >= 0 AND relative <= 1),
        PRIMARY KEY (topic, peer, at)
      ) STRICT, WITHOUT ROWID;
    `)
  }
}

/**
 * Migration 13: each rating names its topic by number (`rating_topics`) instead of by name, the same facts in a row about 15 %
 * smaller: a bulk ingest, whose batches touch most of the table's pages, writes that much less.
 */
export const ratingTopicsMigration: Migration = {
  version: 13,
  name: 'rating-topics',
  up (db) {
    db.exec(`
      -- Every topic a rating was ever held in; a number once given is never reused.
      CREATE TABLE rating_topics (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64)
      ) STRICT;
      INSERT INTO rating_topics (name) SELECT DISTINCT topic FROM ratings ORDER BY topic;

      -- As in migration 5, topic by number. No foreign key: the store adds the topic first, and a per-row parent lookup would
      -- cost the bulk write path what the smaller row saves.
      CREATE TABLE ratings_by_topic_id (
        topic       INTEGER NOT NULL,
        rater       BLOB NOT NULL CHECK (length(rater) = 32),
        ratee       BLOB NOT NULL CHECK (length(ratee) = 32 AND ratee != rater),
        receipt     BLOB NOT NULL CHECK (length(receipt) = 32),
        satisfied   REAL NOT NULL CHECK (satisfied >= 0),
        unsatisfied REAL NOT NULL CHECK (unsatisfied >= 0),
        ts          INTEGER NOT NULL,
        PRIMARY KEY (topic, rater, ratee, receipt)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO ratings_by_topic_id (topic, rater, ratee, receipt, satisfied, unsatisfied, ts)
        SELECT t.id, r.rater, r.ratee, r.receipt, r.satisfied, r.unsatisfied, r.ts FROM ratings r JOIN rating_topics t ON t.name = r.topic;
      DROP TABLE ratings;
      ALTER TABLE ratings_by_topic_id RENAME TO ratings;
    `)
  }
}
