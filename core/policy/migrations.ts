import type { Migration } from '../store/migration.ts'

// Data classes are spelled out here, not imported: a shipped migration never changes with the code around it.
const CLASSES = "('public', 'personal', 'contact', 'financial', 'health', 'credential', 'location', 'internal')"
const DIRECTIONS = "('serve', 'delegate')"

/** The policy plane's tables: cooperation constraints and the tasks they counted, privacy rules, the credit ledger, approvals and grants. */
export const policyMigrations: readonly Migration[] = [
  {
    version: 6,
    name: 'policy',
    up (db) {
      db.exec(`
        -- Constraints per capability and topic; '*' stands for every capability or every topic. A full set per row, never a partial one.
        CREATE TABLE policy_constraints (
          capability        TEXT NOT NULL CHECK (length(capability) BETWEEN 1 AND 128),
          topic             TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          min_trust         REAL NOT NULL CHECK (min_trust >= 0 AND min_trust <= 1),
          max_input_bytes   INTEGER NOT NULL CHECK (max_input_bytes >= 0),
          peer_limit        INTEGER NOT NULL CHECK (peer_limit >= 0),
          peer_window_ms    INTEGER NOT NULL CHECK (peer_window_ms > 0),
          overall_limit     INTEGER NOT NULL CHECK (overall_limit >= 0),
          overall_window_ms INTEGER NOT NULL CHECK (overall_window_ms > 0),
          data_classes      TEXT NOT NULL CHECK (json_valid(data_classes) AND json_type(data_classes) = 'array'),
          price_floor       REAL NOT NULL CHECK (price_floor >= 0),
          PRIMARY KEY (capability, topic)
        ) STRICT, WITHOUT ROWID;

        -- Tasks admitted to be served: what rate limits count. Old rows are pruned past the longest window.
        CREATE TABLE served_tasks (
          id         INTEGER PRIMARY KEY,
          capability TEXT NOT NULL,
          topic      TEXT NOT NULL,
          peer       BLOB NOT NULL CHECK (length(peer) = 32),
          at         INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX served_tasks_at ON served_tasks (at);
        CREATE INDEX served_tasks_peer ON served_tasks (peer, at);

        -- What may leave the device per data class; a class without a row takes the built-in default.
        CREATE TABLE egress_actions (
          data_class TEXT PRIMARY KEY CHECK (data_class IN ${CLASSES}),
          action     TEXT NOT NULL CHECK (action IN ('allow', 'redact', 'block'))
        ) STRICT;

        -- JSON fields the person marked as holding a data class.
        CREATE TABLE marked_paths (
          path       TEXT PRIMARY KEY CHECK (length(path) BETWEEN 1 AND 512),
          data_class TEXT NOT NULL CHECK (data_class IN ${CLASSES})
        ) STRICT;

        -- Credits per task and peer, append-only: a task has at most one entry of each kind with each peer.
        CREATE TABLE ledger_entries (
          id         INTEGER PRIMARY KEY,
          task       TEXT NOT NULL CHECK (length(task) BETWEEN 1 AND 128),
          peer       BLOB NOT NULL CHECK (length(peer) = 32),
          kind       TEXT NOT NULL CHECK (kind IN ('offered', 'earned', 'spent')),
          credits    REAL NOT NULL CHECK (credits >= 0 AND credits < 1e15),
          capability TEXT,
          topic      TEXT,
          at         INTEGER NOT NULL,
          UNIQUE (task, peer, kind)
        ) STRICT;
        CREATE INDEX ledger_entries_peer ON ledger_entries (peer, kind);
        CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

        -- Every approval asked, pending or decided: the queue is the pending rows, the rest is its history.
        CREATE TABLE approvals (
          id              TEXT PRIMARY KEY,
          task            TEXT NOT NULL CHECK (length(task) BETWEEN 1 AND 128),
          direction       TEXT NOT NULL CHECK (direction IN ${DIRECTIONS}),
          peer            BLOB NOT NULL CHECK (length(peer) = 32),
          peer_id         TEXT,
          peer_name       TEXT CHECK (peer_name IS NULL OR length(peer_name) <= 256),
          trust           REAL CHECK (trust IS NULL OR (trust >= 0 AND trust <= 1)),
          capability      TEXT NOT NULL CHECK (length(capability) BETWEEN 1 AND 128),
          topic           TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          price           REAL NOT NULL CHECK (price >= 0),
          payload_preview TEXT NOT NULL,
          egress          TEXT CHECK (egress IS NULL OR json_valid(egress)),
          requested_at    INTEGER NOT NULL,
          deadline        INTEGER NOT NULL,
          status          TEXT NOT NULL CHECK (status IN ('pending', 'allowed', 'denied')),
          decided_by      TEXT CHECK (decided_by IN ('person', 'grant', 'rule', 'headless', 'expired', 'withdrawn')),
          decided_at      INTEGER,
          grant_id        TEXT,
          UNIQUE (direction, task),
          CHECK ((status = 'pending') = (decided_by IS NULL) AND (decided_by IS NULL) = (decided_at IS NULL))
        ) STRICT;
        CREATE INDEX approvals_pending ON approvals (deadline) WHERE status = 'pending';

        -- A standing yes to one peer for one capability (and topic, or any when NULL) until it expires or is revoked.
        CREATE TABLE grants (
          id         TEXT PRIMARY KEY,
          direction  TEXT NOT NULL CHECK (direction IN ${DIRECTIONS}),
          peer       BLOB NOT NULL CHECK (length(peer) = 32),
          capability TEXT NOT NULL CHECK (length(capability) BETWEEN 1 AND 128),
          topic      TEXT CHECK (topic IS NULL OR length(topic) BETWEEN 1 AND 64),
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
          revoked_at INTEGER,
          approval   TEXT REFERENCES approvals (id)
        ) STRICT;
        CREATE INDEX grants_scope ON grants (peer, capability);

        -- The person's standing answer per capability and topic ('*' for every one) when no grant matches.
        CREATE TABLE approval_rules (
          direction  TEXT NOT NULL CHECK (direction IN ${DIRECTIONS}),
          capability TEXT NOT NULL CHECK (length(capability) BETWEEN 1 AND 128),
          topic      TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          mode       TEXT NOT NULL CHECK (mode IN ('ask', 'allow', 'deny')),
          PRIMARY KEY (direction, capability, topic)
        ) STRICT, WITHOUT ROWID;
      `)
    }
  }
]

/** Daily limits on served tasks per capability, and whether the person serves at all (on, paused, or offline). */
export const servingMigration: Migration = {
  version: 10,
  name: 'policy-serving',
  up (db) {
    db.exec(`
      -- At most this many tasks admitted per capability each local day; a capability without a row has no daily limit.
      CREATE TABLE daily_limits (
        capability  TEXT PRIMARY KEY CHECK (length(capability) BETWEEN 1 AND 128),
        max_per_day INTEGER NOT NULL CHECK (max_per_day >= 0)
      ) STRICT, WITHOUT ROWID;

      -- One row: the person's serving switch, kept across restarts.
      CREATE TABLE serving_state (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        state      TEXT NOT NULL CHECK (state IN ('on', 'paused', 'offline')),
        changed_at INTEGER NOT NULL
      ) STRICT;
    `)
  }
}
