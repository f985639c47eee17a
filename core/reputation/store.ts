import BetterSqlite3 from 'better-sqlite3'
import { InvalidRatingError, InvalidTrustInputError } from '../api/errors.ts'
import { softTransaction, transaction, type Database } from '../store/database.ts'
import type { FraudProofKind } from './slashing.ts'

// The reputation plane's persistence (migrations 5 and 13): receipts, the ratings they back, fraud proofs, computed trust
// vectors, per-topic thresholds, and the person's contacts and blocks. Peers are 32-byte agent public keys.

/** A rating whose co-signed receipt has already been verified: the write path stores it as is. */
export interface VerifiedRating {
  readonly rater: Uint8Array
  readonly ratee: Uint8Array
  readonly topic: string
  readonly satisfied: number
  readonly unsatisfied: number
  /** Hash of the co-signed receipt that backs the rating. */
  readonly receipt: Uint8Array
  readonly ts: number
}

/** A task receipt as held: both parties, the topic, the requester's verdict, and the co-signed bytes. */
export interface StoredReceipt {
  readonly hash: Uint8Array
  readonly requester: Uint8Array
  readonly provider: Uint8Array
  readonly topic: string
  readonly satisfied: boolean
  readonly bytes: Uint8Array
  readonly receivedAt: number
}

/** All evidence one rater holds about one ratee in a topic, summed over its receipts: one edge of the engine's graph. */
export interface RatingTuple {
  readonly rater: Uint8Array
  readonly ratee: Uint8Array
  readonly topic: string
  readonly satisfied: number
  readonly unsatisfied: number
}

export interface StoredFraudProof {
  readonly offender: Uint8Array
  readonly kind: FraudProofKind
  /** The topic the fraud happened in; none for equivocation, which is fraud everywhere. */
  readonly topic: string | undefined
  readonly evidence: Uint8Array
  readonly detectedAt: number
}

/** A contact or a block, with when the person added it. */
export interface PeerChoice {
  readonly peer: Uint8Array
  readonly addedAt: number
}

type Row = Record<string, unknown>

export class ReputationStore {
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>
  /** Committed topic numbers (migration 13), by name: a number once given never changes. */
  private readonly topicIds = new Map<string, number>()

  constructor (db: Database) {
    this.db = db
    this.sql = prepare(db)
  }

  /** Keep a receipt; false when its hash is already held. */
  saveReceipt (receipt: StoredReceipt): boolean {
    return this.sql.insertReceipt.run(receipt.hash, receipt.requester, receipt.provider, receipt.topic,
      receipt.satisfied ? 'satisfied' : 'unsatisfied', receipt.bytes, receipt.receivedAt).changes > 0
  }

  /** Whether a receipt is held (and so the rating it backs): a provider sees its own receipt again as the requester's rating. */
  holdsReceipt (hash: Uint8Array): boolean {
    return this.sql.holdsReceipt.get(hash) !== undefined
  }

  receipt (hash: Uint8Array): StoredReceipt | undefined {
    const row = this.sql.receipt.get(hash) as Row | undefined
    if (row === undefined) return undefined
    return {
      hash: row.hash as Buffer,
      requester: row.requester as Buffer,
      provider: row.provider as Buffer,
      topic: row.topic as string,
      satisfied: row.outcome === 'satisfied',
      bytes: row.bytes as Buffer,
      receivedAt: row.received_at as number
    }
  }

