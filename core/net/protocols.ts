// The protocol adaptation layer: semantic operations mapped to network operations.
import { DOMAIN_NAME } from '../common/schema.ts'

// announce → gossip on one topic per semantic domain (narrowcast); fetch/range/challenge/task → versioned streams.

export const PROTOCOL_VERSION = '1.0.0'

/** Request/response stream protocols, `/hearth/<name>/<version>`. */
export const StreamProtocols = {
  /** Pull a log entry's body by its hash from any holder. */
  fetch: `/hearth/fetch/${PROTOCOL_VERSION}`,
  /** Gap fill: an author's headers in a seq range. */
  range: `/hearth/range/${PROTOCOL_VERSION}`,
  /** Topic peer exchange: which of a domain's subscribers a neighbour knows (rendezvous without the DHT). */
  topicPeers: `/hearth/topic-peers/${PROTOCOL_VERSION}`,
  /** T2: sign a fresh nonce to prove liveness of the agent key. */
  challenge: `/hearth/challenge/${PROTOCOL_VERSION}`,
  /** Stackelberg task rounds: request → offer, award → result, probe, cancel, receipt co-signing (docs/protocol.md §7.4). */
  task: `/hearth/task/${PROTOCOL_VERSION}`
} as const

const TOPIC_PREFIX = 'hearth/announce/'

/** The gossip topic that carries announcements for one semantic domain. */
export function announceTopic (domain: string): string {
  if (!DOMAIN_NAME.test(domain) || domain === BROADCAST_DOMAIN) throw new Error(`not a semantic domain name: ${domain}`)
  return `${TOPIC_PREFIX}${domain}/${PROTOCOL_VERSION}`
}

/** The domain an announce topic carries, or undefined if it is not one of ours. */
export function domainOfTopic (topic: string): string | undefined {
  if (!topic.startsWith(TOPIC_PREFIX) || !topic.endsWith(`/${PROTOCOL_VERSION}`)) return undefined
  const domain = topic.slice(TOPIC_PREFIX.length, -(PROTOCOL_VERSION.length + 1))
  return DOMAIN_NAME.test(domain) ? domain : undefined
}

/** One global topic, used only by the full-body broadcast baseline the testnet compares against; no domain has its name. */
export const BROADCAST_DOMAIN = 'all'
export const BROADCAST_TOPIC = `hearth/broadcast/${PROTOCOL_VERSION}`

/** The gossip topic a domain's subscribers meet on: its announce topic, or the baseline's global topic for BROADCAST_DOMAIN. */
export function gossipTopic (domain: string): string {
  return domain === BROADCAST_DOMAIN ? BROADCAST_TOPIC : announceTopic(domain)
}

/** The DHT key prefix under which agents publish their BAID bundle, keyed by PeerId. */
export const DHT_BAID_PREFIX = 'hearth-baid'

export function dhtBaidKey (peerId: string): Uint8Array {
  return new TextEncoder().encode(`/${DHT_BAID_PREFIX}/${peerId}`)
}
