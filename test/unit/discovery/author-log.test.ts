import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { sha256 } from '../../../core/common/hash.ts'
import { OwnLog } from '../../../core/discovery/author-log.ts'
import { MAX_DESCRIPTOR_BYTES } from '../../../core/discovery/descriptor.ts'
import { openEntry } from '../../../core/discovery/log-entry.ts'
import { LogStore } from '../../../core/discovery/log-store.ts'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { testSigner } from '../../helpers/identity.ts'
import { tempDir } from '../../helpers/tmp.ts'

const me = testSigner()
const digest = { topics: ['code_review_security'], keywords: ['audit', 'rust'] }
const body = (text: string) => new TextEncoder().encode(text)

let dir: string
let db: Database
let store: LogStore
let log: OwnLog

function open (path = join(dir, 'hearth.sqlite')): void {
  db = openDatabase(path, migrations)
  store = new LogStore(db)
  log = new OwnLog(store)
}

beforeEach(() => {
  dir = tempDir()
  open()
})
afterEach(() => closeDatabase(db))

it('appends entries chained to the last, storing header and body, and returns the header to gossip', () => {
  const first = log.append('descriptor', body('v1'), digest, me, 1000)
  const second = log.append('descriptor', body('v2'), digest, me, 2000)
  expect(first.entry).toMatchObject({ author: me.publicKey, seq: 1, prev: null, ts: 1000, bodyHash: sha256(body('v1')), bodySize: 2, ...digest })
  expect(second.entry).toMatchObject({ seq: 2, prev: first.hash })
  expect(openEntry(second.bytes, me.publicKey).hash).toEqual(second.hash)
  expect(store.header(second.hash)).toEqual(second.bytes)
  expect(store.body(second.entry.bodyHash)).toEqual(body('v2'))
  expect(store.missingBodies()).toEqual([])
})

it('links each entry to the previous one on each of its topics, so a follower of one topic can tell what it missed there', () => {
  const other = { topics: ['data_analysis'], keywords: [] }
  log.append('descriptor', body('a1'), digest, me)
  log.append('descriptor', body('b1'), other, me)
  log.append('descriptor', body('b2'), other, me)
  const both = log.append('descriptor', body('ab'), { topics: ['data_analysis', 'code_review_security'], keywords: [] }, me)
  const next = log.append('descriptor', body('a2'), digest, me)
  expect(both.entry).toMatchObject({ seq: 4, tp: [3, 1] })
  expect(next.entry).toMatchObject({ seq: 5, tp: [4] })
  expect(log.append('descriptor', body('c1'), { topics: ['translation'], keywords: [] }, me).entry.tp).toEqual([0])
})

it('continues from the stored seq after a restart', () => {
  log.append('descriptor', body('v1'), digest, me)
  const before = log.append('descriptor', body('v2'), digest, me)
  closeDatabase(db)
  open()
  const after = log.append('retract', body('v2 withdrawn'), digest, me)
  expect(after.entry).toMatchObject({ seq: 3, prev: before.hash })
  expect(store.highWater(me.publicKey)).toEqual({ contiguousSeq: 3, maxSeq: 3 })
})

it('never reuses a seq it has seen for itself, even one learnt from gossip (a restored identity)', () => {
  const oldDevice = log.append('descriptor', body('v1'), digest, me)
  closeDatabase(db)
  open(join(dir, 'new-device.sqlite'))
  store.ingestHeader(oldDevice.bytes, 0)
  expect(log.append('descriptor', body('v2'), digest, me).entry).toMatchObject({ seq: 2, prev: oldDevice.hash })
})

it('stores nothing and consumes no seq when the entry is refused', () => {
  expect(() => log.append('descriptor', new Uint8Array(MAX_DESCRIPTOR_BYTES + 1), digest, me)).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
  expect(() => log.append('descriptor', body('v1'), { topics: ['Not A Topic'], keywords: [] }, me)).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
  expect(store.highWater(me.publicKey)).toEqual({ contiguousSeq: 0, maxSeq: 0 })
  expect(log.append('descriptor', body('v1'), digest, me).entry.seq).toBe(1)
})

it('never hands out a header its signer got wrong (a faulty keystore)', () => {
  const other = testSigner()
  const faulty = { publicKey: me.publicKey, sign: (m: Uint8Array) => other.sign(m) }
  expect(() => log.append('descriptor', body('v1'), digest, faulty)).toThrow(expect.objectContaining({ name: 'InvalidSignatureError' }))
  expect(store.highWater(me.publicKey)).toEqual({ contiguousSeq: 0, maxSeq: 0 })
})
