import { TaskExistsError, UnknownTaskError } from '../api/errors.ts'
import { TERMINAL_STATES, type DelegationRecord, type TaskRecord, type TaskRole, type TaskState, type TaskTransition } from '../api/negotiation.ts'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import { assertTransition } from './lifecycle.ts'
import { stateEntry, type TaskNote, type TaskTimelineEntry } from './timeline.ts'

// The negotiation plane's task persistence (migration 7): each task, every transition with its time, actor and reason,
// and the offers received. A transition and the task's new state are one transaction, so the timeline never disagrees.
// The other timeline lines (migration 8) share the transitions' per-task sequence, so the whole timeline reads in order.
// Progress of a live task is written soft (a power cut may lose the last steps, which the deadline sweep then fails);
// a terminal state is written durably, and so syncs every step before it.

export interface NewTask {
  readonly task: string
  readonly role: TaskRole
  readonly topic: string
  readonly capability: string
  readonly deadline: number
  readonly peer?: Uint8Array
  /** The signed request, as received or sent. */
  readonly request?: Uint8Array
}

export interface TransitionNote {
  readonly reason: string
  readonly actor: string
  readonly at: number
}

/** A task as the task list shows it: its record, with the intent and reward of the terms it was published with. */
export interface TaskListing extends TaskRecord {
  readonly intent: string | undefined
  readonly reward: number | undefined
}

type Row = Record<string, unknown>
/** Bounds what a listing reads at once. */
const MAX_LISTING = 1000
const LIVE = "state NOT IN ('completed', 'canceled', 'failed', 'rejected')"
const TERMINAL: ReadonlySet<TaskState> = new Set(TERMINAL_STATES)

