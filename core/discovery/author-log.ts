import { sha256 } from '../common/hash.ts'
import type { Signer } from '../identity/envelope.ts'
import { signEntry, type LogKind, type SignedLogEntry } from './log-entry.ts'
import type { LogStore } from './log-store.ts'

// Our own log: each announcement is the next entry, chained to the last, stored before it is gossiped.

/** The entry's digest: narrowcast routes by topics; keywords are the sketch receivers match interests against. */
export interface EntryDigest { readonly topics: readonly string[], readonly keywords: readonly string[] }

export class OwnLog {
  private readonly store: LogStore

  constructor (store: LogStore) {
    this.store = store
  }

  /**
   * Sign and store the next entry with its body, in one transaction; returns the header to gossip.
   * The seq comes from the store inside that transaction, so it continues after a restart and is never reused
   * (reusing one would be self-equivocation). Gossip only what this returns: it is committed.
   */
  append (kind: LogKind, body: Uint8Array, digest: EntryDigest, signer: Signer, now = Date.now()): SignedLogEntry {
    return this.store.transaction(() => {
      const { seq, prev } = this.store.ownNext(signer.publicKey)
      const bodyHash = sha256(body)
      const tp = digest.topics.map(topic => this.store.lastSeqOnTopic(signer.publicKey, topic))
      const signed = signEntry({ seq, prev, ts: now, kind, bodyHash, bodySize: body.byteLength, topics: [...digest.topics], tp, keywords: [...digest.keywords] }, signer)
      // Our own header goes through the same checks as a peer's: a fault here must not reach the network.
      const verdict = this.store.ingestHeader(signed.bytes, now)
      if (verdict.verdict === 'invalid') throw verdict.error
      if (verdict.verdict !== 'accepted') throw new Error(`own log entry ${seq} was not accepted (${verdict.verdict})`)
      this.store.putBody(bodyHash, body)
      return signed
    })
  }

  /** Several entries in one durable transaction — one disk flush for a refresh that re-announces everything. */
  appendAll (entries: readonly OwnEntry[], signer: Signer, now = Date.now()): SignedLogEntry[] {
    return this.store.transaction(() => entries.map(e => this.append(e.kind, e.body, e.digest, signer, now)))
  }
}

/** An entry to append: what it is, its body, and how it is routed. */
export interface OwnEntry { readonly kind: LogKind, readonly body: Uint8Array, readonly digest: EntryDigest }
