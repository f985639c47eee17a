import { peerIdFromMultihash } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import * as Digest from 'multiformats/hashes/digest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { MalformedMessageError } from '../api/errors.ts'
import { decode, encode } from '../common/codec.ts'
import { shuffle } from '../common/random.ts'
import { bytes, domainName } from '../common/schema.ts'
import { request, serve, type RequestLimits } from './frames.ts'
import type { HearthPeer } from './peer.ts'
import { gossipTopic, StreamProtocols } from './protocols.ts'

// Narrowcast needs each topic's subscribers to be connected among themselves: peers interested in a domain
// advertise it as a DHT provider record and dial others who do, so a topic's mesh never depends on bystanders.
// First, though, a peer asks its neighbours which subscribers they know (gossipsub tells every peer its neighbours'
// subscriptions, so a bootstrap node knows many): one request instead of a DHT walk, and it works while the DHT is thin.

/** How many of a topic's other subscribers a peer wants to be connected to. */
const WANTED_PER_TOPIC = 4

export async function topicKey (domain: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`hearth-topic:${domain}`)))
}

/** Subscribers one neighbour reports per request, and neighbours asked per lookup. */
const MAX_EXCHANGED_PEERS = 16
const NEIGHBOURS_ASKED = 3
const MAX_ADDRS_PER_PEER = 4

const TopicPeersRequest = z.object({ t: domainName() }).strict()
const TopicPeersResponse = z.object({
  peers: z.array(z.object({ id: bytes().refine(b => b.byteLength <= 64, 'a peer id multihash'), addrs: z.array(bytes().refine(b => b.byteLength <= 128, 'a multiaddr')).max(MAX_ADDRS_PER_PEER) }).strict()).max(MAX_EXCHANGED_PEERS)
}).strict()
const TOPIC_PEERS_LIMITS: RequestLimits = { maxRequestBytes: 128, maxResponseBytes: 16 * 1024, timeoutMs: 5_000 }

/** A neighbour's question off the wire: the domain it asks about. */
export function decodeTopicPeersRequest (req: Uint8Array): string {
  const parsed = TopicPeersRequest.safeParse(decode(req, TOPIC_PEERS_LIMITS.maxRequestBytes, 'topic peers request'))
  if (!parsed.success) throw new MalformedMessageError(`topic peers request has the wrong shape: ${z.prettifyError(parsed.error)}`)
  return parsed.data.t
}

/** A neighbour's answer off the wire; an entry whose id or address does not parse is skipped. */
export function decodeTopicPeers (answer: Uint8Array): Array<{ id: PeerId, addrs: Multiaddr[] }> {
  const parsed = TopicPeersResponse.safeParse(decode(answer, TOPIC_PEERS_LIMITS.maxResponseBytes, 'topic peers response'))
  if (!parsed.success) throw new MalformedMessageError(`topic peers response has the wrong shape: ${z.prettifyError(parsed.error)}`)
  const peers: Array<{ id: PeerId, addrs: Multiaddr[] }> = []
  for (const { id, addrs } of parsed.data.peers) {
    try {
      peers.push({ id: peerIdFromMultihash(Digest.decode(id)), addrs: addrs.map(a => multiaddr(a)) })
    } catch { /* malformed: skip this one */ }
  }
  return peers
}

/** Answer neighbours asking which subscribers of a domain we know (those we are connected to, with their addresses). */
export async function serveTopicPeers (peer: HearthPeer): Promise<void> {
  await serve(peer, StreamProtocols.topicPeers, TOPIC_PEERS_LIMITS, async (req, from) => {
    const t = decodeTopicPeersRequest(req)
    const known = peer.services.pubsub.getSubscribers(gossipTopic(t)).filter(p => !p.equals(from)).slice(0, MAX_EXCHANGED_PEERS)
    // The addresses they listen on (from identify), not the ephemeral ports they dialled us from.
    const peers = await Promise.all(known.map(async p => ({
      id: p.toMultihash().bytes,
      addrs: (await peer.peerStore.get(p).catch(() => undefined))?.addresses.map(a => a.multiaddr).slice(0, MAX_ADDRS_PER_PEER).map(a => a.bytes) ?? []
    })))
    return encode({ peers })
  })
}

/** Subscribers of `domain` our neighbours know, with addresses to dial them at; a neighbour that fails is skipped. */
async function askNeighbours (peer: HearthPeer, domain: string, signal: AbortSignal): Promise<Array<{ id: PeerId, addrs: Multiaddr[] }>> {
  // Different neighbours each time: the first few connected may know nobody on this topic.
  const neighbours = shuffle(Math.random, peer.getPeers()).slice(0, NEIGHBOURS_ASKED)
  const answers = await Promise.allSettled(neighbours.map(async n => {
    const answer = await request(peer, n, StreamProtocols.topicPeers, encode({ t: domain }), TOPIC_PEERS_LIMITS, { signal })
    return decodeTopicPeers(answer)
  }))
  const found = new Map<string, { id: PeerId, addrs: Multiaddr[] }>()
  for (const answer of answers) {
    if (answer.status !== 'fulfilled') continue
    for (const p of answer.value) found.set(p.id.toString(), p)
  }
  return [...found.values()]
}

/** Advertise our interest in `domain` as a DHT provider record, so peers who know no subscriber can find us. */
export async function advertiseTopic (peer: HearthPeer, domain: string, signal: AbortSignal): Promise<void> {
  try {
    await peer.contentRouting.provide(await topicKey(domain), { signal })
  } catch (err) {
    peer.logger.forComponent('hearth:rendezvous')('could not advertise %s: %e', domain, err)
  }
}

/** Whether we are connected to fewer of `domain`'s subscribers than we want. */
export function lonelyOn (peer: HearthPeer, domain: string): boolean {
  return subscribersKnown(peer, domain) < WANTED_PER_TOPIC
}

/** How many of `domain`'s subscribers we are connected to. */
export function subscribersKnown (peer: HearthPeer, domain: string): number {
  return peer.services.pubsub.getSubscribers(gossipTopic(domain)).length
}

/** Dial a few known subscribers of `domain` if we are connected to fewer than we want (before publishing to it, too). */
export async function meetSubscribers (peer: HearthPeer, domain: string, signal: AbortSignal, options: { walk?: boolean } = {}): Promise<void> {
  if (!lonelyOn(peer, domain)) return
  const log = peer.logger.forComponent('hearth:rendezvous')
  let dialled = 0
  let found = 0
  const meet = async (id: PeerId, addrs: readonly Multiaddr[]): Promise<boolean> => {
    found++
    if (id.equals(peer.peerId) || peer.getConnections(id).length > 0) return false
    try {
      if (addrs.length > 0) await peer.peerStore.merge(id, { multiaddrs: [...addrs] })
      await peer.dial(id, { signal })
      return ++dialled >= WANTED_PER_TOPIC
    } catch {
      return false // gone or unreachable: the next one
    }
  }
  const named = await askNeighbours(peer, domain, signal)
  log('neighbours named %d subscribers of %s', named.length, domain)
  for (const { id, addrs } of named) if (await meet(id, addrs)) return
  if (dialled > 0 || !lonelyOn(peer, domain) || options.walk === false) return
  try {
    for await (const provider of peer.contentRouting.findProviders(await topicKey(domain), { signal })) {
      if (await meet(provider.id, provider.multiaddrs)) return
    }
  } catch (err) {
    log('looking for subscribers of %s ended after %d found, %d dialled: %e', domain, found, dialled, err) // whoever we reached will do
    return
  }
  log('found %d subscribers of %s, dialled %d', found, domain, dialled)
}
