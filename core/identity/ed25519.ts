import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { BoundedMemo } from '../common/memo.ts'

// Ed25519 over node:crypto (OpenSSL) on the hot path; @noble/curves is the reference implementation tests compare against.

export const PUBLIC_KEY_BYTES = 32
export const SEED_BYTES = 32
export const SIGNATURE_BYTES = 64

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const publicKeys = new BoundedMemo<string, KeyObject>(10_000)

export function generateSeed (): Uint8Array {
  return new Uint8Array(randomBytes(SEED_BYTES))
}

export function privateKeyObject (seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

export function publicKeyOf (seed: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(der.subarray(SPKI_PREFIX.length))
}

export function signWith (key: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key))
}

/** Native verify; KeyObjects are cached because building one costs about as much as a verify. */
export function verifyNative (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES || signature.byteLength !== SIGNATURE_BYTES) return false
  const id = Buffer.from(publicKey).toString('base64')
  let key = publicKeys.get(id)
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    } catch {
      return false
    }
    publicKeys.set(id, key)
  }
  try {
    return verify(null, message, key, signature)
  } catch {
    return false
  }
}

/**
 * Signatures known good, verified here or made with our own keys, by a hash of key, signature and message: an envelope or
 * receipt is opened several times on its way, each verify costs far more than the hash, and a maker need not check its own.
 */
const known = new BoundedMemo<string, true>(8192)

/** `verifyNative`, answered from memory for a signature already known good. */
export function verifyRemembered (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES || signature.byteLength !== SIGNATURE_BYTES) return false
  const id = knownId(publicKey, message, signature)
  if (known.has(id)) return true
  if (!verifyNative(publicKey, message, signature)) return false
  known.set(id, true)
  return true
}

/** A signature one of our own keys just made: good by construction. */
export function rememberSigned (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): void {
  known.set(knownId(publicKey, message, signature), true)
}

// Key and signature have fixed lengths, so the concatenation is unambiguous.
const knownId = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): string => createHash('sha256').update(publicKey).update(signature).update(message).digest('base64')

/** Reference verify (RFC 8032 strict, as OpenSSL is), used by tests and the benchmark baseline. */
export function verifyReference (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

export function signReference (seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed)
}

export function publicKeyReference (seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed)
}
