import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256 } from '../../../core/common/hash.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { seal, type Signer } from '../../../core/identity/envelope.ts'
import { hex } from '../../../core/identity/ids.ts'
import { signEntry, type LogEntryFields, type SignedLogEntry } from '../../../core/discovery/log-entry.ts'
import { gossipVerdict, LogStore, type IngestVerdict } from '../../../core/discovery/log-store.ts'
import { MAX_RANGE_ENTRIES } from '../../../core/net/limits.ts'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { testSigner } from '../../helpers/identity.ts'
import { tempDir } from '../../helpers/tmp.ts'

const NOW = 1_700_000_000_000
const alice = testSigner()
const bob = testSigner()
const bodyOf = (seq: number, label = 'descriptor') => new TextEncoder().encode(`${label} ${seq}`)

/** A well-formed log of `n` entries; `fork` changes the fields of chosen seqs (same author, different header). */
function buildLog (author: Signer, n: number, fork: (seq: number) => Partial<LogEntryFields> = () => ({})): SignedLogEntry[] {
  const log: SignedLogEntry[] = []
  for (let seq = 1; seq <= n; seq++) {
    const body = bodyOf(seq)
    log.push(signEntry({
      seq, prev: log.at(-1)?.hash ?? null, ts: NOW + seq, kind: 'descriptor', bodyHash: sha256(body), bodySize: body.byteLength,
      topics: ['code_review_security'], tp: [seq - 1], keywords: ['audit'], ...fork(seq)
    }, author))
  }
  return log
}

let path: string
let db: Database
let store: LogStore

beforeEach(() => {
  path = join(tempDir(), 'hearth.sqlite')
  db = openDatabase(path, migrations)
  store = new LogStore(db)
})
afterEach(() => closeDatabase(db))

const ingest = (signed: SignedLogEntry | Uint8Array, now = NOW): IngestVerdict => store.ingestHeader(signed instanceof Uint8Array ? signed : signed.bytes, now)
const errorName = (verdict: IngestVerdict) => verdict.verdict === 'invalid' ? verdict.error.name : verdict.verdict

function reopen (): void {
  closeDatabase(db)
  db = openDatabase(path, migrations)
  store = new LogStore(db)
}

