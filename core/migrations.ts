import { metaMigration } from './store/migrations/001-meta.ts'
import type { Migration } from './store/migration.ts'
import { appMigration } from './app/migrations.ts'
import { identityMigrations } from './identity/migrations.ts'
import { discoveryMigrations } from './discovery/migrations.ts'
import { ratingTopicsMigration, reputationMigrations, trustHistoryMigration } from './reputation/migrations.ts'
import { policyMigrations, servingMigration } from './policy/migrations.ts'
import { executionHistoryMigration, negotiationMigrations, taskTimelineMigration } from './negotiation/migrations.ts'

/**
 * Every migration of every plane, in the one global order the database applies them (1, 2, 3… without gaps).
 * Append only: a plane adds its next numbered migrations at the end; shipped ones never change.
 */
export const migrations: readonly Migration[] = [
  metaMigration, // 1: store — app-wide facts (install id, created_at)
  ...identityMigrations, // 2: identity — BAID chains, their records, and which one is ours
  ...discoveryMigrations, // 3: discovery — per-author signed logs, pulled bodies, high-water marks, fraud proofs; 4: descriptor pins and drift
  ...reputationMigrations, // 5: reputation — receipts, ratings, fraud proofs, trust vectors, thresholds, contacts and blocks
  ...policyMigrations, // 6: policy — constraints and served tasks, egress rules and marked paths, credit ledger, approvals, grants, approval rules
  ...negotiationMigrations, // 7: negotiation — tasks and every transition, offers, failure traces (the regression suite), adopted mechanisms
  taskTimelineMigration, // 8: negotiation — the timeline lines beside the transitions (terms, offers, selection, verification, receipt)
  trustHistoryMigration, // 9: reputation — relative trust over time per peer and topic, bounded
  servingMigration, // 10: policy — daily limits on served tasks, and the serving switch (on, paused, offline)
  appMigration, // 11: app — the activity (audit) log and app settings
  executionHistoryMigration, // 12: negotiation — the provider's own executions (duration, delivered), for its offers' ETA and quality
  ratingTopicsMigration // 13: reputation — ratings name their topic by number (rating_topics): smaller rows, a faster bulk ingest
]
