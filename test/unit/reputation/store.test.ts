import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { InvalidRatingError, InvalidTrustInputError } from '../../../core/api/errors.ts'
import { migrations } from '../../../core/migrations.ts'
import { ReputationStore, type VerifiedRating } from '../../../core/reputation/store.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const peer = (n: number): Buffer => Buffer.alloc(32, n)
const hash = (n: number): Buffer => { const h = Buffer.alloc(32); h.writeUInt32BE(n); return h }
const rating = (rater: number, ratee: number, receipt: number, topic = 'code_generation', satisfied = 1, unsatisfied = 0): VerifiedRating =>
  ({ rater: peer(rater), ratee: peer(ratee), topic, satisfied, unsatisfied, receipt: hash(receipt), ts: 1000 + receipt })

let path: string
let db: Database
let store: ReputationStore

beforeEach(() => {
  path = join(tempDir(), 'hearth.sqlite')
  db = openDatabase(path, migrations)
  store = new ReputationStore(db)
})
afterEach(() => closeDatabase(db))

const reopen = (): void => {
  closeDatabase(db)
  db = openDatabase(path, migrations)
  store = new ReputationStore(db)
}

it('streams one tuple per (rater, ratee, topic), summing the receipts behind it', () => {
  expect(store.ingestRatings([
    rating(1, 2, 1), rating(1, 2, 2), rating(1, 2, 3, 'code_generation', 0, 1),
    rating(1, 3, 4), rating(2, 3, 5, 'data_analysis', 0, 1)
  ])).toBe(5)
  expect(store.ratingCount()).toBe(5)
  expect(store.ratingCount('data_analysis')).toBe(1)
  expect(store.topics()).toEqual(['code_generation', 'data_analysis'])
  const tuples = [...store.ratingsByTopic()].map(t => [t.topic, t.rater[0], t.ratee[0], t.satisfied, t.unsatisfied])
  expect(tuples).toEqual([
    ['code_generation', 1, 2, 2, 1],
    ['code_generation', 1, 3, 1, 0],
    ['data_analysis', 2, 3, 0, 1]
  ])
  expect([...store.ratingsByTopic('data_analysis')]).toEqual([{ rater: peer(2), ratee: peer(3), topic: 'data_analysis', satisfied: 0, unsatisfied: 1 }])
  expect([...store.ratingsByTopic('creative_writing')]).toEqual([])
})

it('counts a rating once however often it arrives, and a large unordered batch in full', () => {
  expect(store.ingestRatings([rating(1, 2, 1), rating(1, 2, 1)])).toBe(1)
  expect(store.ingestRatings([rating(1, 2, 1), rating(1, 2, 2)])).toBe(1)
  // Large enough to take the sorted insertion path; every triple comes back with its own weights.
  const many = Array.from({ length: 5000 }, (_, i) => rating(10 + (i * 7919) % 200, 10 + (i * 104729 + 1) % 199, 100 + i, i % 3 === 0 ? 'data_analysis' : 'code_generation', i % 5 === 0 ? 0 : 1, i % 5 === 0 ? 1 : 0))
    .filter(r => r.rater[0] !== r.ratee[0])
  expect(store.ingestRatings([...many, ...many])).toBe(many.length)
  const sums = new Map<string, number>()
  for (const r of many) { const k = `${r.topic}/${r.rater[0]}/${r.ratee[0]}`; sums.set(k, (sums.get(k) ?? 0) + r.satisfied - r.unsatisfied) }
  let seen = 0
  for (const t of store.ratingsByTopic()) {
    const k = `${t.topic}/${t.rater[0]}/${t.ratee[0]}`
    if (!sums.has(k)) continue
    expect(t.satisfied - t.unsatisfied).toBe(sums.get(k))
    seen++
  }
  expect(seen).toBe(sums.size)
})

