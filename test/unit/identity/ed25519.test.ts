import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { privateKeyObject, publicKeyOf, publicKeyReference, rememberSigned, signReference, signWith, verifyNative, verifyReference, verifyRemembered } from '../../../core/identity/ed25519.ts'

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

describe('Ed25519: signatures remembered as good', () => {
  it('still rejects every invalid vector, and a known-good signature moved to another message or key', () => {
    for (const v of vectors.invalid) expect(verifyRemembered(h(v.publicKey), h(v.message), h(v.signature))).toBe(false)
    const [a, b] = vectors.valid
    expect(verifyRemembered(h(a!.publicKey), h(a!.message), h(a!.signature))).toBe(true)
    // Remembered now: the same signature over other bytes, or under another key, is checked afresh and fails.
    expect(verifyRemembered(h(a!.publicKey), new Uint8Array([...h(a!.message), 0]), h(a!.signature))).toBe(false)
    expect(verifyRemembered(h(b!.publicKey), h(a!.message), h(a!.signature))).toBe(false)
    expect(verifyRemembered(h(a!.publicKey).subarray(1), h(a!.message), h(a!.signature))).toBe(false)
  })

  it('takes a signature our own key made as good without verifying it', () => {
    // A made-up signature stands in for one just made: only remembering it can make it pass.
    const v = vectors.valid[0]!
    const message = new TextEncoder().encode('signed here a moment ago')
    const signature = new Uint8Array(64).fill(7)
    expect(verifyNative(h(v.publicKey), message, signature)).toBe(false)
    rememberSigned(h(v.publicKey), message, signature)
    expect(verifyRemembered(h(v.publicKey), message, signature)).toBe(true)
  })
})
