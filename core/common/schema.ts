import { z } from 'zod'

/** A semantic domain (a gossip topic's name): lowercase letters, digits and underscores. */
export const DOMAIN_NAME = /^[a-z0-9_]{1,64}$/

export function domainName (): z.ZodString {
  return z.string().regex(DOMAIN_NAME, 'a semantic domain: lowercase letters, digits and _, at most 64')
}

/** Raw bytes in a schema, optionally of one exact length (keys, hashes, signatures). */
export function bytes (length?: number): z.ZodType<Uint8Array> {
  const any = z.custom<Uint8Array>(v => v instanceof Uint8Array, 'must be bytes')
  return length === undefined ? any : any.refine(b => b.byteLength === length, `must be ${length} bytes`)
}