export class TaskStore {
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.db = db
    this.sql = prepare(db)
  }

  /** Records a new task in `submitted`, with its first transition. */
  create (task: NewTask, note: TransitionNote): TaskRecord {
    return softTransaction(this.db, () => {
      if (this.sql.task.get(task.task) !== undefined) throw new TaskExistsError(`task ${task.task} already exists`)
      this.sql.insertTask.run(task.task, task.role, task.topic, task.capability, 'submitted', task.deadline, task.peer ?? null, task.request ?? null, note.at, note.at)
      this.sql.insertTransition.run(task.task, 0, null, 'submitted', note.at, note.actor, note.reason)
      return this.get(task.task)
    })
  }

  /**
   * Moves a task, checking the transition table against the stored state inside the same transaction. A terminal state is
   * durable unless `syncedBy` names the durable write the caller makes right after (WAL syncs every commit before it).
   */
  transition (id: string, to: TaskState, note: TransitionNote, options: { syncedBy?: string } = {}): TaskTransition {
    return (TERMINAL.has(to) && options.syncedBy === undefined ? transaction : softTransaction)(this.db, () => {
      const from = this.get(id).state
      assertTransition(id, from, to)
      const seq = this.sql.nextSeq.get({ task: id }) as number
      this.sql.insertTransition.run(id, seq, from, to, note.at, note.actor, note.reason)
      this.sql.setState.run(to, note.at, id)
      return { task: id, from, to, at: note.at, reason: note.reason, actor: note.actor }
    })
  }

  /** A durable commit touching the task: syncs every soft write before it (when the durable write a soft step counted on failed). */
  sync (id: string): void {
    if (transaction(this.db, () => this.sql.touch.run(id)).changes === 0) throw new UnknownTaskError(`no task ${id}`)
  }

  setPeer (id: string, peer: Uint8Array): void {
    if (softTransaction(this.db, () => this.sql.setPeer.run(peer, id)).changes === 0) throw new UnknownTaskError(`no task ${id}`)
  }

  get (id: string): TaskRecord {
    const row = this.sql.task.get(id) as Row | undefined
    if (row === undefined) throw new UnknownTaskError(`no task ${id}`)
    return recordOf(row)
  }

  /** The signed request the task was created from, if kept. */
  request (id: string): Uint8Array | undefined {
    const row = this.sql.request.get(id) as Row | undefined
    if (row === undefined) throw new UnknownTaskError(`no task ${id}`)
    return (row.request as Buffer | null) ?? undefined
  }

  /** The timeline, oldest first. */
  transitions (id: string): TaskTransition[] {
    return (this.sql.transitions.all(id) as Row[]).map(row => ({
      task: id,
      from: (row.from_state as TaskState | null) ?? undefined,
      to: row.to_state as TaskState,
      at: row.at as number,
      reason: row.reason as string,
      actor: row.actor as string
    }))
  }

  /** Tasks still live (not terminal), oldest first. */
  live (): TaskRecord[] {
    return (this.sql.live.all() as Row[]).map(recordOf)
  }

  /** Live tasks whose deadline has passed: what the host fails on startup. */
  overdue (now: number): TaskRecord[] {
    return (this.sql.overdue.all(now) as Row[]).map(recordOf)
  }

  /** Keeps a signed offer; a provider's newer offer for the same task replaces its older one. */
  saveOffer (task: string, provider: Uint8Array, bytes: Uint8Array, at: number): void {
    softTransaction(this.db, () => this.sql.upsertOffer.run(task, provider, bytes, at))
  }

  offers (task: string): Uint8Array[] {
    return (this.sql.offers.all(task) as Buffer[])
  }

  /** Appends a timeline line after the task's last one; returns it. */
  note (task: string, note: TaskNote): TaskNote {
    softTransaction(this.db, () => {
      if (this.sql.task.get(task) === undefined) throw new UnknownTaskError(`no task ${task}`)
      this.sql.insertNote.run(task, this.sql.nextSeq.get({ task }) as number, note.kind, note.at, JSON.stringify(note))
    })
    return note
  }

  /** The whole timeline, oldest first: state changes and the lines between them. */
  timeline (id: string): TaskTimelineEntry[] {
    this.get(id)
    return (this.sql.timeline.all(id, id) as Row[]).map(row => row.entry === null
      ? stateEntry({ task: id, from: (row.from_state as TaskState | null) ?? undefined, to: row.to_state as TaskState, at: row.at as number, reason: row.reason as string, actor: row.actor as string })
      : JSON.parse(row.entry as string) as TaskNote)
  }

  /** A task this agent delegated, with its origin and result; undefined for a provider's task or an unknown one. */
  delegation (id: string): DelegationRecord | undefined {
    const row = this.sql.task.get(id) as Row | undefined
    if (row === undefined || row.role !== 'requester') return undefined
    const record = recordOf(row)
    const entries = this.timeline(id)
    const terms = entries.find(e => e.kind === 'terms')
    const output = entries.findLast(e => e.kind === 'output')
    const last = entries.findLast(e => e.kind === 'state')
    return {
      task: id,
      state: record.state,
      reason: last?.kind === 'state' ? last.reason : '',
      origin: terms?.kind === 'terms' ? terms.origin : undefined,
      intent: terms?.kind === 'terms' ? terms.intent : undefined,
      result: output?.kind === 'output' ? output.result : undefined,
      output: output?.kind === 'output' ? output.text : undefined,
      updatedAt: record.updatedAt
    }
  }

  /** The delegations asked for by an origin starting with `prefix` (e.g. `a2a:`), most recently changed first. */
  delegations (prefix: string, limit = 100): DelegationRecord[] {
    const rows = this.sql.byOrigin.all(`${prefix.replace(/[\\%_]/g, c => `\\${c}`)}%`, Math.max(1, Math.min(MAX_LISTING, limit))) as Row[]
    return rows.map(row => this.delegation(row.id as string)).filter(d => d !== undefined)
  }

  /** Tasks most recently changed first, in one role or both. */
  list (options: { role?: TaskRole, limit?: number } = {}): TaskListing[] {
    const limit = Math.max(1, Math.min(MAX_LISTING, options.limit ?? 100))
    const rows = (options.role === undefined ? this.sql.list.all(limit) : this.sql.listRole.all(options.role, limit)) as Row[]
    return rows.map(listingOf)
  }

  listing (id: string): TaskListing {
    const row = this.sql.listing.get(id) as Row | undefined
    if (row === undefined) throw new UnknownTaskError(`no task ${id}`)
    return listingOf(row)
  }
}

