import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { HearthPeer } from './peer.ts'
import { announceTopic } from './protocols.ts'

// Narrowcast needs each topic's subscribers to be connected among themselves: peers interested in a domain
// advertise it as a DHT provider record and dial others who do, so a topic's mesh never depends on bystanders.

/** How many of a topic's other subscribers a peer wants to be connected to. */
const WANTED_PER_TOPIC = 4

export async function topicKey (domain: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`hearth-topic:${domain}`)))
}

/** Advertise our interest in `domain` and connect to others interested in it. */
export async function joinTopic (peer: HearthPeer, domain: string, signal: AbortSignal): Promise<void> {
  const key = await topicKey(domain)
  await Promise.allSettled([peer.contentRouting.provide(key, { signal }), meetSubscribers(peer, domain, signal)])
}

/** Dial a few known subscribers of `domain` if we are connected to fewer than we want (before publishing to it, too). */
export async function meetSubscribers (peer: HearthPeer, domain: string, signal: AbortSignal): Promise<void> {
  if (peer.services.pubsub.getSubscribers(announceTopic(domain)).length >= WANTED_PER_TOPIC) return
  const key = await topicKey(domain)
  let dialled = 0
  try {
    for await (const provider of peer.contentRouting.findProviders(key, { signal })) {
      if (provider.id.equals(peer.peerId) || peer.getConnections(provider.id).length > 0) continue
      try {
        await peer.dial(provider.id, { signal })
        if (++dialled >= WANTED_PER_TOPIC) return
      } catch { /* gone or unreachable: the next provider */ }
    }
  } catch { /* lookup ended or timed out: whoever we reached will do */ }
}
