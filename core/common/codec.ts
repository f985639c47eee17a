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
  // Checked before anything recurses over the value (the re-encode below, schemas, JSON): deep nesting overflows the stack.
  if (nestsDeeperThan(value, MAX_NESTING)) throw new MalformedMessageError(`${what} nests deeper than ${MAX_NESTING} levels`)
  if (!equalBytes(dagCbor.encode(value), bytes)) {
    throw new NonCanonicalEncodingError(`${what} is not in canonical DAG-CBOR form`)
  }
  return value
}

/** Deeper than any Hearth message, JSON Schema or tool input and output nests. */
export const MAX_NESTING = 128

/** Walks without recursion, so the check itself cannot overflow. */
function nestsDeeperThan (value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) continue
    if (depth >= limit) return true
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1])
  }
  return false
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
