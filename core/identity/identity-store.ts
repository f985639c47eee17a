import type { Statement } from 'better-sqlite3'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import type { BaidChain } from './baid.ts'
import type { BaidBundle } from './bundle.ts'

// The identity plane's queries. Each write that records a decision is one transaction.

export interface SelfRow { baidId: string, ownerClaim: string, salt: Uint8Array, createdAt: number }

export class IdentityStore {
  private readonly db: Database
  /** Prepared once: every received receipt and trust lookup asks these, and compiling SQL each time showed in the profile. */
  private readonly statements = new Map<string, Statement>()
  private selfRow: SelfRow | undefined

  constructor (db: Database) {
    this.db = db
  }

  private sql (text: string): Statement {
    let statement = this.statements.get(text)
    if (statement === undefined) this.statements.set(text, statement = this.db.prepare(text))
    return statement
  }

  /** Store a verified chain (insert or extend), replacing the head and revocation in one transaction. */
  /** `soft` for peers' chains, which the network can give again: committed without waiting for the disk. */
  saveChain (chain: BaidChain, now: number, durability: 'durable' | 'soft' = 'durable'): void {
    const head = chain.head.record
    const write = durability === 'soft' ? (fn: () => void) => softTransaction(this.db, fn) : (fn: () => void) => transaction(this.db, fn)
    write(() => {
      this.sql(`
        INSERT INTO baid_chains (baid_id, owner, agent, head_version, revocation, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (baid_id) DO UPDATE SET agent = excluded.agent, head_version = excluded.head_version,
          revocation = excluded.revocation, updated_at = excluded.updated_at
      `).run(chain.baidId, head.owner, head.agent, head.version, chain.revocation?.envelope.bytes ?? null, now)
      const insert = this.sql('INSERT OR IGNORE INTO baid_records (baid_id, version, hash, envelope) VALUES (?, ?, ?, ?)')
      for (const link of chain.links) insert.run(chain.baidId, link.record.version, link.hash, link.envelope.bytes)
    })
  }

  saveSelf (chain: BaidChain, ownerClaim: string, salt: Uint8Array, now: number): void {
    this.db.transaction(() => {
      this.saveChain(chain, now)
      this.sql('INSERT INTO baid_self (id, baid_id, owner_claim, salt, created_at) VALUES (1, ?, ?, ?, ?)').run(chain.baidId, ownerClaim, salt, now)
    })()
  }

  /** This agent's identity row; once written it never changes, so it is read once (every signature and task asks for it). */
  self (): SelfRow | undefined {
    if (this.selfRow !== undefined) return this.selfRow
    const row = this.sql('SELECT baid_id, owner_claim, salt, created_at FROM baid_self WHERE id = 1').get() as
      { baid_id: string, owner_claim: string, salt: Buffer, created_at: number } | undefined
    if (row !== undefined) this.selfRow = { baidId: row.baid_id, ownerClaim: row.owner_claim, salt: new Uint8Array(row.salt), createdAt: row.created_at }
    return this.selfRow
  }

  bundle (baidId: string): BaidBundle | undefined {
    const records = (this.sql('SELECT envelope FROM baid_records WHERE baid_id = ? ORDER BY version').all(baidId) as Array<{ envelope: Buffer }>)
      .map(r => new Uint8Array(r.envelope))
    if (records.length === 0) return undefined
    const chain = this.sql('SELECT revocation FROM baid_chains WHERE baid_id = ?').get(baidId) as { revocation: Buffer | null }
    return { records, revocation: chain.revocation === null ? undefined : new Uint8Array(chain.revocation) }
  }

  /** The BAID whose current agent key this is, if this peer knows it. */
  baidOfAgent (agent: Uint8Array): string | undefined {
    return (this.sql('SELECT baid_id FROM baid_chains WHERE agent = ?').pluck().get(agent) as string | undefined)
  }

  /** The current agent key of a BAID this peer knows. */
  agentOf (baidId: string): Uint8Array | undefined {
    const agent = this.sql('SELECT agent FROM baid_chains WHERE baid_id = ?').pluck().get(baidId) as Buffer | undefined
    return agent === undefined ? undefined : new Uint8Array(agent)
  }

  /** Every chain this peer knows, for warming the verifier's cache at start-up. */
  allBaidIds (): string[] {
    return (this.sql('SELECT baid_id FROM baid_chains ORDER BY baid_id').all() as Array<{ baid_id: string }>).map(r => r.baid_id)
  }
}
