import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { privateKeyObject, publicKeyOf, publicKeyReference, signReference, signWith, verifyNative, verifyReference } from '../../../core/identity/ed25519.ts'

// Shared vectors: the native hot path and the @noble reference must agree on every one.
const vectors = JSON.parse(readFileSync(new URL('../../vectors/ed25519.json', import.meta.url), 'utf8')) as {
  valid: Array<{ source: string, seed: string, message: string, publicKey: string, signature: string }>
  invalid: Array<{ reason: string, publicKey: string, message: string, signature: string }>
}
const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const x = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('Ed25519: native and reference agree on shared vectors', () => {
  it.each(vectors.valid)('$source: same public key, same signature, both verify', v => {
    expect(x(publicKeyOf(h(v.seed)))).toBe(v.publicKey)
    expect(x(publicKeyReference(h(v.seed)))).toBe(v.publicKey)
    expect(x(signWith(privateKeyObject(h(v.seed)), h(v.message)))).toBe(v.signature)
    expect(x(signReference(h(v.seed), h(v.message)))).toBe(v.signature)
    expect(verifyNative(h(v.publicKey), h(v.message), h(v.signature))).toBe(true)
    expect(verifyReference(h(v.publicKey), h(v.message), h(v.signature))).toBe(true)
  })

  it.each(vectors.invalid)('$reason: both reject', v => {
    expect(verifyNative(h(v.publicKey), h(v.message), h(v.signature))).toBe(false)
    expect(verifyReference(h(v.publicKey), h(v.message), h(v.signature))).toBe(false)
  })

  it('rejects keys and signatures of the wrong length instead of throwing', () => {
    const v = vectors.valid[0]!
    expect(verifyNative(h(v.publicKey).subarray(1), h(v.message), h(v.signature))).toBe(false)
    expect(verifyNative(h(v.publicKey), h(v.message), h(v.signature).subarray(1))).toBe(false)
  })
})
