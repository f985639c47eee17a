import { describe, expect, it } from 'vitest'
import { encode } from '../../../core/common/codec.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { seal } from '../../../core/identity/envelope.ts'
import {
  decodeAward, decodeCancel, decodeOffer, decodeTaskMessage, decodeTaskRequest, decodeTaskResult,
  encodeAward, encodeCancel, encodeOffer, encodeResultFetch, encodeTaskRequest, encodeTaskResult, MAX_RESULT_BYTES
} from '../../../core/negotiation/messages.ts'
import { digest, testSigner } from '../../helpers/identity.ts'
import { offer, request, terms } from './fixtures.ts'

const requester = testSigner()
const provider = testSigner()

describe('task messages', () => {
  it('round-trip each message through a signed hearth/task envelope', () => {
    const req = request(requester.publicKey)
    expect(decodeTaskRequest(encodeTaskRequest(req, requester))).toEqual(req)
    const o = offer(0, { provider: provider.publicKey, decision: 'decline', reason: 'busy' })
    expect(decodeOffer(encodeOffer(o, provider))).toEqual(o)
    const award = { task: 'task-1', requester: requester.publicKey, provider: provider.publicKey, price: 5, failover: [testSigner().publicKey] }
    expect(decodeAward(encodeAward(award, requester))).toEqual(award)
    const result = { task: 'task-1', provider: provider.publicKey, status: 'completed' as const, output: { digest: digest('out'), size: 3 }, inline: Uint8Array.of(1, 2, 3), deliveredAt: 5 }
    expect(decodeTaskResult(encodeTaskResult(result, provider))).toEqual(result)
    const cancel = { task: 'task-1', by: requester.publicKey, reason: 'changed my mind' }
    expect(decodeCancel(encodeCancel(cancel, requester))).toEqual(cancel)
    expect(decodeTaskMessage(encodeOffer(o, provider))).toEqual({ kind: 'offer', message: o })
  })

  it('name a large result by digest and size, bounded at 16 MiB, and fetch it by offset from the requester only', () => {
    const large = { task: 'task-1', provider: provider.publicKey, status: 'completed' as const, output: { digest: digest('out'), size: MAX_RESULT_BYTES }, deliveredAt: 5 }
    expect(decodeTaskResult(encodeTaskResult(large, provider))).toEqual(large)
    expect(() => encodeTaskResult({ ...large, output: { digest: digest('out'), size: MAX_RESULT_BYTES + 1 } }, provider)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
    expect(() => encodeTaskResult({ ...large, inline: new Uint8Array(48 * 1024 + 1) }, provider)).toThrow(/48 KiB/)
    const fetch = { task: 'task-1', requester: requester.publicKey, offset: 262_144 }
    expect(decodeTaskMessage(encodeResultFetch(fetch, requester))).toEqual({ kind: 'fetch', message: fetch })
    expect(() => encodeResultFetch(fetch, provider)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
  })

  it('refuses to sign a message for another party or with invalid fields', () => {
    expect(() => encodeTaskRequest(request(requester.publicKey), provider)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
    expect(() => encodeTaskRequest(request(requester.publicKey, { topic: 'Not A Domain' }), requester)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
    expect(() => encodeOffer(offer(0, { provider: provider.publicKey, quality: 1.5 }), provider)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
    expect(() => encodeTaskRequest(request(requester.publicKey, { terms: { ...terms(), tier: 'T9' as never } }), requester)).toThrow(/tier/)
  })

  it('rejects oversized, tampered, mis-signed, wrong-domain and malformed bytes with named errors', () => {
    const bytes = encodeTaskRequest(request(requester.publicKey), requester)
    const tampered = Uint8Array.from(bytes)
    tampered[bytes.length - 70]! ^= 1
    expect(() => decodeTaskRequest(tampered)).toThrow(expect.objectContaining({ name: expect.stringMatching(/InvalidSignatureError|MalformedMessageError|NonCanonicalEncodingError/) }))
    expect(() => decodeTaskRequest(new Uint8Array(Domains.task.maxBytes + 1))).toThrow(expect.objectContaining({ name: 'MessageTooLargeError' }))
    expect(() => decodeTaskRequest(Uint8Array.of(0xff, 0x00))).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
    // A valid signature over a request that names someone else as requester: a forged origin.
    const forged = seal(Domains.task, 'task-request', request(requester.publicKey), [provider]).bytes
    expect(() => decodeTaskRequest(forged)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
    // An offer's envelope presented as a request.
    expect(() => decodeTaskRequest(encodeOffer(offer(0, { provider: provider.publicKey }), provider))).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    // A receipt-domain envelope is never a task message.
    const receipt = seal(Domains.receipt, 'task-request', { x: 1 }, [requester, provider]).bytes
    expect(() => decodeTaskMessage(receipt)).toThrow(expect.objectContaining({ name: expect.stringMatching(/WrongDomainError|MalformedMessageError/) }))
    // Unknown fields are refused, not ignored.
    const extra = seal(Domains.task, 'task-offer', { ...offer(0, { provider: provider.publicKey }), bonus: 1 }, [provider]).bytes
    expect(() => decodeOffer(extra)).toThrow(expect.objectContaining({ name: 'InvalidPayloadError' }))
    const unknown = seal(Domains.task, 'task-gossip', encode({}), [provider]).bytes
    expect(() => decodeTaskMessage(unknown)).toThrow(expect.objectContaining({ name: 'InvalidTaskMessageError' }))
  })
})
