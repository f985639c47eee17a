import type { Libp2p, Peer, PeerData, PeerId } from '@libp2p/interface'

// libp2p (3.x) records a stream's protocol in the peer store at every stream opened, either way: a locked read, decode,
// merge, encode and compare, even when the protocol is long known (measured: about a third of a millisecond per stream, a
// tenth of opening one, and 4% of an honest node's CPU while attackers open streams at it). A merge that only adds
// protocols the peer already has in the store is answered from the peer as the store last reported it.

/** Applies to `node`'s peer store once; only while a peer is connected is its record remembered. */
export function skipKnownProtocolMerges (node: Libp2p): void {
  const store = node.peerStore
  const known = new Map<string, Peer>()
  const merge = store.merge.bind(store)
  const remove = store.delete.bind(store)
  store.merge = async (id: PeerId, data: PeerData, options?: Parameters<typeof merge>[2]): Promise<Peer> => {
    const peer = known.get(id.toString())
    if (peer !== undefined && onlyKnownProtocols(data, peer)) return peer
    const merged = await merge(id, data, options)
    if (node.getConnections(id).length > 0) known.set(id.toString(), merged)
    return merged
  }
  store.delete = async (id, options) => {
    known.delete(id.toString())
    await remove(id, options)
  }
  // Any change to a record (identify, a save or patch elsewhere) replaces what is remembered of it.
  node.addEventListener('peer:update', ({ detail }) => {
    if (known.has(detail.peer.id.toString())) known.set(detail.peer.id.toString(), detail.peer)
  })
  node.addEventListener('peer:disconnect', ({ detail }) => { known.delete(detail.toString()) })
}

function onlyKnownProtocols (data: PeerData, peer: Peer): boolean {
  const keys = Object.keys(data)
  return keys.length === 1 && keys[0] === 'protocols' && (data.protocols ?? []).every(p => peer.protocols.includes(p))
}
