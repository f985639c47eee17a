import { describe, expect, it } from 'vitest'
import { encode } from '../../../core/common/codec.ts'
import { readAnswer, readFrame } from '../../../core/net/session.ts'

// A session frame of the wrong shape threw a bare ZodError (an unnamed error to the fuzz run); it is a named refusal now.

describe('session frames', () => {
  it('reads a request frame back: its id and its message', () => {
    const frame = readFrame(encode({ i: 7, m: Uint8Array.of(1, 2, 3) }), 64)
    expect(frame.i).toBe(7)
    expect([...frame.m]).toEqual([1, 2, 3])
  })

  it('refuses a frame of the wrong shape with MalformedMessageError, naming what is wrong', () => {
    for (const bad of [{ i: -1, m: new Uint8Array(0) }, { i: 1 }, { i: 1, m: 'text' }, { i: 1, m: new Uint8Array(0), extra: true }, [1, 2]]) {
      expect(() => readFrame(encode(bad), 64)).toThrow(expect.objectContaining({ name: 'MalformedMessageError', message: expect.stringMatching(/session frame has the wrong shape/) }))
    }
  })

  it('reads an answer frame: the response, or the reason its request failed, and nothing else', () => {
    expect(readAnswer(encode({ i: 3, m: Uint8Array.of(9) }), 64)).toEqual({ i: 3, m: Uint8Array.of(9) })
    expect(readAnswer(encode({ i: 4, e: 'TaskProtocolError: task t1 is canceled' }), 64)).toEqual({ i: 4, e: 'TaskProtocolError: task t1 is canceled' })
    for (const bad of [{ i: 1, m: Uint8Array.of(1), e: 'both' }, { i: 1, e: 'x'.repeat(513) }, { i: 1, e: 7 }]) {
      expect(() => readAnswer(encode(bad), 1024)).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
    }
  })

  it('refuses a frame over the limit before decoding it', () => {
    expect(() => readFrame(encode({ i: 1, m: new Uint8Array(100) }), 64)).toThrow(expect.objectContaining({ name: 'MessageTooLargeError' }))
  })
})
