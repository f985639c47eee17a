import BetterSqlite3 from 'better-sqlite3'
import { InvalidLedgerEntryError } from '../api/errors.ts'
import type { CreditTotals, LedgerEntry, LedgerKind, PeerBalance } from '../api/policy.ts'
import { TypedEvents } from '../common/events.ts'
import { baidIdOf } from '../identity/ids.ts'
import { softTransaction, type Database } from '../store/database.ts'

// The credit ledger (migration 6): accounting units, never money. Append-only — the table refuses updates and deletes —
// and each entry is its own transaction: durable, or soft when the caller's next write is a durable one (which syncs it). Peers go in as 32-byte BAIDs and come out as BAID ids, as the UI shows them.

export interface NewLedgerEntry {
  readonly task: string
  readonly peer: Uint8Array
  readonly kind: LedgerKind
  readonly credits: number
  readonly capability?: string
  readonly topic?: string
}

type Row = Record<string, unknown>

export class Ledger {
  /** Each entry once appended, so the Ledger view updates as credits move. */
  readonly events = new TypedEvents<{ 'ledger:recorded': LedgerEntry }>()
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>
  private readonly now: () => number

  constructor (db: Database, now: () => number) {
    this.db = db
    this.sql = prepare(db)
    this.now = now
  }

  /**
   * Append an entry; false when the task already has one of this kind with this peer (a retried report counts once).
   * `soft`: the caller writes something durably right after (a terminal task state, a receipt), which syncs this entry too.
   */
  record (entry: NewLedgerEntry, options: { soft?: boolean } = {}): boolean {
    if (!(entry.credits >= 0 && entry.credits < 1e15)) throw new InvalidLedgerEntryError(`credits must be a finite amount of at least 0, not ${entry.credits}`)
    try {
      const at = this.now()
      const insert = (): { changes: number, lastInsertRowid: number | bigint } => this.sql.insert.run(entry.task, entry.peer, entry.kind, entry.credits, entry.capability ?? null, entry.topic ?? null, at)
      const { changes, lastInsertRowid } = options.soft === true ? softTransaction(this.db, insert) : insert()
      if (changes === 0) return false
      this.events.emit('ledger:recorded', {
        id: Number(lastInsertRowid),
        task: entry.task,
        peer: baidIdOf(entry.peer),
        kind: entry.kind,
        credits: entry.credits,
        ...(entry.capability === undefined ? {} : { capability: entry.capability }),
        ...(entry.topic === undefined ? {} : { topic: entry.topic }),
        at
      })
      return true
    } catch (err) {
      if (err instanceof BetterSqlite3.SqliteError && err.code === 'SQLITE_CONSTRAINT_CHECK') {
        throw new InvalidLedgerEntryError(`malformed ledger entry (a 1–128 character task id, a 32-byte peer, offered/earned/spent): ${err.message}`, { cause: err })
      }
      throw err
    }
  }

  /** Entries newest first; of one peer or one task when asked. */
  entries (filter: { peer?: Uint8Array, task?: string, limit?: number } = {}): LedgerEntry[] {
    const rows = this.sql.entries.all({ peer: filter.peer ?? null, task: filter.task ?? null, limit: filter.limit ?? -1 }) as Row[]
    return rows.map(row => ({
      id: row.id as number,
      task: row.task as string,
      peer: baidIdOf(row.peer as Buffer),
      kind: row.kind as LedgerKind,
      credits: row.credits as number,
      ...(row.capability === null ? {} : { capability: row.capability as string }),
      ...(row.topic === null ? {} : { topic: row.topic as string }),
      at: row.at as number
    }))
  }

  /** What we offered, earned and spent with each peer, largest turnover first. */
  balances (): PeerBalance[] {
    return (this.sql.balances.all() as Row[]).map(row => ({ peer: baidIdOf(row.peer as Buffer), ...totals(row) }))
  }

  balance (peer: Uint8Array): CreditTotals {
    return totals(this.sql.balance.get(peer) as Row)
  }

  totals (): CreditTotals {
    return totals(this.sql.totals.get() as Row)
  }
}

function totals (row: Row): CreditTotals {
  const earned = row.earned as number
  const spent = row.spent as number
  return { offered: row.offered as number, earned, spent, net: earned - spent }
}

function prepare (db: Database) {
  const sums = `total(credits) FILTER (WHERE kind = 'offered') AS offered, total(credits) FILTER (WHERE kind = 'earned') AS earned,
    total(credits) FILTER (WHERE kind = 'spent') AS spent`
  return {
    insert: db.prepare(`INSERT INTO ledger_entries (task, peer, kind, credits, capability, topic, at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (task, peer, kind) DO NOTHING`),
    entries: db.prepare(`SELECT id, task, peer, kind, credits, capability, topic, at FROM ledger_entries
      WHERE (@peer IS NULL OR peer = @peer) AND (@task IS NULL OR task = @task) ORDER BY id DESC LIMIT @limit`),
    balances: db.prepare(`SELECT peer, ${sums} FROM ledger_entries GROUP BY peer ORDER BY total(credits) DESC, peer`),
    balance: db.prepare(`SELECT ${sums} FROM ledger_entries WHERE peer = ?`),
    totals: db.prepare(`SELECT ${sums} FROM ledger_entries`)
  }
}
