import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decode, encode } from '../../../core/common/codec.ts'
import { sha256 } from '../../../core/common/hash.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { seal } from '../../../core/identity/envelope.ts'
import { MAX_DESCRIPTOR_BYTES } from '../../../core/discovery/descriptor.ts'
import { checkBody, LOG_ENTRY_TYPE, openEntry, signEntry, type LogEntryFields } from '../../../core/discovery/log-entry.ts'
import { testSigner } from '../../helpers/identity.ts'

const alice = testSigner()
const bob = testSigner()
const body = new TextEncoder().encode('a capability descriptor')

const fields = (overrides: Partial<LogEntryFields> = {}): LogEntryFields => ({
  seq: 1,
  prev: null,
  ts: 1_700_000_000_000,
  kind: 'descriptor',
  bodyHash: sha256(body),
  bodySize: body.byteLength,
  topics: ['code_review_security'],
  tp: [0],
  keywords: ['audit', 'rust'],
  ...overrides
})

function rejectName (fn: () => unknown): string {
  try { fn() } catch (err) { return (err as Error).name }
  throw new Error('expected a rejection')
}

describe('log entry headers', () => {
  it('round-trip: the author signs, anyone opens, and the hash is over the exact header bytes', () => {
    const signed = signEntry(fields(), alice)
    const opened = openEntry(signed.bytes, alice.publicKey)
    expect(opened.entry).toEqual({ ...fields(), v: 1, author: alice.publicKey })
    expect(opened.hash).toEqual(sha256(signed.bytes))
    expect(opened.hash).toEqual(signed.hash)
    expect(signed.bytes.byteLength).toBeLessThanOrEqual(Domains.logEntry.maxBytes)
  })

  it('rejects a forged header: a signature that does not verify', () => {
    const genuine = signEntry(fields(), alice).bytes
    const flipped = genuine.slice()
    flipped[flipped.length - 20]! ^= 0x01 // inside the signature: only `t` ('log-entry', 12 bytes) follows it
    // Alice's signature moved onto a payload she did not sign.
    const envelope = decode(genuine, Domains.logEntry.maxBytes) as Record<string, unknown>
    const other = decode(signEntry(fields({ ts: 1 }), alice).bytes, Domains.logEntry.maxBytes) as Record<string, unknown>
    const forged = encode({ ...envelope, p: other.p })
    expect([rejectName(() => openEntry(flipped)), rejectName(() => openEntry(forged))]).toEqual(['InvalidSignatureError', 'InvalidSignatureError'])
  })

  it('rejects a header signed by someone other than its author', () => {
    const byBob = seal(Domains.logEntry, LOG_ENTRY_TYPE, { ...fields(), v: 1, author: alice.publicKey }, [bob]).bytes
    expect(rejectName(() => openEntry(byBob))).toBe('UnexpectedSignerError')
    expect(rejectName(() => openEntry(signEntry(fields(), alice).bytes, bob.publicKey))).toBe('UnexpectedSignerError')
  })

  it('rejects an oversized header before decoding it', () => {
    const garbage = new Uint8Array(Domains.logEntry.maxBytes + 1).fill(0xff)
    expect(rejectName(() => openEntry(garbage))).toBe('MessageTooLargeError')
  })

  it('rejects a header signed for another purpose', () => {
    const asMessage = seal(Domains.message, LOG_ENTRY_TYPE, { ...fields(), v: 1, author: alice.publicKey }, [alice]).bytes
    expect(rejectName(() => openEntry(asMessage))).toBe('WrongDomainError')
  })

  it('refuses to sign, and refuses to open, an entry that breaks the log rules', () => {
    expect(rejectName(() => signEntry(fields({ seq: 1, prev: sha256(body) }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ seq: 2, prev: null }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ seq: 0 }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ bodySize: MAX_DESCRIPTOR_BYTES + 1 }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ kind: 'revocation', bodySize: 4096 }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ topics: ['Code Review'] }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ topics: Array.from({ length: 9 }, (_, i) => `t${i}`) }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ keywords: ['two words'] }), alice))).toBe('InvalidPayloadError')
    // A per-topic link per topic, each to an earlier entry: a header cannot claim to follow itself or a later one.
    expect(rejectName(() => signEntry(fields({ tp: [] }), alice))).toBe('InvalidPayloadError')
    expect(rejectName(() => signEntry(fields({ seq: 3, prev: sha256(body), tp: [3] }), alice))).toBe('InvalidPayloadError')
    expect(signEntry(fields({ seq: 3, prev: sha256(body), tp: [2] }), alice).entry.tp).toEqual([2])

    const breaksRules = seal(Domains.logEntry, LOG_ENTRY_TYPE, { ...fields({ seq: 2, prev: null }), v: 1, author: alice.publicKey }, [alice]).bytes
    expect(rejectName(() => openEntry(breaksRules))).toBe('InvalidPayloadError')
  })

  it('refuses with a named error to sign a header over 1 KiB', () => {
    const long = (c: string, n: number) => Array.from({ length: n }, (_, i) => `${c}${i}`.padEnd(c === 't' ? 64 : 32, c))
    expect(rejectName(() => signEntry(fields({ topics: long('t', 8), tp: Array(8).fill(0), keywords: long('k', 16) }), alice))).toBe('MessageTooLargeError')
  })

  it('signs the protocol document\'s test vector (Appendix B) byte for byte', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8')
    const appendix = doc.slice(doc.indexOf('## Appendix B.'), doc.indexOf('## Appendix C.'))
    const block = (label: string) => /```\n([0-9a-f\n]+)```/.exec(appendix.slice(appendix.indexOf(label)))![1]!.replaceAll('\n', '')
    const rfc8032 = testSigner(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'))
    const hello = new TextEncoder().encode('hello')
    const signed = signEntry({ seq: 1, prev: null, ts: 1_700_000_000_000, kind: 'retract', bodyHash: sha256(hello), bodySize: 5, topics: ['data_analysis'], tp: [0], keywords: ['example'] }, rfc8032)
    expect(Buffer.from(signed.bytes).toString('hex')).toBe(block('Envelope ('))
    expect(Buffer.from((decode(signed.bytes, Infinity) as { p: Uint8Array }).p).toString('hex')).toBe(block('Payload ('))
    expect(appendix).toContain(`Header hash (\`prev\` of seq 2): \`${Buffer.from(signed.hash).toString('hex')}\``)
  })

  it('checks a pulled body against its header: size and hash', () => {
    const { entry } = signEntry(fields(), alice)
    expect(() => checkBody(entry, body)).not.toThrow()
    const sameSize = body.slice()
    sameSize[0]! ^= 0x01
    expect(rejectName(() => checkBody(entry, sameSize))).toBe('BodyMismatchError')
    expect(rejectName(() => checkBody(entry, body.subarray(1)))).toBe('BodyMismatchError')
  })
})
