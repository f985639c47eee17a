import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { encode } from '../../../core/common/codec.ts'
import { peerIdOf } from '../../../core/identity/ids.ts'
import { decodeTopicPeers, decodeTopicPeersRequest } from '../../../core/net/rendezvous.ts'
import { testSigner } from '../../helpers/identity.ts'

// A topic-peers frame of the wrong shape threw a bare ZodError (an unnamed error to the fuzz run); it is a named refusal now.

describe('topic peers frames', () => {
  const peer = peerIdFromString(peerIdOf(testSigner().publicKey))
  const addr = multiaddr('/ip4/127.0.0.1/tcp/4001')

  it('read a question and an answer, skipping an entry whose id does not parse', () => {
    expect(decodeTopicPeersRequest(encode({ t: 'code_generation' }))).toBe('code_generation')
    const peers = decodeTopicPeers(encode({ peers: [{ id: peer.toMultihash().bytes, addrs: [addr.bytes] }, { id: Uint8Array.of(1, 2, 3), addrs: [] }] }))
    expect(peers.map(p => p.id.toString())).toEqual([peer.toString()])
    expect(peers[0]!.addrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/4001'])
  })

  it('refuse a frame of the wrong shape with MalformedMessageError', () => {
    for (const bad of [{ t: 'Not A Domain' }, { t: 1 }, { topic: 'code_generation' }]) {
      expect(() => decodeTopicPeersRequest(encode(bad))).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
    }
    for (const bad of [{ peers: 'x' }, { peers: [{ id: new Uint8Array(65), addrs: [] }] }, { peers: [], more: true }]) {
      expect(() => decodeTopicPeers(encode(bad))).toThrow(expect.objectContaining({ name: 'MalformedMessageError' }))
    }
  })
})
