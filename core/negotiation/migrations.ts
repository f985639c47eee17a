import type { Migration } from '../store/migration.ts'

// States and kinds are spelled out here, not imported: a shipped migration never changes with the code around it.
const STATES = "('submitted', 'working', 'input-required', 'auth-required', 'completed', 'canceled', 'failed', 'rejected')"
const KINDS = "('late_delivery', 'wrong_result', 'unverifiable_result', 'over_charging', 'quality_free_ride', 'egress_violation')"

/** The negotiation plane's tables: tasks and every transition, the offers received, failure traces and the mechanisms adopted. */
export const negotiationMigrations: readonly Migration[] = [
  {
    version: 7,
    name: 'negotiation',
    up (db) {
      db.exec(`
        -- One row per task this agent asked for or serves; the signed request is kept so the task can be resumed or shown.
        CREATE TABLE tasks (
          id         TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
          role       TEXT NOT NULL CHECK (role IN ('requester', 'provider')),
          topic      TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          capability TEXT NOT NULL CHECK (length(capability) BETWEEN 1 AND 128),
          state      TEXT NOT NULL CHECK (state IN ${STATES}),
          deadline   INTEGER NOT NULL,
          peer       BLOB CHECK (peer IS NULL OR length(peer) = 32),
          request    BLOB,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
        -- Startup looks for live tasks past their deadline.
        CREATE INDEX tasks_live ON tasks (deadline) WHERE state NOT IN ('completed', 'canceled', 'failed', 'rejected');

        -- Every state change, in order: the timeline the UI draws and the audit of who moved a task and why.
        CREATE TABLE task_transitions (
          task       TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
          seq        INTEGER NOT NULL CHECK (seq >= 0),
          from_state TEXT CHECK (from_state IS NULL OR from_state IN ${STATES}),
          to_state   TEXT NOT NULL CHECK (to_state IN ${STATES}),
          at         INTEGER NOT NULL,
          actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 128),
          reason     TEXT NOT NULL CHECK (length(reason) <= 512),
          PRIMARY KEY (task, seq)
        ) STRICT, WITHOUT ROWID;

        -- Offers as signed, one per provider per task: the failover order survives a restart.
        CREATE TABLE task_offers (
          task        TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
          provider    BLOB NOT NULL CHECK (length(provider) = 32),
          bytes       BLOB NOT NULL,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (task, provider)
        ) STRICT, WITHOUT ROWID;

        -- The regression suite: every failure the leader saw, with the mechanism it happened under.
        CREATE TABLE failure_traces (
          id          INTEGER PRIMARY KEY,
          kind        TEXT NOT NULL CHECK (kind IN ${KINDS}),
          topic       TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          trace       TEXT NOT NULL CHECK (json_valid(trace)),
          recorded_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX failure_traces_topic ON failure_traces (topic, id);

        -- The leader's mechanism per topic, each adopted version kept with why it was adopted.
        CREATE TABLE mechanisms (
          topic      TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 64),
          version    INTEGER NOT NULL CHECK (version >= 1),
          mechanism  TEXT NOT NULL CHECK (json_valid(mechanism)),
          reason     TEXT NOT NULL,
          adopted_at INTEGER NOT NULL,
          PRIMARY KEY (topic, version)
        ) STRICT, WITHOUT ROWID;
      `)
    }
  }
]

/** Migration 8: the rest of a task's timeline beside its transitions (terms, offers, selection, verification, receipt) and the result, so it survives a restart. */
export const taskTimelineMigration: Migration = {
  version: 8,
  name: 'task-timeline',
  up (db) {
    db.exec(`
      -- One row per timeline line that is not a state change; seq is shared with task_transitions, so one ORDER BY seq merges both.
      CREATE TABLE task_timeline (
        task  TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        seq   INTEGER NOT NULL CHECK (seq >= 0),
        kind  TEXT NOT NULL CHECK (kind IN ('terms', 'offer', 'selected', 'verification', 'receipt', 'output')),
        at    INTEGER NOT NULL,
        entry TEXT NOT NULL CHECK (json_valid(entry) AND length(entry) <= 1048576),
        PRIMARY KEY (task, seq)
      ) STRICT, WITHOUT ROWID;
      -- A task is published with one set of terms: the task list reads its intent and reward from it.
      CREATE UNIQUE INDEX task_timeline_terms ON task_timeline (task) WHERE kind = 'terms';
      CREATE INDEX tasks_updated ON tasks (updated_at);
    `)
  }
}

/** Migration 12: the provider's own record of each execution it ran, from which its offers' ETA and quality are derived. */
export const executionHistoryMigration: Migration = {
  version: 12,
  name: 'execution-history',
  up (db) {
    db.exec(`
      -- One row per awarded task this agent ran as a provider: how long the tool took and whether it delivered.
      CREATE TABLE task_executions (
        task        TEXT PRIMARY KEY CHECK (length(task) BETWEEN 1 AND 128),
        capability  TEXT NOT NULL CHECK (length(capability) BETWEEN 1 AND 128),
        started_at  INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
        ok          INTEGER NOT NULL CHECK (ok IN (0, 1))
      ) STRICT;
      -- Offers read the most recent executions of one capability.
      CREATE INDEX task_executions_recent ON task_executions (capability, started_at);
    `)
  }
}
