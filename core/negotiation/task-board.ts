import { TaskCanceledError, TaskDeadlineError } from '../api/errors.ts'
import type { Offer, TaskRecord, TaskState, TaskTransition } from '../api/negotiation.ts'
import { TypedEvents } from '../common/events.ts'
import { hex } from '../identity/ids.ts'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import { isTerminal } from './lifecycle.ts'
import type { RankedOffer } from './selection.ts'
import { TaskStore, type NewTask } from './task-store.ts'
import { MAX_KEPT_RESULT_JSON, stateEntry, type TaskBoardEvents, type TaskNote, type ToolResultLike } from './timeline.ts'

// The live side of tasks: every transition persisted, then emitted for the timeline; each live task has an AbortSignal
// that fires on cancellation (TaskCanceledError) or at its deadline (TaskDeadlineError), so work in flight stops.
// Every timeline line (states, terms, offers, selection, verification, receipt) is persisted, then emitted as `task:entry`.

export interface TaskBoardComponents {
  readonly db: Database
}

export interface TaskBoardInit {
  readonly now?: () => number
}

export interface MoveNote {
  readonly reason: string
  /** `self`, `person`, `system`, or `peer:<hex key>`. */
  readonly actor: string
}

/** A timeline line before it is stamped with the board's clock. */
export type NoteOf<K extends TaskNote['kind']> = Omit<Extract<TaskNote, { kind: K }>, 'kind' | 'at'>

interface Live {
  readonly controller: AbortController
  readonly timer: ReturnType<typeof setTimeout>
}

export class TaskBoard {
  readonly events = new TypedEvents<TaskBoardEvents>()
  readonly store: TaskStore
  private readonly db: Database
  private readonly now: () => number
  private readonly live = new Map<string, Live>()
  /** Inside `batch`: what to tell once its transaction has committed (nothing, if it rolls back). */
  private pending: Array<() => void> | undefined
  /** Whether the batch under way commits durably. */
  private durable = false

  constructor (components: TaskBoardComponents, init: TaskBoardInit = {}) {
    this.db = components.db
    this.store = new TaskStore(components.db)
    this.now = init.now ?? Date.now
  }

  /**
   * Several steps of a live task as one transaction (each is one otherwise), told to the timeline once committed. Soft
   * unless `durable`: a durable terminal move inside a soft batch is refused (the batch would make it soft).
   */
  batch<T> (steps: () => T, options: { durable?: boolean } = {}): T {
    if (this.pending !== undefined) return steps()
    const pending: Array<() => void> = []
    this.pending = pending
    this.durable = options.durable === true
    let out: T
    try {
      out = (this.durable ? transaction : softTransaction)(this.db, steps)
    } finally {
      this.pending = undefined
      this.durable = false
    }
    for (const tell of pending) tell()
    return out
  }

  open (task: NewTask, note: MoveNote): TaskRecord {
    const at = this.now()
    const record = this.store.create(task, { ...note, at })
    const transition: TaskTransition = { task: task.task, from: undefined, to: 'submitted', at, reason: note.reason, actor: note.actor }
    this.tell(() => {
      this.events.emit('task:state', transition)
      this.events.emit('task:entry', { task: task.task, entry: stateEntry(transition) })
    })
    return record
  }

  /**
   * Persists the move (IllegalTransitionError if the table forbids it), then tells the timeline; a terminal state aborts the
   * task's signal. `syncedBy`: the durable write that follows at once and makes a terminal move durable too (see TaskStore).
   */
  move (task: string, to: TaskState, note: MoveNote, options: { syncedBy?: string } = {}): TaskTransition {
    if (this.pending !== undefined && !this.durable && isTerminal(to) && options.syncedBy === undefined) throw new Error(`a durable move of task ${task} to ${to} inside a soft batch`)
    const transition = this.store.transition(task, to, { ...note, at: this.now() }, options)
    this.tell(() => {
      this.events.emit('task:state', transition)
      this.events.emit('task:entry', { task, entry: stateEntry(transition) })
      // Work still running for a task that has ended is wasted: stop it, whatever ended it.
      if (isTerminal(to)) this.settle(task, new TaskCanceledError(`task ${task} is ${to}: ${note.reason}`))
    })
    return transition
  }

