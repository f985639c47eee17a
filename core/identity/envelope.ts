import { z } from 'zod'
import { bytes as bytesOf } from '../common/schema.ts'
import { decode, encode, equalBytes } from '../common/codec.ts'
import { InvalidPayloadError, InvalidSignatureError, MalformedMessageError, UnexpectedSignerError, WrongDomainError } from '../api/errors.ts'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verifyRemembered } from './ed25519.ts'
import type { SigningDomain } from './domains.ts'

/** Whoever can sign: the keystore hands these out, so a caller signs without ever holding the key. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign (message: Uint8Array): Uint8Array
}

export interface SignedEnvelope {
  readonly domain: string
  readonly type: string
  /** Still encoded: it is decoded only after every signature has been verified. */
  readonly payload: Uint8Array
  readonly signers: readonly Uint8Array[]
  /** The exact bytes received or produced; hashes are taken over these. */
  readonly bytes: Uint8Array
}

const WireEnvelope = z.object({
  d: z.string().max(64),
  t: z.string().max(64),
  p: bytesOf(),
  s: z.array(z.tuple([bytesOf(PUBLIC_KEY_BYTES), bytesOf(SIGNATURE_BYTES)])).min(1).max(4)
}).strict()

const textEncoder = new TextEncoder()

/** varint(len(domain)) ‖ domain ‖ varint(len(type)) ‖ type ‖ payload, as in libp2p RFC 0002. */
export function signingBytes (domain: string, type: string, payload: Uint8Array): Uint8Array {
  const d = textEncoder.encode(domain)
  const t = textEncoder.encode(type)
  const parts = [varint(d.byteLength), d, varint(t.byteLength), t, payload]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) { out.set(p, offset); offset += p.byteLength }
  return out
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return Uint8Array.from(out)
}

export function seal (domain: SigningDomain, type: string, payload: unknown, signers: readonly Signer[]): SignedEnvelope {
  if (signers.length !== domain.signatures) throw new Error(`${domain.name} needs ${domain.signatures} signature(s), got ${signers.length}`)
  const payloadBytes = encode(payload)
  const message = signingBytes(domain.name, type, payloadBytes)
  const signatures = signers.map(s => s.sign(message))
  // A signer that got it wrong (a faulty keystore) is caught before anything leaves; our keystore's own signatures are remembered, so this is a lookup.
  signers.forEach((s, i) => { if (!verifyRemembered(s.publicKey, message, signatures[i]!)) throw new InvalidSignatureError(`${domain.name} envelope: a signer's signature does not verify (a faulty keystore?)`) })
  const bytes = encode({ d: domain.name, t: type, p: payloadBytes, s: signers.map((s, i) => [s.publicKey, signatures[i]]) })
  if (bytes.byteLength > domain.maxBytes) throw new Error(`${domain.name} envelope of ${bytes.byteLength} bytes exceeds its ${domain.maxBytes}-byte limit`)
  return { domain: domain.name, type, payload: payloadBytes, signers: signers.map(s => s.publicKey), bytes }
}

/**
 * Open untrusted bytes: size limit, canonical decoding of the outer frame, domain, then every
 * signature — all before the payload is decoded. `expectedSigners` pins who must have signed.
 */
export function open (bytes: Uint8Array, domain: SigningDomain, expectedSigners?: readonly Uint8Array[]): SignedEnvelope {
  const parsed = WireEnvelope.safeParse(decode(bytes, domain.maxBytes, `${domain.name} envelope`))
  if (!parsed.success) throw new MalformedMessageError(`${domain.name} envelope has the wrong shape: ${z.prettifyError(parsed.error)}`)
  const { d, t, p, s } = parsed.data
  if (d !== domain.name) throw new WrongDomainError(`expected a ${domain.name} envelope, got ${d}`)
  if (s.length !== domain.signatures) throw new MalformedMessageError(`${domain.name} envelope needs ${domain.signatures} signature(s), has ${s.length}`)
  const message = signingBytes(d, t, p)
  for (const [signer, sig] of s) {
    if (!verifyRemembered(signer, message, sig)) throw new InvalidSignatureError(`${domain.name} envelope has a signature that does not verify`)
  }
  if (expectedSigners !== undefined) {
    const ok = expectedSigners.length === s.length && expectedSigners.every((key, i) => equalBytes(key, s[i]![0]))
    if (!ok) throw new UnexpectedSignerError(`${domain.name} envelope is signed by a different key than expected`)
  }
  return { domain: d, type: t, payload: p, signers: s.map(([signer]) => signer), bytes }
}

/** Decode a verified envelope's payload against its schema. */
export function payloadOf<T> (envelope: SignedEnvelope, type: string, schema: z.ZodType<T>): T {
  if (envelope.type !== type) throw new InvalidPayloadError(`expected a ${type} payload, got ${envelope.type}`)
  const parsed = schema.safeParse(decode(envelope.payload, envelope.payload.byteLength, `${type} payload`))
  if (!parsed.success) throw new InvalidPayloadError(`${type} payload is invalid: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}