function listingOf (row: Row): TaskListing {
  return { ...recordOf(row), intent: (row.intent as string | null) ?? undefined, reward: (row.reward as number | null) ?? undefined }
}

function recordOf (row: Row): TaskRecord {
  return {
    task: row.id as string,
    role: row.role as TaskRole,
    topic: row.topic as string,
    capability: row.capability as string,
    state: row.state as TaskState,
    deadline: row.deadline as number,
    peer: (row.peer as Buffer | null) ?? undefined,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number
  }
}

const COLUMNS = 'id, role, topic, capability, state, deadline, peer, created_at, updated_at'
const LISTING = `SELECT t.id, t.role, t.topic, t.capability, t.state, t.deadline, t.peer, t.created_at, t.updated_at,
  json_extract(n.entry, '$.intent') AS intent, json_extract(n.entry, '$.reward') AS reward
  FROM tasks t LEFT JOIN task_timeline n ON n.task = t.id AND n.kind = 'terms'`

function prepare (db: Database) {
  return {
    insertTask: db.prepare('INSERT INTO tasks (id, role, topic, capability, state, deadline, peer, request, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    insertTransition: db.prepare('INSERT INTO task_transitions (task, seq, from_state, to_state, at, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    // One sequence per task across transitions and the other timeline lines.
    nextSeq: db.prepare('SELECT max(coalesce((SELECT max(seq) FROM task_transitions WHERE task = @task), -1), coalesce((SELECT max(seq) FROM task_timeline WHERE task = @task), -1)) + 1').pluck(),
    setState: db.prepare('UPDATE tasks SET state = ?, updated_at = ? WHERE id = ?'),
    setPeer: db.prepare('UPDATE tasks SET peer = ? WHERE id = ?'),
    touch: db.prepare('UPDATE tasks SET updated_at = updated_at WHERE id = ?'),
    task: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`),
    request: db.prepare('SELECT request FROM tasks WHERE id = ?'),
    transitions: db.prepare('SELECT from_state, to_state, at, actor, reason FROM task_transitions WHERE task = ? ORDER BY seq'),
    live: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE ${LIVE} ORDER BY created_at, id`),
    overdue: db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE ${LIVE} AND deadline < ? ORDER BY deadline, id`),
    upsertOffer: db.prepare('INSERT INTO task_offers (task, provider, bytes, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (task, provider) DO UPDATE SET bytes = excluded.bytes, received_at = excluded.received_at'),
    offers: db.prepare('SELECT bytes FROM task_offers WHERE task = ? ORDER BY received_at, provider').pluck(),
    insertNote: db.prepare('INSERT INTO task_timeline (task, seq, kind, at, entry) VALUES (?, ?, ?, ?, ?)'),
    timeline: db.prepare(`SELECT seq, from_state, to_state, at, actor, reason, NULL AS entry FROM task_transitions WHERE task = ?
      UNION ALL SELECT seq, NULL, NULL, at, NULL, NULL, entry FROM task_timeline WHERE task = ? ORDER BY seq`),
    list: db.prepare(`${LISTING} ORDER BY t.updated_at DESC, t.id LIMIT ?`),
    listRole: db.prepare(`${LISTING} WHERE t.role = ? ORDER BY t.updated_at DESC, t.id LIMIT ?`),
    listing: db.prepare(`${LISTING} WHERE t.id = ?`),
    byOrigin: db.prepare(`SELECT t.id FROM tasks t JOIN task_timeline n ON n.task = t.id AND n.kind = 'terms'
      WHERE t.role = 'requester' AND json_extract(n.entry, '$.origin') LIKE ? ESCAPE '\\' ORDER BY t.updated_at DESC, t.id LIMIT ?`)
  }
}
