import type { PeerData, PeerId, PeerStore } from '@libp2p/interface'
import { afterEach, expect, it } from 'vitest'
import { eventually, peerFactory } from '../helpers/peers.ts'

// libp2p records each stream's protocol in the peer store; a protocol the store already holds for a connected peer is not
// written again at every stream, while the record stays right: it holds the protocol, and a new connection records afresh.

const newPeer = peerFactory()
const PROTOCOL = '/hearth-test/memo/1.0.0'

let restore: (() => void) | undefined
afterEach(() => { restore?.(); restore = undefined })

it('writes a stream protocol to the peer store once per connection, not once per stream', async () => {
  // Count the protocol-only merges that reach each real peer store (the method every store instance inherits).
  const probe = await newPeer()
  const proto = Object.getPrototypeOf(probe.peerStore) as PeerStore
  const original = proto.merge
  const reached = new Map<PeerStore, number>()
  proto.merge = async function (this: PeerStore, id: PeerId, data: PeerData, options) {
    if (Object.keys(data).join() === 'protocols' && data.protocols?.includes(PROTOCOL) === true) reached.set(this, (reached.get(this) ?? 0) + 1)
    return await original.call(this, id, data, options)
  }
  restore = () => { proto.merge = original }

  const server = await newPeer()
  await server.handle(PROTOCOL, stream => { void stream.close() })
  const client = await newPeer()
  const identified = async (): Promise<void> => {
    // Identify replaces a peer's protocols with the list it announces (which may drop one a stream added): done first.
    await eventually(async () => (await client.peerStore.get(server.peerId)).metadata.has('AgentVersion'), 'the client to identify the server')
    await eventually(async () => (await server.peerStore.get(client.peerId)).metadata.has('AgentVersion'), 'the server to identify the client')
  }
  await client.dial(server.getMultiaddrs()[0]!)
  await identified()
  const openStreams = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const stream = await client.dialProtocol(server.peerId, PROTOCOL)
      await stream.close()
    }
  }
  await openStreams(20)
  await eventually(async () => (await server.peerStore.get(client.peerId)).protocols.includes(PROTOCOL), 'the server to record the protocol')
  expect((await client.peerStore.get(server.peerId)).protocols).toContain(PROTOCOL)
  // Without the memo: 20 on each side (one per stream). With it, one, and one more after each identify that drops the
  // protocol; the client may need none, identify having told it the server's protocols.
  const first = reached.get(server.peerStore) ?? 0
  expect(first).toBeGreaterThanOrEqual(1)
  expect(first).toBeLessThanOrEqual(3)
  expect(reached.get(client.peerStore) ?? 0).toBeLessThanOrEqual(3)

  // A new connection starts from the store again.
  await client.hangUp(server.peerId)
  await eventually(() => server.getConnections(client.peerId).length === 0, 'the server to see the hang-up')
  await client.dial(server.getMultiaddrs()[0]!)
  await identified()
  await openStreams(5)
  expect(reached.get(server.peerStore)).toBeGreaterThan(first)
  expect(reached.get(server.peerStore)! - first).toBeLessThanOrEqual(3)
})