describe('ingesting headers from gossip', () => {
  it('accepts a log in order, each entry extending it, and forwards it', () => {
    const log = buildLog(alice, 2)
    for (const signed of log) {
      const verdict = ingest(signed)
      expect(verdict).toMatchObject({ verdict: 'accepted', extendsLog: true, missing: undefined })
      expect(gossipVerdict(verdict)).toBe('accept')
    }
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 2, maxSeq: 2 })
    expect(store.header(log[1]!.hash)).toEqual(log[1]!.bytes)
    expect(store.latest(alice.publicKey)?.entry.seq).toBe(2)
  })

  it('rejects a forged header and stores nothing', () => {
    const bytes = buildLog(alice, 1)[0]!.bytes.slice()
    bytes[bytes.length - 20]! ^= 0x01 // inside the signature
    const verdict = ingest(bytes)
    expect(errorName(verdict)).toBe('InvalidSignatureError')
    expect(gossipVerdict(verdict)).toBe('reject')
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 0, maxSeq: 0 })
    expect(store.latest(alice.publicKey)).toBeUndefined()
  })

  it('rejects a valid header gossiped on a topic it was not announced on (a replayer moving old news), and stores nothing', () => {
    const [signed] = buildLog(alice, 1)
    const verdict = store.ingestHeader(signed!.bytes, NOW, 'creative_writing')
    expect(errorName(verdict)).toBe('InvalidPayloadError')
    expect(gossipVerdict(verdict)).toBe('reject')
    expect(store.latest(alice.publicKey)).toBeUndefined()
    expect(store.ingestHeader(signed!.bytes, NOW, 'code_review_security').verdict).toBe('accepted')
    // Held now: known by its hash on its own topic, and still refused on another.
    expect(store.ingestHeader(signed!.bytes, NOW, 'code_review_security').verdict).toBe('duplicate')
    expect(errorName(store.ingestHeader(signed!.bytes, NOW, 'creative_writing'))).toBe('InvalidPayloadError')
  })

  it('rejects a header signed by someone other than its author', () => {
    const { entry } = buildLog(alice, 1)[0]!
    expect(errorName(ingest(seal(Domains.logEntry, 'log-entry', entry, [bob]).bytes))).toBe('UnexpectedSignerError')
    expect(store.latest(alice.publicKey)).toBeUndefined()
  })

  it('rejects an oversized header before decoding it', () => {
    expect(errorName(ingest(new Uint8Array(Domains.logEntry.maxBytes + 1)))).toBe('MessageTooLargeError')
  })

  it('answers a header already held with duplicate, which gossip ignores', () => {
    const [first] = buildLog(alice, 1)
    ingest(first!)
    const verdict = ingest(first!)
    expect(verdict).toEqual({ verdict: 'duplicate', hash: first!.hash })
    expect(gossipVerdict(verdict)).toBe('ignore')
  })

  it('refuses a shunned author\'s news without storing it or blaming its relay, but still takes its BAID and revocation entries; its next entry after the shunning ends opens a gap', () => {
    let shunned = true
    const refuses = (author: Uint8Array): boolean => shunned && hex(author) === hex(alice.publicKey)
    const log = buildLog(alice, 4, seq => seq === 2 ? { kind: 'baid' } : seq === 3 ? { kind: 'revocation' } : {})
    const verdict = store.ingestHeader(log[0]!.bytes, NOW, undefined, refuses)
    expect(verdict).toEqual({ verdict: 'refused', author: alice.publicKey, seq: 1 })
    expect(gossipVerdict(verdict, bob.publicKey)).toBe('ignore')
    expect(gossipVerdict(verdict)).toBe('ignore') // the author itself: its standing already pays
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 0, maxSeq: 0 })
    expect(store.ingestHeader(log[1]!.bytes, NOW, undefined, refuses)).toMatchObject({ verdict: 'accepted', missing: { from: 1, to: 1 } })
    expect(store.ingestHeader(log[2]!.bytes, NOW, undefined, refuses)).toMatchObject({ verdict: 'accepted' })
    // Another author's news is taken as ever.
    expect(store.ingestHeader(buildLog(bob, 1)[0]!.bytes, NOW, undefined, refuses).verdict).toBe('accepted')
    shunned = false
    expect(store.ingestHeader(log[3]!.bytes, NOW, undefined, refuses)).toMatchObject({ verdict: 'accepted', missing: { from: 1, to: 1 } })
    expect(store.ingestHeader(log[0]!.bytes, NOW, undefined, refuses)).toMatchObject({ verdict: 'accepted', extendsLog: true, missing: undefined })
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 4, maxSeq: 4 })
  })

  it('accepts out-of-order arrival with the gap to fetch, then checks the chain across it when it fills', () => {
    const log = buildLog(alice, 5)
    ingest(log[0]!)
    expect(ingest(log[2]!)).toMatchObject({ verdict: 'accepted', extendsLog: false, missing: { from: 2, to: 2 } })
    expect(ingest(log[4]!)).toMatchObject({ verdict: 'accepted', extendsLog: false, missing: { from: 2, to: 2 } })
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 1, maxSeq: 5 })

    // Validly signed by Alice and linked to entry 1, but not the entry 2 that entry 3 names: entry 3 and it prove her fork.
    const impostor = buildLog(alice, 2, seq => seq === 2 ? { ts: 1 } : {})[1]!
    expect(ingest(impostor)).toEqual({ verdict: 'equivocation', proof: { author: alice.publicKey, seq: 3, headerA: log[2]!.bytes, headerB: impostor.bytes, detectedAt: NOW } })
    expect(store.header(impostor.hash)).toBeUndefined()

    expect(ingest(log[1]!)).toMatchObject({ verdict: 'accepted', extendsLog: true, missing: { from: 4, to: 4 } })
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 3, maxSeq: 5 })
    expect(ingest(log[3]!)).toMatchObject({ verdict: 'accepted', extendsLog: true, missing: undefined })
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 5, maxSeq: 5 })
  })

  it('keeps a fraud proof against an entry whose prev is not the hash of the held predecessor: its author signed another one', () => {
    const log = buildLog(alice, 2)
    ingest(log[0]!)
    const body = bodyOf(2)
    const unlinked = signEntry({ ...log[1]!.entry, prev: sha256(body) }, alice)
    const proof = { author: alice.publicKey, seq: 2, headerA: log[0]!.bytes, headerB: unlinked.bytes, detectedAt: NOW }
    expect(ingest(unlinked)).toEqual({ verdict: 'equivocation', proof })
    expect(gossipVerdict(ingest(unlinked))).toBe('reject')
    // The author's fork: its author is penalised for sending it, a peer forwarding the other branch in good faith is not.
    expect(gossipVerdict(ingest(unlinked), alice.publicKey)).toBe('reject')
    expect(gossipVerdict(ingest(unlinked), bob.publicKey)).toBe('ignore')
    expect(store.header(unlinked.hash)).toBeUndefined()
    expect(store.highWater(alice.publicKey)).toEqual({ contiguousSeq: 1, maxSeq: 1 })
    reopen()
    expect(store.fraudProofs(alice.publicKey)).toEqual([proof])
  })

  it('records equivocation as a fraud proof with both headers, keeps the first, and rejects the second', () => {
    const [first] = buildLog(alice, 1)
    const [second] = buildLog(alice, 1, () => ({ keywords: ['different'] }))
    ingest(first!)
    const verdict = ingest(second!)
    const proof = { author: alice.publicKey, seq: 1, headerA: first!.bytes, headerB: second!.bytes, detectedAt: NOW }
    expect(verdict).toEqual({ verdict: 'equivocation', proof })
    expect(gossipVerdict(verdict)).toBe('reject')
    expect(gossipVerdict(verdict, alice.publicKey)).toBe('reject')
    // An honest peer that saw the other header first forwards it: not forwarded on, but its sender is not penalised.
    expect(gossipVerdict(verdict, bob.publicKey)).toBe('ignore')
    expect(gossipVerdict(verdict, new Uint8Array(0))).toBe('ignore')
    expect(store.header(first!.hash)).toEqual(first!.bytes)
    expect(store.header(second!.hash)).toBeUndefined()
    reopen()
    expect(store.fraudProofs(alice.publicKey)).toEqual([proof])
    expect(store.fraudProofs(bob.publicKey)).toEqual([])
  })

  it('rejects a replayed old header after a restart, by the persisted mark', () => {
    const log = buildLog(alice, 3)
    for (const signed of log) ingest(signed)
    expect(store.prune(alice.publicKey, 2)).toBe(2)
    reopen()
    const verdict = ingest(log[0]!)
    expect(verdict).toEqual({ verdict: 'replay', author: alice.publicKey, seq: 1, contiguousSeq: 3 })
    expect(gossipVerdict(verdict)).toBe('ignore')
    expect(store.header(log[0]!.hash)).toBeUndefined()
    expect(ingest(log[2]!).verdict).toBe('duplicate')
  })

  it('keeps checking the chain after its head is pruned, from the persisted mark', () => {
    const log = buildLog(alice, 4)
    for (const signed of log.slice(0, 3)) ingest(signed)
    store.prune(alice.publicKey, 3)
    reopen()
    const unlinked = signEntry({ ...log[3]!.entry, prev: log[1]!.hash }, alice)
    // Entry 3 is pruned, only its hash kept: the broken link is refused, with no pair of headers to prove it.
    expect(errorName(ingest(unlinked))).toBe('BrokenLogError')
    expect(store.fraudProofs(alice.publicKey)).toEqual([])
    expect(ingest(log[3]!)).toMatchObject({ verdict: 'accepted', extendsLog: true })
  })

  it('never prunes past the contiguous mark, so an unheld seq above it is a gap, not a replay', () => {
    const log = buildLog(alice, 3)
    ingest(log[0]!)
    ingest(log[2]!)
    expect(store.prune(alice.publicKey, 3)).toBe(1)
    expect(store.header(log[2]!.hash)).toEqual(log[2]!.bytes)
    expect(ingest(log[1]!)).toMatchObject({ verdict: 'accepted', extendsLog: true })
  })
})

