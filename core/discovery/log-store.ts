import { BrokenLogError, HearthError, InvalidPayloadError, UnknownEntryError } from '../api/errors.ts'
import { equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import { MAX_RANGE_ENTRIES } from '../net/limits.ts'
import { checkBody, openEntry, type LogEntry, type LogKind, type SignedLogEntry } from './log-entry.ts'

// Per-author signed logs (Secure Scuttlebutt model, mechanisms §4): headers arrive from gossip as untrusted bytes,
// bodies are pulled later by hash from any holder. A persisted high-water mark per author outlives gossip's seen-cache.


export interface SeqRange { readonly from: number, readonly to: number }

export interface HighWater {
  /** Every seq in 1..contiguousSeq has been held (older ones may since be pruned). */
  readonly contiguousSeq: number
  readonly maxSeq: number
}

/**
 * Two validly signed headers by one author that no single log can hold: the same seq with different hashes, or consecutive
 * seqs whose link does not match (the later one names another predecessor, so the author signed that one too). `seq` is the
 * contested seq (the later one of a broken link); `headerA` is the one kept (held first).
 */
export interface FraudProof {
  readonly author: Uint8Array
  readonly seq: number
  readonly headerA: Uint8Array
  readonly headerB: Uint8Array
  readonly detectedAt: number
}

export type IngestVerdict =
  /** New and stored. `missing` is the author's first gap still open, to fetch with a range request. */
  | SignedLogEntry & { readonly verdict: 'accepted', readonly extendsLog: boolean, readonly missing: SeqRange | undefined }
  | { readonly verdict: 'duplicate', readonly hash: Uint8Array }
  /** At or below the author's contiguous mark but no longer held (pruned): old news, possibly replayed on purpose. */
  | { readonly verdict: 'replay', readonly author: Uint8Array, readonly seq: number, readonly contiguousSeq: number }
  | { readonly verdict: 'equivocation', readonly proof: FraudProof }
  /** `author` is set when the header is validly signed but does not link to the author's log as held here, and the entry it fails to link with is pruned (no proof to keep). */
  | { readonly verdict: 'invalid', readonly error: HearthError, readonly author?: Uint8Array }
  /** Validly signed by an author this node refuses news from (shunned): not stored, not forwarded, its body not pulled. */
  | { readonly verdict: 'refused', readonly author: Uint8Array, readonly seq: number }

/** The values of gossipsub's TopicValidatorResult; the net layer passes them through. */
export type GossipAction = 'accept' | 'ignore' | 'reject'

/**
 * How gossip treats a header after ingest: forward what is new; drop without penalty what is merely old
 * (a duplicate or replay may come from an honest peer); penalise the sender of what no honest peer would forward
 * (a bad signature or payload). An author's own fork — an equivocation, or a header that breaks its chain as held here —
 * is never forwarded, but only its author is penalised for sending it: an honest peer that met the other branch first
 * forwards it in good faith, and penalising it would let an equivocator turn honest peers' scores against each other.
 * `sender` is the propagation source's agent key (empty when it has none); omitted, the sender is taken to be the author.
 */
export function gossipVerdict (verdict: IngestVerdict, sender?: Uint8Array): GossipAction {
  const blame = (author: Uint8Array): GossipAction => sender === undefined || equalBytes(sender, author) ? 'reject' : 'ignore'
  switch (verdict.verdict) {
    case 'accepted': return 'accept'
    // A refused author's relays forward its news in good faith: only the author pays, through its standing.
    case 'duplicate':
    case 'replay':
    case 'refused': return 'ignore'
    case 'equivocation': return blame(verdict.proof.author)
    case 'invalid': return verdict.author === undefined ? 'reject' : blame(verdict.author)
  }
}

/** Kinds taken even from a refused author: rare, and a key rotation or revocation is news every peer needs. */
const ALWAYS_TAKEN: ReadonlySet<LogKind> = new Set(['baid', 'revocation'])

/** Whether an entry is news not taken now: its author is refused (shunned here) and it is not a BAID or revocation entry. */
export function isRefused (entry: Pick<LogEntry, 'author' | 'kind'>, refuses: ((author: Uint8Array) => boolean) | undefined): boolean {
  return refuses !== undefined && !ALWAYS_TAKEN.has(entry.kind) && refuses(entry.author)
}

/** A header whose body is not held yet: pull `bodyHash` from the author or any holder. */
export interface MissingBody {
  readonly hash: Uint8Array
  readonly author: Uint8Array
  readonly seq: number
  readonly kind: LogKind
  readonly topics: readonly string[]
  readonly bodyHash: Uint8Array
  readonly bodySize: number
}

export interface MissingBodyFilter { author?: Uint8Array, kind?: LogKind, topic?: string, limit?: number }

interface Mark { contiguousSeq: number, contiguousHash: Uint8Array | null, maxSeq: number }
interface HeldRow { hash: Buffer, prev: Buffer | null, header: Buffer }
interface MarkRow { contiguous_seq: number, contiguous_hash: Buffer | null, max_seq: number }
interface ProofRow { author: Buffer, seq: number, header_a: Buffer, header_b: Buffer, detected_at: number }
interface MissingRow { hash: Buffer, author: Buffer, seq: number, kind: LogKind, topics: string, body_hash: Buffer, body_size: number }

export class LogStore {
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.db = db
    this.sql = prepare(db)
  }

  /**
   * Size-limit, verify, then classify an untrusted header; stores it only when accepted. `gossipedOn` is the domain of the
   * topic it arrived on: its author published it only on its own topics, so a copy on another was moved there by someone else.
   * `refuses` names authors whose news is not taken now (shunned here), except their BAID and revocation entries.
   */
  ingestHeader (bytes: Uint8Array, now: number, gossipedOn?: string, refuses?: (author: Uint8Array) => boolean): IngestVerdict {
    // A header held already is known by its hash: a copy on its other topics, or a range fill, costs no decoding or signature check.
    const hash = sha256(bytes)
    const heldOn = this.sql.topicsOf.get(hash) as string | undefined
    if (heldOn !== undefined && (gossipedOn === undefined || (JSON.parse(heldOn) as string[]).includes(gossipedOn))) return { verdict: 'duplicate', hash }
    let signed: SignedLogEntry
    try {
      signed = openEntry(bytes)
    } catch (err) {
      if (err instanceof HearthError) return { verdict: 'invalid', error: err }
      throw err
    }
    if (gossipedOn !== undefined && !signed.entry.topics.includes(gossipedOn)) {
      return { verdict: 'invalid', error: new InvalidPayloadError(`header of seq ${signed.entry.seq} for topics [${signed.entry.topics.join(', ')}] was gossiped on ${gossipedOn}`) }
    }
    if (isRefused(signed.entry, refuses)) return { verdict: 'refused', author: signed.entry.author, seq: signed.entry.seq }
    return softTransaction(this.db, () => this.classify(signed, now))
  }

  /** Store a pulled body after checking it against a held header; a BodyMismatchError means: try the next holder. */
  putBody (bodyHash: Uint8Array, body: Uint8Array): void {
    softTransaction(this.db, () => {
      // Prefer a header whose size matches, so another author's header with a wrong size cannot block the body.
      const named = this.sql.bodySize.get(bodyHash, body.byteLength) as { body_size: number } | undefined
      if (named === undefined) throw new UnknownEntryError('no held log entry names this body')
      checkBody({ bodyHash, bodySize: named.body_size }, body)
      this.sql.putBody.run(bodyHash, body)
    })
  }

  /** Whether a body is held, without reading it: an accepted header-only refresh may name one already pulled. */
  hasBody (bodyHash: Uint8Array): boolean {
    return this.sql.hasBody.get(bodyHash) !== undefined
  }

  /** Whether the body named by a held header (by the header's hash) is held too. */
  hasBodyOf (headerHash: Uint8Array): boolean {
    return this.sql.hasBodyOf.get(headerHash) !== undefined
  }

  /** When a held header was first stored here (the testnet's latency diagnosis), by the header's hash. */
  receivedAt (hash: Uint8Array): number | undefined {
    return (this.sql.receivedAt.get(hash) as { received_at: number } | undefined)?.received_at
  }

  body (bodyHash: Uint8Array): Uint8Array | undefined {
    const row = this.sql.body.get(bodyHash) as { body: Buffer } | undefined
    return row === undefined ? undefined : u8(row.body)
  }

  /** A held header's envelope bytes, by the header's hash. */
  header (hash: Uint8Array): Uint8Array | undefined {
    const row = this.sql.header.get(hash) as { header: Buffer } | undefined
    return row === undefined ? undefined : u8(row.header)
  }

  /** Held headers of `author` with fromSeq ≤ seq ≤ toSeq, in order; at most `limit` (capped at MAX_RANGE_ENTRIES). */
  range (author: Uint8Array, fromSeq: number, toSeq: number, limit = MAX_RANGE_ENTRIES): Uint8Array[] {
    const n = Math.max(0, Math.min(Math.trunc(limit), MAX_RANGE_ENTRIES))
    return (this.sql.range.all(author, fromSeq, toSeq, n) as Array<{ header: Buffer }>).map(r => u8(r.header))
  }

  /** Headers on a topic received here since `since` (this clock), newest first: what a peer that was away asks for on rejoining. */
  recentOnTopic (topic: string, since: number, limit = MAX_RANGE_ENTRIES): Uint8Array[] {
    const n = Math.max(0, Math.min(Math.trunc(limit), MAX_RANGE_ENTRIES))
    return (this.sql.recentOnTopic.all(since, topic, n) as Array<{ header: Buffer }>).map(r => u8(r.header))
  }

  /** When the newest header held on a topic arrived here, if any. */
  lastReceivedOnTopic (topic: string): number | undefined {
    return (this.sql.lastOnTopic.get(topic) as number | null | undefined) ?? undefined
  }

  /** Headers whose bodies are not held yet, oldest received first. */
  missingBodies (filter: MissingBodyFilter = {}): MissingBody[] {
    const rows = this.sql.missing.all({ author: filter.author ?? null, kind: filter.kind ?? null, topic: filter.topic ?? null, limit: filter.limit ?? MAX_RANGE_ENTRIES }) as MissingRow[]
    return rows.map(r => ({
      hash: u8(r.hash), author: u8(r.author), seq: r.seq, kind: r.kind, topics: JSON.parse(r.topics) as string[], bodyHash: u8(r.body_hash), bodySize: r.body_size
    }))
  }

  /** The highest seq of the author's held entries on a topic (0: none): the per-topic link (`tp`) of its next one. */
  lastSeqOnTopic (author: Uint8Array, topic: string): number {
    return (this.sql.lastSeqOnTopic.get(author, topic) as number | null | undefined) ?? 0
  }

  /** Whether the author's entry at `seq` is held, or was (at or below the contiguous mark, since pruned). */
  knows (author: Uint8Array, seq: number): boolean {
    return seq <= this.markOf(author).contiguousSeq || this.heldAt(author, seq) !== undefined
  }

  /** The author's first gap still open, if any: the seqs after the contiguous mark up to the next held entry. */
  firstGap (author: Uint8Array): SeqRange | undefined {
    return this.gapAfter(author, this.markOf(author))
  }

  highWater (author: Uint8Array): HighWater {
    const { contiguousSeq, maxSeq } = this.markOf(author)
    return { contiguousSeq, maxSeq }
  }

  /** The held entry with the highest seq, optionally of one kind. */
  latest (author: Uint8Array, kind?: LogKind): SignedLogEntry | undefined {
    const row = (kind === undefined ? this.sql.latest.get(author) : this.sql.latestOfKind.get(author, kind)) as { header: Buffer } | undefined
    return row === undefined ? undefined : openEntry(u8(row.header), author)
  }

  fraudProofs (author?: Uint8Array): FraudProof[] {
    return (this.sql.proofs.all({ author: author ?? null }) as ProofRow[]).map(proofOf)
  }

  /** Where the author's next entry goes: after the highest seq ever held, so a seq is never reused. */
  ownNext (author: Uint8Array): { seq: number, prev: Uint8Array | null } {
    const mark = this.markOf(author)
    if (mark.maxSeq === 0) return { seq: 1, prev: null }
    // maxSeq is held unless pruned, and pruning stops at the contiguous mark, whose hash is kept.
    const head = this.heldAt(author, mark.maxSeq)?.hash ?? mark.contiguousHash
    return { seq: mark.maxSeq + 1, prev: head === null ? null : u8(head) }
  }

  /** Drop held entries 1..throughSeq (never past the contiguous mark) and bodies no longer named; the mark stays. */
  prune (author: Uint8Array, throughSeq: number): number {
    return softTransaction(this.db, () => {
      const removed = this.sql.prune.all(author, Math.min(throughSeq, this.markOf(author).contiguousSeq)) as Array<{ body_hash: Buffer }>
      for (const { body_hash: bodyHash } of removed) this.sql.dropOrphanBody.run({ bodyHash })
      return removed.length
    })
  }

  /** Run several store calls as one durable write transaction (an own-log append: a lost seq could be reused). */
  transaction<T> (fn: () => T): T {
    return transaction(this.db, fn)
  }

  private classify (signed: SignedLogEntry, now: number): IngestVerdict {
    const { entry, hash, bytes } = signed
    const held = this.heldAt(entry.author, entry.seq)
    if (held !== undefined) {
      if (equalBytes(held.hash, hash)) return { verdict: 'duplicate', hash }
      return this.equivocation(entry.author, entry.seq, held.header, bytes, now)
    }
    const mark = this.markOf(entry.author)
    if (entry.seq <= mark.contiguousSeq) return { verdict: 'replay', author: entry.author, seq: entry.seq, contiguousSeq: mark.contiguousSeq }
    const broken = this.brokenLink(signed, mark)
    if (broken?.held !== undefined) return this.equivocation(entry.author, Math.max(entry.seq, broken.held.seq), broken.held.header, bytes, now)
    if (broken !== undefined) return { verdict: 'invalid', error: new BrokenLogError(broken.reason), author: signed.entry.author }

    this.sql.insert.run(entry.author, entry.seq, hash, entry.prev, entry.kind, entry.ts, JSON.stringify(entry.topics), entry.bodyHash, entry.bodySize, bytes, now)
    const extendsLog = entry.seq === mark.contiguousSeq + 1
    const end = extendsLog ? this.sql.runEnd.get({ author: entry.author, seq: entry.seq }) as { seq: number, hash: Buffer } : undefined
    const next: Mark = {
      contiguousSeq: end?.seq ?? mark.contiguousSeq,
      contiguousHash: end === undefined ? mark.contiguousHash : u8(end.hash),
      maxSeq: Math.max(mark.maxSeq, entry.seq)
    }
    this.sql.saveMark.run(entry.author, next.contiguousSeq, next.contiguousHash, next.maxSeq)
    return { verdict: 'accepted', ...signed, extendsLog, missing: this.gapAfter(entry.author, next) }
  }

  /** Keep the first proof against an author at a seq (a later conflict there proves nothing new) and report it. */
  private equivocation (author: Uint8Array, seq: number, held: Uint8Array, conflicting: Uint8Array, now: number): IngestVerdict {
    this.sql.insertProof.run(author, seq, held, conflicting, now)
    return { verdict: 'equivocation', proof: proofOf(this.sql.proof.get(author, seq) as ProofRow) }
  }

  /**
   * The link to a held (or marked) predecessor and from a held successor must match: a gap is checked when it fills. With the
   * other entry held, the pair is a fraud proof; with only the mark's hash left (pruned), it is a broken link and no more.
   */
  private brokenLink ({ entry, hash }: SignedLogEntry, mark: Mark): { reason: string, held?: { seq: number, header: Uint8Array } } | undefined {
    const predecessor = this.heldAt(entry.author, entry.seq - 1)
    const before = predecessor?.hash ?? (entry.seq - 1 === mark.contiguousSeq ? mark.contiguousHash : null)
    if (before !== null && (entry.prev === null || !equalBytes(before, entry.prev))) {
      const reason = `log entry ${entry.seq} does not link to the held entry ${entry.seq - 1}`
      return predecessor === undefined ? { reason } : { reason, held: { seq: entry.seq - 1, header: u8(predecessor.header) } }
    }
    const after = this.heldAt(entry.author, entry.seq + 1)
    if (after !== undefined && (after.prev === null || !equalBytes(after.prev, hash))) {
      return { reason: `the held log entry ${entry.seq + 1} does not link to entry ${entry.seq}`, held: { seq: entry.seq + 1, header: u8(after.header) } }
    }
    return undefined
  }

  private gapAfter (author: Uint8Array, mark: Mark): SeqRange | undefined {
    if (mark.contiguousSeq === mark.maxSeq) return undefined
    const next = this.sql.nextHeld.get(author, mark.contiguousSeq) as { seq: number }
    return { from: mark.contiguousSeq + 1, to: next.seq - 1 }
  }

  private heldAt (author: Uint8Array, seq: number): HeldRow | undefined {
    return this.sql.at.get(author, seq) as HeldRow | undefined
  }

  private markOf (author: Uint8Array): Mark {
    const row = this.sql.mark.get(author) as MarkRow | undefined
    if (row === undefined) return { contiguousSeq: 0, contiguousHash: null, maxSeq: 0 }
    return { contiguousSeq: row.contiguous_seq, contiguousHash: row.contiguous_hash === null ? null : u8(row.contiguous_hash), maxSeq: row.max_seq }
  }
}