  /**
   * The batched write path for ratings already verified against their receipts: one transaction, in key order, many rows per
   * statement. A rating already held (same rater, ratee, topic and receipt) is skipped; a malformed one rejects the whole batch.
   * Returns how many were new.
   */
  ingestRatings (ratings: readonly VerifiedRating[]): number {
    for (const r of ratings) {
      // NaN would be stored as NULL and Infinity would pass the CHECK: refuse both before SQLite sees them.
      if (!(r.satisfied >= 0 && r.unsatisfied >= 0 && r.satisfied + r.unsatisfied < Infinity)) throw new InvalidRatingError('rating weights must be finite and non-negative')
    }
    // Numbers given in this transaction are remembered only once it has committed.
    const given = new Map<string, number>()
    try {
      const added = transaction(this.db, () => {
        const topics = ratings.map(r => this.topicIds.get(r.topic) ?? given.get(r.topic) ?? this.giveTopicId(r.topic, given))
        const params: unknown[] = []
        let added = 0
        let rows = 0
        for (const at of insertionOrder(ratings, topics)) {
          const r = ratings[at] as VerifiedRating
          params.push(topics[at], r.rater, r.ratee, r.receipt, r.satisfied, r.unsatisfied, r.ts)
          if (++rows < ROWS_PER_INSERT) continue
          added += this.sql.insertRatings.run(params).changes
          params.length = 0
          rows = 0
        }
        for (let x = 0; x < rows; x++) added += this.sql.insertRating.run(params.slice(7 * x, 7 * x + 7)).changes
        return added
      })
      // Inside a caller's transaction the numbers may yet be rolled back (and given again to other names): not remembered then.
      if (!this.db.inTransaction) for (const [name, id] of given) this.topicIds.set(name, id)
      return added
    } catch (err) {
      if (err instanceof BetterSqlite3.SqliteError && err.code.startsWith('SQLITE_CONSTRAINT')) {
        throw new InvalidRatingError(`malformed rating (32-byte keys and receipt hash, two different parties, a 1–64 character topic): ${err.message}`, { cause: err })
      }
      throw err
    }
  }

  /** A topic's number, added to rating_topics if it has none yet (its CHECK refuses a malformed name). */
  private giveTopicId (name: string, given: Map<string, number>): number {
    this.sql.insertTopic.run(name)
    const id = this.sql.topicId.get(name) as number
    given.set(name, id)
    return id
  }

  /** Every topic's name by number, read whole before a scan (the connection is busy while a statement iterates). */
  private topicNames (): Map<number, string> {
    return new Map(this.sql.topicNames.all() as Array<[number, string]>)
  }

  /** Rating rows held (one per receipt), in one topic or in all. */
  ratingCount (topic?: string): number {
    return (topic === undefined ? this.sql.countRatings.get() : this.sql.countTopicRatings.get(topic)) as number
  }

  /** Topics with at least one rating, in order. */
  topics (): string[] {
    return this.sql.topics.all() as string[]
  }

  /**
   * Streams one tuple per distinct (rater, ratee, topic), its receipts' weights summed — what the engine's EvidenceLedger takes —
   * in one topic or in all (grouped by topic, in the order topics were first seen). Read in index order, so nothing is sorted or held in memory.
   * The connection is busy until the iteration ends or is abandoned (`return()`); do not write through it meanwhile.
   */
  * ratingsByTopic (topic?: string): Generator<RatingTuple, void, undefined> {
    const names = this.topicNames()
    const rows = (topic === undefined ? this.sql.allTuples.iterate() : this.sql.topicTuples.iterate(topic)) as IterableIterator<[number, Buffer, Buffer, number, number]>
    for (const [t, rater, ratee, satisfied, unsatisfied] of rows) yield { rater, ratee, topic: names.get(t) as string, satisfied, unsatisfied }
  }

  /**
   * Like `ratingsByTopic` over all topics, but each receipt's weight decayed by its age: × 2^(−(now − ts) / halfLifeMs).
   * What the app's engine starts from; the bench and bulk tools read the undecayed sums.
   */
  * decayedRatings (now: number, halfLifeMs: number): Generator<RatingTuple, void, undefined> {
    if (!(halfLifeMs > 0)) throw new InvalidTrustInputError('a half-life is a positive duration')
    const names = this.topicNames()
    const rows = this.sql.decayedTuples.iterate({ now, halfLife: halfLifeMs }) as IterableIterator<[number, Buffer, Buffer, number, number]>
    for (const [t, rater, ratee, satisfied, unsatisfied] of rows) yield { rater, ratee, topic: names.get(t) as string, satisfied, unsatisfied }
  }