describe('bodies', () => {
  it('stores a pulled body that matches its header, and lists the ones still missing', () => {
    const log = buildLog(alice, 2)
    for (const signed of log) ingest(signed)
    expect(store.missingBodies().map(m => m.seq)).toEqual([1, 2])
    store.putBody(log[0]!.entry.bodyHash, bodyOf(1))
    expect(store.body(log[0]!.entry.bodyHash)).toEqual(bodyOf(1))
    expect(store.missingBodies()).toEqual([{
      hash: log[1]!.hash, author: alice.publicKey, seq: 2, kind: 'descriptor', topics: ['code_review_security'], bodyHash: log[1]!.entry.bodyHash, bodySize: bodyOf(2).byteLength
    }])
  })

  it('refuses a wrong body for a hash and stores nothing, so the caller tries the next holder', () => {
    const [first] = buildLog(alice, 1)
    ingest(first!)
    const { bodyHash } = first!.entry
    const wrong = bodyOf(1, 'DESCRIPTOR') // same size, different bytes
    expect(() => store.putBody(bodyHash, wrong)).toThrow(expect.objectContaining({ name: 'BodyMismatchError' }))
    expect(() => store.putBody(bodyHash, bodyOf(10))).toThrow(expect.objectContaining({ name: 'BodyMismatchError' }))
    expect(store.hasBody(bodyHash)).toBe(false)
    expect(store.missingBodies()).toHaveLength(1)
    expect(() => store.putBody(sha256(wrong), wrong)).toThrow(expect.objectContaining({ name: 'UnknownEntryError' }))
    expect(store.body(sha256(wrong))).toBeUndefined()
  })

  it('is not blocked by another author naming the same body with a wrong size', () => {
    const [genuine] = buildLog(alice, 1)
    const [liar] = buildLog(bob, 1, () => ({ bodySize: 3 }))
    ingest(liar!)
    ingest(genuine!)
    store.putBody(genuine!.entry.bodyHash, bodyOf(1))
    expect(store.body(genuine!.entry.bodyHash)).toEqual(bodyOf(1))
  })

  it('needs a body once however many headers name it (a header-only refresh)', () => {
    const log = buildLog(alice, 2, seq => seq === 2 ? { bodyHash: sha256(bodyOf(1)), bodySize: bodyOf(1).byteLength } : {})
    ingest(log[0]!)
    store.putBody(log[0]!.entry.bodyHash, bodyOf(1))
    ingest(log[1]!)
    expect(store.hasBody(log[1]!.entry.bodyHash)).toBe(true)
    expect(store.missingBodies()).toEqual([])
  })

  it('filters missing bodies by author, kind and topic, oldest received first', () => {
    buildLog(alice, 2, seq => seq === 2 ? { kind: 'rating', topics: ['data_analysis'] } : {}).forEach((signed, i) => ingest(signed, NOW + i))
    ingest(buildLog(bob, 1)[0]!, NOW + 10)
    const name = (author: Uint8Array) => hex(author) === hex(alice.publicKey) ? 'a' : 'b'
    const missing = (filter: Parameters<LogStore['missingBodies']>[0]) => store.missingBodies(filter).map(m => `${name(m.author)}${m.seq}`)
    expect(missing({ author: alice.publicKey })).toEqual(['a1', 'a2'])
    expect(missing({ kind: 'rating' })).toEqual(['a2'])
    expect(missing({ topic: 'code_review_security' })).toEqual(['a1', 'b1'])
    expect(missing({ topic: 'code_review_security', limit: 1 })).toEqual(['a1'])
  })

  it('drops a pruned entry\'s body unless another held entry still names it', () => {
    const log = buildLog(alice, 3, seq => seq === 3 ? { bodyHash: sha256(bodyOf(2)), bodySize: bodyOf(2).byteLength } : {})
    for (const signed of log) ingest(signed)
    store.putBody(log[0]!.entry.bodyHash, bodyOf(1))
    store.putBody(log[1]!.entry.bodyHash, bodyOf(2))
    store.prune(alice.publicKey, 2)
    expect(store.body(log[0]!.entry.bodyHash)).toBeUndefined()
    expect(store.body(log[1]!.entry.bodyHash)).toEqual(bodyOf(2))
  })
})

