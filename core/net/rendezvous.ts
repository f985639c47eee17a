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
  const [provided] = await Promise.allSettled([peer.contentRouting.provide(key, { signal }), meetSubscribers(peer, domain, signal)])
  if (provided.status === 'rejected') peer.logger.forComponent('hearth:rendezvous')('could not advertise %s: %e', domain, provided.reason)
}

/** Whether we are connected to fewer of `domain`'s subscribers than we want. */
export function lonelyOn (peer: HearthPeer, domain: string): boolean {
  return peer.services.pubsub.getSubscribers(announceTopic(domain)).length < WANTED_PER_TOPIC
}

/** Dial a few known subscribers of `domain` if we are connected to fewer than we want (before publishing to it, too). */
export async function meetSubscribers (peer: HearthPeer, domain: string, signal: AbortSignal): Promise<void> {
  if (!lonelyOn(peer, domain)) return
  const key = await topicKey(domain)
  const log = peer.logger.forComponent('hearth:rendezvous')
  let dialled = 0
  let found = 0
  try {
    for await (const provider of peer.contentRouting.findProviders(key, { signal })) {
      found++
      if (provider.id.equals(peer.peerId) || peer.getConnections(provider.id).length > 0) continue
      try {
        await peer.dial(provider.id, { signal })
        if (++dialled >= WANTED_PER_TOPIC) return
      } catch { /* gone or unreachable: the next provider */ }
    }
  } catch (err) {
    log('looking for subscribers of %s ended after %d found, %d dialled: %e', domain, found, dialled, err) // whoever we reached will do
    return
  }
  log('found %d subscribers of %s, dialled %d', found, domain, dialled)
}
