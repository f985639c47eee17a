import type { Database } from '../store/database.ts'
import { MechanismSchema, type Mechanism } from './mechanism.ts'
import { FailureTraceSchema, type FailureTrace } from './trace.ts'

// The leader's memory (migration 7): failure traces (the regression suite) and each mechanism it adopted per topic.
// Rows are JSON, validated again when read back: a damaged row fails loudly instead of replaying nonsense.

export interface AdoptedMechanism {
  readonly topic: string
  readonly version: number
  readonly mechanism: Mechanism
  readonly reason: string
  readonly adoptedAt: number
}

type Row = Record<string, unknown>

export class TraceStore {
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.sql = prepare(db)
  }

  /** Stores a trace; returns it with its id. */
  save (trace: FailureTrace): FailureTrace {
    const { id: _id, ...body } = FailureTraceSchema.parse(trace)
    const id = Number(this.sql.insertTrace.run(body.kind, body.topic, JSON.stringify(body), body.recordedAt).lastInsertRowid)
    return { ...body, id }
  }

  /** Every stored trace of a topic, oldest first. */
  traces (topic: string): FailureTrace[] {
    return (this.sql.traces.all(topic) as Row[]).map(row => ({ ...FailureTraceSchema.parse(JSON.parse(row.trace as string)), id: row.id as number }))
  }

  count (topic: string): number {
    return this.sql.count.get(topic) as number
  }

  /** Records a mechanism as the topic's next version. */
  adopt (topic: string, mechanism: Mechanism, reason: string, at: number): AdoptedMechanism {
    const version = this.sql.nextVersion.get(topic) as number
    this.sql.insertMechanism.run(topic, version, JSON.stringify(MechanismSchema.parse(mechanism)), reason, at)
    return { topic, version, mechanism, reason, adoptedAt: at }
  }

  /** The topic's mechanism now, if one was ever adopted. */
  current (topic: string): AdoptedMechanism | undefined {
    const row = this.sql.current.get(topic) as Row | undefined
    if (row === undefined) return undefined
    return { topic, version: row.version as number, mechanism: MechanismSchema.parse(JSON.parse(row.mechanism as string)), reason: row.reason as string, adoptedAt: row.adopted_at as number }
  }
}

function prepare (db: Database) {
  return {
    insertTrace: db.prepare('INSERT INTO failure_traces (kind, topic, trace, recorded_at) VALUES (?, ?, ?, ?)'),
    traces: db.prepare('SELECT id, trace FROM failure_traces WHERE topic = ? ORDER BY id'),
    count: db.prepare('SELECT count(*) FROM failure_traces WHERE topic = ?').pluck(),
    nextVersion: db.prepare('SELECT coalesce(max(version) + 1, 1) FROM mechanisms WHERE topic = ?').pluck(),
    insertMechanism: db.prepare('INSERT INTO mechanisms (topic, version, mechanism, reason, adopted_at) VALUES (?, ?, ?, ?, ?)'),
    current: db.prepare('SELECT version, mechanism, reason, adopted_at FROM mechanisms WHERE topic = ? ORDER BY version DESC LIMIT 1')
  }
}