describe('queries for gap fill and announcing', () => {
  it('serves a range of headers in order, bounded', () => {
    const log = buildLog(alice, MAX_RANGE_ENTRIES + 10)
    store.transaction(() => { for (const signed of log) ingest(signed) }) // one commit, not one fsync per header
    expect(store.range(alice.publicKey, 2, 4)).toEqual(log.slice(1, 4).map(s => s.bytes))
    expect(store.range(alice.publicKey, 2, 4, 2)).toEqual(log.slice(1, 3).map(s => s.bytes))
    expect(store.range(alice.publicKey, 1, log.length, 10_000)).toHaveLength(MAX_RANGE_ENTRIES)
    expect(store.range(bob.publicKey, 1, 10)).toEqual([])
  })

  it('finds the latest entry of a kind', () => {
    for (const signed of buildLog(alice, 3, seq => seq === 2 ? { kind: 'rating' } : {})) ingest(signed)
    expect(store.latest(alice.publicKey)?.entry.seq).toBe(3)
    expect(store.latest(alice.publicKey, 'rating')?.entry.seq).toBe(2)
    expect(store.latest(alice.publicKey, 'baid')).toBeUndefined()
  })

  it('places the author\'s next entry after the highest seq held, linked to it', () => {
    expect(store.ownNext(alice.publicKey)).toEqual({ seq: 1, prev: null })
    const log = buildLog(alice, 3)
    ingest(log[0]!)
    ingest(log[2]!)
    expect(store.ownNext(alice.publicKey)).toEqual({ seq: 4, prev: log[2]!.hash })
  })
})
