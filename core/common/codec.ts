import * as dagCbor from '@ipld/dag-cbor'
import { MalformedMessageError, MessageTooLargeError, NonCanonicalEncodingError } from '../api/errors.ts'

/** Deterministic CBOR (DAG-CBOR): the same object always gives the same bytes, so hashes and signatures are stable. */
export function encode (value: unknown): Uint8Array {
  return dagCbor.encode(value)
}

/**
 * Decode untrusted bytes: the size limit is checked before any parsing, and only the
 * canonical encoding of a value is accepted, so one value never has two valid byte forms.
 */
export function decode (bytes: Uint8Array, maxBytes: number, what = 'message'): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new MessageTooLargeError(`${what} is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit`)
  }
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw new MalformedMessageError(`${what} is not valid DAG-CBOR: ${(err as Error).message}`, { cause: err })
  }
  if (!equalBytes(dagCbor.encode(value), bytes)) {
    throw new NonCanonicalEncodingError(`${what} is not in canonical DAG-CBOR form`)
  }
  return value
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
