import { describe, expect, it } from 'vitest'
import { decode, encode, MAX_NESTING } from '../../../core/common/codec.ts'

// Found by the fuzz run: a value nested a few thousand levels deep decoded, then overflowed the stack when re-encoded
// for the canonical check, escaping as a bare RangeError (a crash) from every decoder of network input.

const nested = (depth: number, head: number[]): Uint8Array => Uint8Array.from([...Array.from({ length: depth }, () => head).flat(), 0x00])

describe('decode', () => {
  it('reads a value nested as deep as Hearth allows', () => {
    let value: unknown = decode(nested(MAX_NESTING, [0x81]), 1 << 20)
    for (let i = 0; i < MAX_NESTING; i++) value = (value as unknown[])[0]
    expect(value).toBe(0)
    expect(decode(encode({ a: { b: [[{ c: Uint8Array.of(1) }]] } }), 64)).toEqual({ a: { b: [[{ c: Uint8Array.of(1) }]] } })
  })

  it('refuses deeper nesting with MalformedMessageError, from one level past the limit to thousands, arrays and maps alike', () => {
    for (const depth of [MAX_NESTING + 1, 900, 2000, 3000, 4096, 20_000]) {
      for (const head of [[0x81], [0xa1, 0x60]]) {
        expect(() => decode(nested(depth, head), 1 << 20)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
      }
    }
  })
})
