import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { encode } from '../../../core/common/codec.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { open, payloadOf, seal, signingBytes } from '../../../core/identity/envelope.ts'
import { testSigner } from '../../helpers/identity.ts'

const Hello = z.object({ text: z.string() }).strict()
const alice = testSigner()
const bob = testSigner()

function sealed (payload: unknown = { text: 'hi' }) {
  return seal(Domains.message, 'hello', payload, [alice]).bytes
}

function rejectName (fn: () => unknown): string {
  try { fn() } catch (err) { return (err as Error).name }
  throw new Error('expected a rejection')
}

describe('signed envelopes', () => {
  it('round-trip: open verifies and returns the payload, signed by the expected key', () => {
    const env = open(sealed(), Domains.message, [alice.publicKey])
    expect(payloadOf(env, 'hello', Hello)).toEqual({ text: 'hi' })
    expect(env.signers).toEqual([alice.publicKey])
  })

  it('is deterministic: the same object gives the same bytes', () => {
    expect(encode({ b: 1, a: [1, 2] })).toEqual(encode({ a: [1, 2], b: 1 }))
    expect(sealed()).toEqual(sealed())
  })

  it('binds the domain into the signature (varint-length-prefixed, RFC 0002)', () => {
    const bytes = signingBytes('hearth/message', 'hello', new Uint8Array([1, 2]))
    expect(bytes[0]).toBe('hearth/message'.length)
    expect(Buffer.from(bytes.subarray(1, 15)).toString()).toBe('hearth/message')
  })

  it('rejects truncated input', () => {
    const bytes = sealed()
    expect(rejectName(() => open(bytes.subarray(0, bytes.length - 5), Domains.message))).toBe('MalformedMessageError')
  })

  it('rejects oversized input before decoding it', () => {
    const huge = new Uint8Array(Domains.baid.maxBytes + 1)
    expect(rejectName(() => open(huge, Domains.baid))).toBe('MessageTooLargeError')
  })

  it('rejects garbage', () => {
    expect(rejectName(() => open(new Uint8Array([0xff, 0x00, 0x13, 0x37]), Domains.message))).toBe('MalformedMessageError')
    expect(rejectName(() => open(encode({ hello: 'world' }), Domains.message))).toBe('MalformedMessageError')
  })

  it('rejects a non-canonical encoding of a valid envelope', () => {
    const env = seal(Domains.message, 'hello', { text: 'hi' }, [alice])
    const entries = Object.entries({ d: env.domain, p: env.payload, s: [[alice.publicKey, alice.sign(signingBytes(env.domain, env.type, env.payload))]], t: env.type })
    // The same map with its keys in reverse order: valid CBOR, same values, not the canonical bytes.
    const reversed = new Uint8Array([0xa4, ...entries.reverse().flatMap(([k, v]) => [...encode(k), ...encode(v)])])
    expect(rejectName(() => open(reversed, Domains.message))).toBe('NonCanonicalEncodingError')
    // A needlessly long length header is refused by the strict decoder itself.
    expect(rejectName(() => open(new Uint8Array([0xb8, 0x04, ...env.bytes.subarray(1)]), Domains.message))).toBe('MalformedMessageError')
  })

  it('rejects an envelope from another domain', () => {
    const rev = seal(Domains.revocation, 'hello', { text: 'hi' }, [alice]).bytes
    expect(rejectName(() => open(rev, Domains.message))).toBe('WrongDomainError')
  })

  it('rejects a signature made for another domain even if the frame is relabelled', () => {
    const payload = encode({ text: 'hi' })
    const sigForOtherDomain = alice.sign(signingBytes('hearth/baid-revocation', 'hello', payload))
    const forged = encode({ d: Domains.message.name, t: 'hello', p: payload, s: [[alice.publicKey, sigForOtherDomain]] })
    expect(rejectName(() => open(forged, Domains.message))).toBe('InvalidSignatureError')
  })

  it('rejects swapped keys: a signature by alice presented as bob\'s', () => {
    const payload = encode({ text: 'hi' })
    const sig = alice.sign(signingBytes(Domains.message.name, 'hello', payload))
    const swapped = encode({ d: Domains.message.name, t: 'hello', p: payload, s: [[bob.publicKey, sig]] })
    expect(rejectName(() => open(swapped, Domains.message))).toBe('InvalidSignatureError')
  })

  it('rejects a valid envelope from someone other than the expected sender', () => {
    expect(rejectName(() => open(sealed(), Domains.message, [bob.publicKey]))).toBe('UnexpectedSignerError')
  })

  it('checks the signature before decoding the payload', () => {
    // The payload is not even CBOR; a bad signature must be what is reported.
    const junk = new Uint8Array([0xff, 0xff, 0xff])
    const env = encode({ d: Domains.message.name, t: 'hello', p: junk, s: [[alice.publicKey, new Uint8Array(64)]] })
    expect(rejectName(() => open(env, Domains.message))).toBe('InvalidSignatureError')
    // Correctly signed junk opens, and fails only when its payload is decoded.
    const signed = encode({ d: Domains.message.name, t: 'hello', p: junk, s: [[alice.publicKey, alice.sign(signingBytes(Domains.message.name, 'hello', junk))]] })
    const opened = open(signed, Domains.message)
    expect(rejectName(() => payloadOf(opened, 'hello', Hello))).toBe('MalformedMessageError')
  })

  it('rejects a payload of the wrong type or shape', () => {
    const env = open(sealed({ text: 5 }), Domains.message)
    expect(rejectName(() => payloadOf(env, 'hello', Hello))).toBe('InvalidPayloadError')
    expect(rejectName(() => payloadOf(open(sealed(), Domains.message), 'goodbye', Hello))).toBe('InvalidPayloadError')
  })

  it('rejects a flipped bit anywhere in the signed part', () => {
    const bytes = sealed()
    const names = new Set<string>()
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice()
      copy[i]! ^= 0x01
      names.add(rejectName(() => payloadOf(open(copy, Domains.message, [alice.publicKey]), 'hello', Hello)))
    }
    expect([...names].every(n => n.endsWith('Error'))).toBe(true)
  })
})