function prepare (db: Database) {
  return {
    at: db.prepare('SELECT hash, prev, header FROM log_entries WHERE author = ? AND seq = ?'),
    header: db.prepare('SELECT header FROM log_entries WHERE hash = ?'),
    topicsOf: db.prepare('SELECT topics FROM log_entries WHERE hash = ?').pluck(),
    receivedAt: db.prepare('SELECT received_at FROM log_entries WHERE hash = ?'),
    insert: db.prepare(`INSERT INTO log_entries (author, seq, hash, prev, kind, ts, topics, body_hash, body_size, header, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    mark: db.prepare('SELECT contiguous_seq, contiguous_hash, max_seq FROM log_high_water WHERE author = ?'),
    saveMark: db.prepare(`INSERT INTO log_high_water (author, contiguous_seq, contiguous_hash, max_seq) VALUES (?, ?, ?, ?)
      ON CONFLICT (author) DO UPDATE SET contiguous_seq = excluded.contiguous_seq, contiguous_hash = excluded.contiguous_hash, max_seq = excluded.max_seq`),
    // The end of the run of held entries that starts at seq ?: the first held entry whose successor is not held.
    runEnd: db.prepare(`SELECT e.seq, e.hash FROM log_entries e WHERE e.author = @author AND e.seq >= @seq
      AND NOT EXISTS (SELECT 1 FROM log_entries n WHERE n.author = @author AND n.seq = e.seq + 1) ORDER BY e.seq LIMIT 1`),
    nextHeld: db.prepare('SELECT seq FROM log_entries WHERE author = ? AND seq > ? ORDER BY seq LIMIT 1'),
    insertProof: db.prepare('INSERT OR IGNORE INTO log_fraud_proofs (author, seq, header_a, header_b, detected_at) VALUES (?, ?, ?, ?, ?)'),
    proof: db.prepare('SELECT author, seq, header_a, header_b, detected_at FROM log_fraud_proofs WHERE author = ? AND seq = ?'),
    proofs: db.prepare(`SELECT author, seq, header_a, header_b, detected_at FROM log_fraud_proofs
      WHERE @author IS NULL OR author = @author ORDER BY detected_at, author, seq`),
    bodySize: db.prepare('SELECT body_size FROM log_entries WHERE body_hash = ? ORDER BY body_size = ? DESC LIMIT 1'),
    putBody: db.prepare('INSERT OR IGNORE INTO log_bodies (body_hash, body) VALUES (?, ?)'),
    body: db.prepare('SELECT body FROM log_bodies WHERE body_hash = ?'),
    hasBody: db.prepare('SELECT 1 FROM log_bodies WHERE body_hash = ?'),
    hasBodyOf: db.prepare('SELECT 1 FROM log_entries e JOIN log_bodies b ON b.body_hash = e.body_hash WHERE e.hash = ?'),
    range: db.prepare('SELECT header FROM log_entries WHERE author = ? AND seq BETWEEN ? AND ? ORDER BY seq LIMIT ?'),
    missing: db.prepare(`SELECT e.hash, e.author, e.seq, e.kind, e.topics, e.body_hash, e.body_size FROM log_entries e
      WHERE NOT EXISTS (SELECT 1 FROM log_bodies b WHERE b.body_hash = e.body_hash)
        AND (@author IS NULL OR e.author = @author) AND (@kind IS NULL OR e.kind = @kind)
        AND (@topic IS NULL OR EXISTS (SELECT 1 FROM json_each(e.topics) WHERE value = @topic))
      ORDER BY e.received_at, e.author, e.seq LIMIT @limit`),
    recentOnTopic: db.prepare(`SELECT header FROM log_entries e WHERE e.received_at >= ? AND EXISTS (SELECT 1 FROM json_each(e.topics) WHERE value = ?)
      ORDER BY e.received_at DESC, e.author, e.seq LIMIT ?`),
    lastOnTopic: db.prepare('SELECT max(e.received_at) FROM log_entries e WHERE EXISTS (SELECT 1 FROM json_each(e.topics) WHERE value = ?)').pluck(),
    lastSeqOnTopic: db.prepare('SELECT max(e.seq) FROM log_entries e WHERE e.author = ? AND EXISTS (SELECT 1 FROM json_each(e.topics) WHERE value = ?)').pluck(),
    latest: db.prepare('SELECT header FROM log_entries WHERE author = ? ORDER BY seq DESC LIMIT 1'),
    latestOfKind: db.prepare('SELECT header FROM log_entries WHERE author = ? AND kind = ? ORDER BY seq DESC LIMIT 1'),
    prune: db.prepare('DELETE FROM log_entries WHERE author = ? AND seq <= ? RETURNING body_hash'),
    dropOrphanBody: db.prepare('DELETE FROM log_bodies WHERE body_hash = @bodyHash AND NOT EXISTS (SELECT 1 FROM log_entries WHERE body_hash = @bodyHash)')
  }
}

function proofOf (row: ProofRow): FraudProof {
  return { author: u8(row.author), seq: row.seq, headerA: u8(row.header_a), headerB: u8(row.header_b), detectedAt: row.detected_at }
}

/** SQLite hands back Buffers; callers get plain Uint8Arrays (a view, no copy). */
function u8 (buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}