  cancel (task: string, reason: string, actor = 'self'): TaskTransition {
    return this.move(task, 'canceled', { reason, actor })
  }

  /** Aborted when the task is canceled, reaches another terminal state, or passes its deadline. */
  signal (task: string): AbortSignal {
    const existing = this.live.get(task)
    if (existing !== undefined) return existing.controller.signal
    const record = this.store.get(task)
    const controller = new AbortController()
    if (isTerminal(record.state)) {
      controller.abort(new TaskCanceledError(`task ${task} is already ${record.state}`))
      return controller.signal
    }
    const timer = setTimeout(() => this.settle(task, new TaskDeadlineError(`task ${task} passed its deadline`)), Math.max(0, record.deadline - this.now()))
    // A deadline never keeps the process alive on its own.
    timer.unref?.()
    this.live.set(task, { controller, timer })
    return controller.signal
  }

  /** A signed offer received (or, as the provider, made): kept for failover and shown on the timeline. */
  recordOffer (offer: Offer, bytes: Uint8Array): void {
    this.batch(() => {
      this.store.saveOffer(offer.task, offer.provider, bytes, this.now())
      this.tell(() => { this.events.emit('task:offer', { task: offer.task, provider: hex(offer.provider), decision: offer.decision, price: offer.price, etaMs: offer.etaMs, quality: offer.quality }) })
      this.note(offer.task, 'offer', { provider: hex(offer.provider), decision: offer.decision, price: offer.price, etaMs: offer.etaMs, quality: offer.quality, ...(offer.reason === undefined ? {} : { reason: offer.reason }) })
    })
  }

  /** The terms the task was published with (or, as the provider, received). */
  terms (task: string, terms: NoteOf<'terms'>): void { this.note(task, 'terms', terms) }

  /** One check of a provider at the terms' tier, passed or not. */
  verified (task: string, verification: NoteOf<'verification'>): void { this.note(task, 'verification', verification) }

  /** The co-signed receipt: its verdict and hash. */
  receipt (task: string, receipt: NoteOf<'receipt'>): void { this.note(task, 'receipt', receipt) }

  /** The delivered result, as text, and whole when given and small enough to keep (what an A2A client reads back later). */
  output (task: string, text: string, result?: ToolResultLike): void {
    const json = result === undefined ? undefined : JSON.stringify(result)
    this.note(task, 'output', { text, ...(json !== undefined && json.length <= MAX_KEPT_RESULT_JSON ? { result: JSON.parse(json) as ToolResultLike } : {}) })
  }

  private note<K extends TaskNote['kind']> (task: string, kind: K, body: NoteOf<K>): void {
    const entry = this.store.note(task, { ...body, kind, at: this.now() } as unknown as TaskNote)
    this.tell(() => { this.events.emit('task:entry', { task, entry }) })
  }

  /** Now, or once the batch under way has committed. */
  private tell (what: () => void): void {
    if (this.pending === undefined) what()
    else this.pending.push(what)
  }

  /** Announces the failover order; the first provider becomes the task's peer. */
  selected (task: string, ranked: readonly RankedOffer[]): void {
    const first = ranked[0]
    const order = ranked.map(r => ({ provider: hex(r.offer.provider), score: r.score }))
    this.batch(() => {
      if (first !== undefined) this.store.setPeer(task, first.offer.provider)
      this.tell(() => { this.events.emit('task:selected', { task, order }) })
      this.note(task, 'selected', { order })
    })
  }

  /** Live tasks past their deadline, failed with a reason: what the host runs on startup. */
  failOverdue (): TaskTransition[] {
    return this.store.overdue(this.now()).map(t => this.move(t.task, 'failed', { reason: 'deadline passed while Hearth was not running', actor: 'system' }))
  }

  get (task: string): TaskRecord {
    return this.store.get(task)
  }

  /** Clears every deadline timer; live tasks stay live in the store. Safe to call twice. */
  stop (): void {
    for (const [task, live] of this.live) {
      clearTimeout(live.timer)
      this.live.delete(task)
    }
  }

  private settle (task: string, reason: Error): void {
    const live = this.live.get(task)
    if (live === undefined) return
    clearTimeout(live.timer)
    this.live.delete(task)
    live.controller.abort(reason)
  }
}
