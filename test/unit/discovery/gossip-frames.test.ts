import { describe, expect, it } from 'vitest'
import { encode } from '../../../core/common/codec.ts'
import { GossipFrames } from '../../../core/discovery/gossip.ts'

// The pull and gap-fill frames, decoded by the same functions the gossip service and the fuzz run use.

describe('gossip frames', () => {
  const hash = new Uint8Array(32).fill(7)

  it('read a body request, a body or its absence, a range or catch-up request and a range of headers', () => {
    expect([...GossipFrames.fetchRequest(encode({ h: hash })).h]).toEqual([...hash])
    expect(GossipFrames.fetchResponse(encode({ missing: true }))).toEqual({ missing: true })
    // Asked with the author whose BAID the asker lacks, the body comes with that BAID entry.
    expect([...GossipFrames.fetchRequest(encode({ h: hash, a: hash })).a!]).toEqual([...hash])
    expect(GossipFrames.fetchResponse(encode({ b: Uint8Array.of(1), baid: { h: Uint8Array.of(2), b: Uint8Array.of(3) } }))).toEqual({ b: Uint8Array.of(1), baid: { h: Uint8Array.of(2), b: Uint8Array.of(3) } })
    expect(GossipFrames.rangeRequest(encode({ a: hash, f: 1, t: 3 }))).toMatchObject({ f: 1, t: 3 })
    expect(GossipFrames.rangeRequest(encode({ d: 'code_generation', s: 1_700_000_000_000 }))).toEqual({ d: 'code_generation', s: 1_700_000_000_000 })
    expect(GossipFrames.rangeResponse(encode({ headers: [Uint8Array.of(1)] })).headers).toHaveLength(1)
  })

  it('refuse a frame of the wrong shape, over its limit, or not in its minimal form, each by name', () => {
    for (const bad of [{ h: hash.subarray(1) }, { h: hash, a: hash.subarray(1) }]) {
      expect(() => GossipFrames.fetchRequest(encode(bad))).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    }
    for (const bad of [{ b: hash, baid: { h: hash } }, { missing: true, baid: { h: hash, b: hash } }]) {
      expect(() => GossipFrames.fetchResponse(encode(bad))).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    }
    expect(() => GossipFrames.rangeRequest(encode({ a: hash, f: 0, t: 3 }))).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    // A catch-up names a routable domain and a time; it is not mixed with a gap's fields.
    for (const bad of [{ d: 'Not A Domain', s: 1 }, { d: 'code_generation', s: -1 }, { d: 'code_generation', s: 1, a: hash }]) {
      expect(() => GossipFrames.rangeRequest(encode(bad))).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    }
    expect(() => GossipFrames.fullBody(encode({ h: hash }))).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    expect(() => GossipFrames.fetchRequest(encode({ h: new Uint8Array(200) }))).toThrow(expect.objectContaining({ name: 'MessageTooLargeError' }))
    // 0x18 0x01: the integer 1 in a two-byte form when one byte would do; the strict decoder refuses it.
    expect(() => GossipFrames.rangeRequest(Uint8Array.of(0xa3, 0x61, 0x61, 0x40, 0x61, 0x66, 0x18, 0x01, 0x61, 0x74, 0x01))).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
  })
})
