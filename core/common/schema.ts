import { z } from 'zod'

/** Raw bytes in a schema, optionally of one exact length (keys, hashes, signatures). */
export function bytes (length?: number): z.ZodType<Uint8Array> {
  const any = z.custom<Uint8Array>(v => v instanceof Uint8Array, 'must be bytes')
  return length === undefined ? any : any.refine(b => b.byteLength === length, `must be ${length} bytes`)
}