  /** Keep a receipt and the rating it backs in one transaction: a crash keeps both or neither. Returns whether the rating was new. */
  saveRatedReceipt (receipt: StoredReceipt, rating: VerifiedRating): boolean {
    return transaction(this.db, () => {
      this.saveReceipt(receipt)
      return this.ingestRatings([rating]) > 0
    })
  }

  /** Keep a verified fraud proof; false when the same evidence against the same offender is already held. */
  recordFraudProof (proof: StoredFraudProof): boolean {
    return this.sql.insertProof.run(proof.offender, proof.kind, proof.topic ?? null, proof.evidence, proof.detectedAt).changes > 0
  }

  /** Proofs held, oldest first; against one offender when given. */
  fraudProofs (offender?: Uint8Array): StoredFraudProof[] {
    const rows = (offender === undefined ? this.sql.proofs.all() : this.sql.proofsOf.all(offender)) as Row[]
    return rows.map(row => ({
      offender: row.offender as Buffer,
      kind: row.kind as FraudProofKind,
      topic: (row.topic as string | null) ?? undefined,
      evidence: row.evidence as Buffer,
      detectedAt: row.detected_at as number
    }))
  }

  /** Peers with at least one verified fraud proof: slashed in every topic. */
  slashedPeers (): Uint8Array[] {
    return this.sql.offenders.all() as Buffer[]
  }

  /**
   * Replace a topic's stored vector with a freshly computed one: `vector[i]` is the score of `peers[i]` (the engine's
   * TrustVector with its index → key map). Zeros are not stored. Derived data, so it is committed without waiting for the disk.
   */
  saveTrustVector (topic: string, peers: readonly Uint8Array[], vector: ArrayLike<number>, computedAt: number): void {
    if (peers.length !== vector.length) throw new InvalidTrustInputError('one key per vector entry is needed')
    softTransaction(this.db, () => {
      this.sql.clearVector.run(topic)
      for (let i = 0; i < vector.length; i++) {
        const score = vector[i] as number
        if (score > 0) this.sql.insertScore.run(topic, peers[i] as Uint8Array, score, computedAt)
      }
    })
  }

  /** A peer's stored trust in a topic: 0 when the topic has a vector without it, undefined when the topic has none yet. */
  trustOf (peer: Uint8Array, topic: string): number | undefined {
    const score = this.sql.score.get(topic, peer) as number | undefined
    if (score !== undefined) return score
    return this.sql.hasVector.get(topic) === undefined ? undefined : 0
  }

  /** When a topic's stored vector was computed, if it has one. */
  vectorComputedAt (topic: string): number | undefined {
    return this.sql.computedAt.get(topic) as number | undefined
  }

  setThreshold (topic: string, minTrust: number): void {
    if (!(minTrust >= 0 && minTrust <= 1)) throw new InvalidTrustInputError('a trust threshold is between 0 and 1')
    this.sql.setThreshold.run(topic, minTrust)
  }

  threshold (topic: string): number | undefined {
    return this.sql.threshold.get(topic) as number | undefined
  }

  thresholds (): Array<{ topic: string, minTrust: number }> {
    return (this.sql.thresholds.all() as Row[]).map(row => ({ topic: row.topic as string, minTrust: row.min_trust as number }))
  }

  removeThreshold (topic: string): boolean {
    return this.sql.removeThreshold.run(topic).changes > 0
  }

  /** Add a peer to the person's seed set; false when it already is one (its date is kept). */
  addContact (peer: Uint8Array, now: number): boolean {
    return this.sql.addContact.run(peer, now).changes > 0
  }

  removeContact (peer: Uint8Array): boolean {
    return this.sql.removeContact.run(peer).changes > 0
  }

