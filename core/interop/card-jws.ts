import { AgentCard, canonicalizeAgentCard } from '@a2a-js/sdk'
import { AgentCardInvalidError } from '../api/errors.ts'

// The JWS pieces an AgentCard signature is made of (A2A §8.4, RFC 7515 flattened, detached payload).

/** Ed25519 as JOSE names it; `Ed25519` (RFC 9864) is the newer name for the same algorithm. */
export const CARD_ALG = 'EdDSA'
const ACCEPTED_ALGS = new Set([CARD_ALG, 'Ed25519'])
const MAX_HEADER_CHARS = 4096

/** The protected header Hearth signs: who signs (the agent's PeerId) under which BAID. */
export interface CardHeader {
  readonly alg: string
  readonly typ: string
  readonly kid: string
  readonly baid: string
  readonly [param: string]: unknown
}

export function base64url (bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes).toString('base64url')
}

export function fromBase64url (text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new AgentCardInvalidError('a card signature part is not base64url')
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

/**
 * The card's canonical bytes (JCS over the JSON form, without `signatures`), via the SDK so any A2A verifier agrees.
 * The JSON form, not the SDK's object form: the object form's oneof fields (securitySchemes) would drop out unsigned.
 */
export function canonicalCardBytes (card: AgentCard): string {
  return canonicalizeAgentCard(AgentCard.toJSON(card) as AgentCard)
}

/** ASCII(BASE64URL(protected) ‖ '.' ‖ BASE64URL(payload)): what the agent key signs. */
export function signingInput (protectedB64: string, card: AgentCard): Uint8Array {
  return new TextEncoder().encode(`${protectedB64}.${base64url(canonicalCardBytes(card))}`)
}

/** Decode a signature's protected header; bounded, and an object or nothing. */
export function decodeHeader (protectedB64: string): Record<string, unknown> {
  if (protectedB64.length > MAX_HEADER_CHARS) throw new AgentCardInvalidError('a card signature header is over 4 KiB')
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64url(protectedB64)))
  } catch (err) {
    if (err instanceof AgentCardInvalidError) throw err
    throw new AgentCardInvalidError('a card signature header is not JSON')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new AgentCardInvalidError('a card signature header is not a JSON object')
  return header as Record<string, unknown>
}

export function isAcceptedAlg (alg: unknown): boolean {
  return typeof alg === 'string' && ACCEPTED_ALGS.has(alg)
}