it('takes a bulk batch whole, many rows per statement, and rejects one with a malformed row whole', () => {
  // 20,001 ratings: 312 statements of 64 rows and a remainder, with duplicates inside the batch and of rows already held.
  const bulk = Array.from({ length: 20_001 }, (_, i) => rating(1 + (i % 100), 101 + (i % 97), 10 + i, i % 2 === 0 ? 'data_analysis' : 'code_generation'))
  expect(store.ingestRatings(bulk.slice(0, 10))).toBe(10)
  expect(store.ingestRatings([...bulk, ...bulk.slice(0, 500)])).toBe(bulk.length - 10)
  expect(store.ratingCount()).toBe(bulk.length)
  const broken = [...bulk.map(r => ({ ...r, receipt: hash(100_000 + r.ts) })), rating(7, 7, 1)]
  expect(() => store.ingestRatings(broken)).toThrow(InvalidRatingError)
  expect(store.ratingCount()).toBe(bulk.length)
})

it('rejects a batch with a malformed rating whole, leaving nothing of it behind', () => {
  store.ingestRatings([rating(1, 2, 1)])
  expect(() => store.ingestRatings([rating(1, 3, 2), rating(4, 4, 3)])).toThrow(InvalidRatingError)
  expect(() => store.ingestRatings([rating(1, 3, 2), { ...rating(1, 5, 4), rater: Buffer.alloc(31, 1) }])).toThrow(InvalidRatingError)
  expect(() => store.ingestRatings([rating(1, 3, 2), rating(1, 6, 5, 'code_generation', Number.NaN)])).toThrow(InvalidRatingError)
  expect(() => store.ingestRatings([rating(1, 3, 2), rating(1, 6, 5, 'code_generation', Number.POSITIVE_INFINITY)])).toThrow(InvalidRatingError)
  expect(store.ratingCount()).toBe(1)
})

it('keeps a committed batch across a crash, and nothing of one that was not committed', () => {
  // A separate process commits one batch, starts another, and is killed before committing it.
  const script = join(tempDir(), 'crash.ts')
  writeFileSync(script, `
    import { migrations } from '${ROOT}core/migrations.ts'
    import { openDatabase } from '${ROOT}core/store/database.ts'
    import { ReputationStore } from '${ROOT}core/reputation/store.ts'
    const db = openDatabase(${JSON.stringify(path)}, migrations)
    const store = new ReputationStore(db)
    const r = (i: number) => ({ rater: Buffer.alloc(32, 1), ratee: Buffer.alloc(32, 2), topic: 'code_generation', satisfied: 1, unsatisfied: 0, receipt: Buffer.alloc(32, i), ts: i })
    store.ingestRatings(Array.from({ length: 100 }, (_, i) => r(i + 10)))
    db.exec('BEGIN IMMEDIATE')
    db.prepare("INSERT INTO ratings (topic, rater, ratee, receipt, satisfied, unsatisfied, ts) VALUES ((SELECT id FROM rating_topics WHERE name = 'code_generation'), ?, ?, ?, 1, 0, 0)").run(Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 200))
    process.kill(process.pid, 'SIGKILL')
  `)
  closeDatabase(db)
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8' })
  expect(child.stderr).toBe('')
  expect(child.signal).toBe('SIGKILL')
  db = openDatabase(path, migrations)
  store = new ReputationStore(db)
  expect(store.ratingCount()).toBe(100)
  expect([...store.ratingsByTopic()]).toEqual([{ rater: peer(1), ratee: peer(2), topic: 'code_generation', satisfied: 100, unsatisfied: 0 }])
})

it('keeps receipts with their co-signed bytes, once per hash', () => {
  const receipt = { hash: hash(1), requester: peer(1), provider: peer(2), topic: 'code_generation', satisfied: false, bytes: Buffer.from([1, 2, 3]), receivedAt: 5 }
  expect(store.saveReceipt(receipt)).toBe(true)
  expect(store.saveReceipt({ ...receipt, bytes: Buffer.from([9]) })).toBe(false)
  reopen()
  expect(store.receipt(hash(1))).toEqual(receipt)
  expect(store.receipt(hash(2))).toBeUndefined()
})