  isContact (peer: Uint8Array): boolean {
    return this.sql.isContact.get(peer) !== undefined
  }

  contacts (): PeerChoice[] {
    return (this.sql.contacts.all() as Row[]).map(choice)
  }

  /** Block a peer for this person in every topic; false when it already is blocked. */
  block (peer: Uint8Array, now: number): boolean {
    return this.sql.block.run(peer, now).changes > 0
  }

  unblock (peer: Uint8Array): boolean {
    return this.sql.unblock.run(peer).changes > 0
  }

  isBlocked (peer: Uint8Array): boolean {
    return this.sql.isBlocked.get(peer) !== undefined
  }

  blocks (): PeerChoice[] {
    return (this.sql.blocks.all() as Row[]).map(choice)
  }
}

/**
 * Ratings arrive in no useful order; inserted in (about) key order, a batch touches each B-tree page once instead of once
 * per row, which keeps a large batch's pages in cache and its WAL writes few. Approximate is enough: topic number, then the
 * rater's leading bits, packed with the position into one float64 so the sort is a plain numeric one.
 */
function insertionOrder (ratings: readonly VerifiedRating[], topics: readonly number[]): Float64Array | Iterable<number> {
  const n = ratings.length
  if (n < 64) return ratings.keys()
  const ranks = [...new Set(topics)].sort((a, b) => a - b)
  const rank = new Map(ranks.map((topic, i) => [topic, i]))
  const positionBits = Math.ceil(Math.log2(n))
  const topicBits = Math.ceil(Math.log2(ranks.length + 1))
  const raterBits = Math.max(0, Math.min(32, 52 - positionBits - topicBits))
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const r = ratings[i] as VerifiedRating
    const prefix = r.rater.length >= 4 ? (((r.rater[0] as number) << 24) | ((r.rater[1] as number) << 16) | ((r.rater[2] as number) << 8) | (r.rater[3] as number)) >>> 0 : 0
    const lead = Math.floor(prefix / 2 ** (32 - raterBits))
    keys[i] = ((rank.get(topics[i] as number) as number) * 2 ** raterBits + lead) * 2 ** positionBits + i
  }
  keys.sort()
  const mask = 2 ** positionBits
  for (let i = 0; i < n; i++) keys[i] = (keys[i] as number) % mask
  return keys
}

/** Rows per INSERT statement (7 parameters each): one call into SQLite, one statement step, per this many ratings. */
const ROWS_PER_INSERT = 64

const choice = (row: Row): PeerChoice => ({ peer: row.peer as Buffer, addedAt: row.added_at as number })