it('keeps fraud proofs, each piece of evidence once, and names the slashed', () => {
  const proof = { offender: peer(3), kind: 'equivocation' as const, topic: undefined, evidence: Buffer.from([1]), detectedAt: 7 }
  expect(store.recordFraudProof(proof)).toBe(true)
  expect(store.recordFraudProof(proof)).toBe(false)
  expect(store.recordFraudProof({ offender: peer(3), kind: 'failed-canary', topic: 'code_review_security', evidence: Buffer.from([2]), detectedAt: 8 })).toBe(true)
  expect(store.recordFraudProof({ offender: peer(4), kind: 'disputed-receipt', topic: 'data_analysis', evidence: Buffer.from([3]), detectedAt: 9 })).toBe(true)
  expect(store.fraudProofs(peer(3)).map(p => [p.kind, p.topic])).toEqual([['equivocation', undefined], ['failed-canary', 'code_review_security']])
  expect(store.fraudProofs()).toHaveLength(3)
  expect(store.slashedPeers()).toEqual([peer(3), peer(4)])
})

it('replaces a topic\'s trust vector whole and tells zero (computed) from unknown (never computed)', () => {
  const peers = [peer(1), peer(2), peer(3)]
  store.saveTrustVector('code_generation', peers, Float64Array.of(0.6, 0.4, 0), 100)
  expect(store.trustOf(peer(1), 'code_generation')).toBe(0.6)
  expect(store.trustOf(peer(3), 'code_generation')).toBe(0)
  expect(store.trustOf(peer(1), 'data_analysis')).toBeUndefined()
  store.saveTrustVector('code_generation', peers, Float64Array.of(0, 0.25, 0.75), 200)
  reopen()
  expect(store.trustOf(peer(1), 'code_generation')).toBe(0)
  expect(store.trustOf(peer(3), 'code_generation')).toBe(0.75)
  expect(store.vectorComputedAt('code_generation')).toBe(200)
  expect(() => store.saveTrustVector('code_generation', peers, Float64Array.of(1), 300)).toThrow(InvalidTrustInputError)
})

it('keeps per-topic thresholds within [0, 1]', () => {
  store.setThreshold('code_review_security', 0.02)
  store.setThreshold('code_review_security', 0.05)
  store.setThreshold('data_analysis', 0)
  expect(() => store.setThreshold('data_analysis', 2)).toThrow(InvalidTrustInputError)
  reopen()
  expect(store.threshold('code_review_security')).toBe(0.05)
  expect(store.thresholds()).toEqual([{ topic: 'code_review_security', minTrust: 0.05 }, { topic: 'data_analysis', minTrust: 0 }])
  expect(store.removeThreshold('data_analysis')).toBe(true)
  expect(store.threshold('data_analysis')).toBeUndefined()
})

it('keeps the person\'s contacts and blocks across restarts', () => {
  expect(store.addContact(peer(1), 10)).toBe(true)
  expect(store.addContact(peer(1), 11)).toBe(false)
  expect(store.addContact(peer(2), 12)).toBe(true)
  expect(store.block(peer(9), 13)).toBe(true)
  expect(store.block(peer(9), 14)).toBe(false)
  reopen()
  expect(store.contacts()).toEqual([{ peer: peer(1), addedAt: 10 }, { peer: peer(2), addedAt: 12 }])
  expect(store.isContact(peer(2))).toBe(true)
  expect(store.blocks()).toEqual([{ peer: peer(9), addedAt: 13 }])
  expect(store.isBlocked(peer(9))).toBe(true)
  expect(store.removeContact(peer(1))).toBe(true)
  expect(store.removeContact(peer(1))).toBe(false)
  expect(store.unblock(peer(9))).toBe(true)
  reopen()
  expect(store.contacts()).toEqual([{ peer: peer(2), addedAt: 12 }])
  expect(store.isBlocked(peer(9))).toBe(false)
  expect(store.blocks()).toEqual([])
})