function prepare (db: Database) {
  const tuples = 'SELECT topic, rater, ratee, sum(satisfied), sum(unsatisfied) FROM ratings'
  const topicNamed = '(SELECT id FROM rating_topics WHERE name = ?)'
  return {
    insertReceipt: db.prepare('INSERT INTO receipts (hash, requester, provider, topic, outcome, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING'),
    receipt: db.prepare('SELECT hash, requester, provider, topic, outcome, bytes, received_at FROM receipts WHERE hash = ?'),
    holdsReceipt: db.prepare('SELECT 1 FROM receipts WHERE hash = ?').pluck(),
    // ON CONFLICT names the key, so only a duplicate is skipped; a CHECK failure still throws (INSERT OR IGNORE would hide it).
    insertRating: db.prepare(`INSERT INTO ratings (topic, rater, ratee, receipt, satisfied, unsatisfied, ts) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (topic, rater, ratee, receipt) DO NOTHING`),
    insertRatings: db.prepare(`INSERT INTO ratings (topic, rater, ratee, receipt, satisfied, unsatisfied, ts) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}
      ON CONFLICT (topic, rater, ratee, receipt) DO NOTHING`),
    countRatings: db.prepare('SELECT count(*) FROM ratings').pluck(),
    countTopicRatings: db.prepare(`SELECT count(*) FROM ratings WHERE topic = ${topicNamed}`).pluck(),
    // One seek into the primary key per topic number instead of a pass over every rating.
    topics: db.prepare('SELECT name FROM rating_topics t WHERE EXISTS (SELECT 1 FROM ratings WHERE topic = t.id) ORDER BY name').pluck(),
    allTuples: db.prepare(`${tuples} GROUP BY topic, rater, ratee ORDER BY topic, rater, ratee`).raw(),
    topicTuples: db.prepare(`${tuples} WHERE topic = ${topicNamed} GROUP BY topic, rater, ratee ORDER BY topic, rater, ratee`).raw(),
    insertTopic: db.prepare('INSERT INTO rating_topics (name) VALUES (?) ON CONFLICT (name) DO NOTHING'),
    topicId: db.prepare('SELECT id FROM rating_topics WHERE name = ?').pluck(),
    topicNames: db.prepare('SELECT id, name FROM rating_topics').raw(),
    // Ages are negative exponents: a receipt from the future (clock skew) counts as fresh, never as more than one.
    decayedTuples: db.prepare(`SELECT topic, rater, ratee, sum(satisfied * pow(2, min(0, ts - @now) / @halfLife)), sum(unsatisfied * pow(2, min(0, ts - @now) / @halfLife))
      FROM ratings GROUP BY topic, rater, ratee ORDER BY topic, rater, ratee`).raw(),
    insertProof: db.prepare('INSERT INTO fraud_proofs (offender, kind, topic, evidence, detected_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (offender, kind, evidence) DO NOTHING'),
    proofs: db.prepare('SELECT offender, kind, topic, evidence, detected_at FROM fraud_proofs ORDER BY id'),
    proofsOf: db.prepare('SELECT offender, kind, topic, evidence, detected_at FROM fraud_proofs WHERE offender = ? ORDER BY id'),
    offenders: db.prepare('SELECT DISTINCT offender FROM fraud_proofs ORDER BY offender').pluck(),
    clearVector: db.prepare('DELETE FROM trust_vectors WHERE topic = ?'),
    insertScore: db.prepare('INSERT INTO trust_vectors (topic, peer, score, computed_at) VALUES (?, ?, ?, ?)'),
    score: db.prepare('SELECT score FROM trust_vectors WHERE topic = ? AND peer = ?').pluck(),
    hasVector: db.prepare('SELECT 1 FROM trust_vectors WHERE topic = ? LIMIT 1').pluck(),
    computedAt: db.prepare('SELECT computed_at FROM trust_vectors WHERE topic = ? LIMIT 1').pluck(),
    setThreshold: db.prepare('INSERT INTO thresholds (topic, min_trust) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET min_trust = excluded.min_trust'),
    threshold: db.prepare('SELECT min_trust FROM thresholds WHERE topic = ?').pluck(),
    thresholds: db.prepare('SELECT topic, min_trust FROM thresholds ORDER BY topic'),
    removeThreshold: db.prepare('DELETE FROM thresholds WHERE topic = ?'),
    addContact: db.prepare('INSERT INTO contacts (peer, added_at) VALUES (?, ?) ON CONFLICT (peer) DO NOTHING'),
    removeContact: db.prepare('DELETE FROM contacts WHERE peer = ?'),
    isContact: db.prepare('SELECT 1 FROM contacts WHERE peer = ?'),
    contacts: db.prepare('SELECT peer, added_at FROM contacts ORDER BY added_at, peer'),
    block: db.prepare('INSERT INTO blocks (peer, added_at) VALUES (?, ?) ON CONFLICT (peer) DO NOTHING'),
    unblock: db.prepare('DELETE FROM blocks WHERE peer = ?'),
    isBlocked: db.prepare('SELECT 1 FROM blocks WHERE peer = ?'),
    blocks: db.prepare('SELECT peer, added_at FROM blocks ORDER BY added_at, peer')
  }
}
