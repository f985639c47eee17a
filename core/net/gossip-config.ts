import { createPeerScoreParams, createTopicScoreParams, type PeerScoreParams, type PeerScoreThresholds } from '@libp2p/gossipsub/score'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import { sha256 } from '../common/hash.ts'
import { MAX_FRAME_BYTES } from './limits.ts'

// gossipsub hardened for low-rate, signed announcements: finite decode limits, content-addressed unsigned messages, an allow-list of
// topics, and peer scores that punish invalid messages without punishing a mesh for being quiet.

export interface GossipHardening {
  /** Only these topics may be subscribed to or carried. */
  readonly topics: readonly string[]
  /** Reputation's say in gossip: added to a peer's gossipsub score (neutral 0 until reputation lands). */
  readonly appScore?: (peerId: string) => number
  /** Addresses whose peers share an IP legitimately (loopback testnets), exempt from the colocation penalty. */
  readonly colocationWhitelist?: readonly string[]
}

export const SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 2
}

/** gossipsub's score of a peer (0 for one it has no record of): the implementation scores peers, its interface does not say so. */
export function gossipScore (pubsub: GossipSub, peerId: string): number {
  return (pubsub as unknown as { getScore (peerId: string): number }).getScore(peerId)
}

/** Drop gossipsub's cached scores (it keeps each for a heartbeat), so a changed application score counts from the next RPC. */
export function forgetCachedScores (pubsub: GossipSub): void {
  (pubsub as unknown as { score: { scoreCache: Map<string, unknown> } }).score.scoreCache.clear()
}

/** Whether gossipsub holds a score for a peer at all: it drops a peer's on disconnect if positive then, keeps it if not. */
export function hasGossipScore (pubsub: GossipSub, peerId: string): boolean {
  return (pubsub as unknown as { score: { peerStats: Map<string, unknown> } }).score.peerStats.has(peerId)
}

/** How much reputation's application score counts in a peer's gossipsub score. */
export const APP_SPECIFIC_WEIGHT = 1

export function scoreParams (hardening: GossipHardening): PeerScoreParams {
  const topic = createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    // Announcements are rare: a mesh peer that forwards nothing is not misbehaving, so P3 is off.
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    // A forged, oversized or replayed message costs a lot and decays slowly. One leaves a fresh sender at −76 (−70, and −6 of
    // app score for its 2 misconduct points): under the publish threshold, over the graylist, so its next message is still
    // read and the second offence graylists it in gossip and shuns it in reputation (shunned at 3 points) alike.
    invalidMessageDeliveriesWeight: -70,
    invalidMessageDeliveriesDecay: 0.99
  })
  return createPeerScoreParams({
    topics: Object.fromEntries(hardening.topics.map(t => [t, topic])),
    topicScoreCap: 50,
    appSpecificScore: hardening.appScore ?? (() => 0),
    appSpecificWeight: APP_SPECIFIC_WEIGHT,
    IPColocationFactorWeight: -5,
    IPColocationFactorThreshold: 8,
    IPColocationFactorWhitelist: new Set(hardening.colocationWhitelist ?? []),
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.99
  })
}

/**
 * How long a peer has to deliver a message we asked it for (IWANT) before its promise counts as broken. gossipsub marks
 * the promise kept only once our validator has passed the message, and ours holds a header until its body is pulled:
 * on a loaded network that outlasts gossipsub's 3 s, and honest peers were penalised below the gossip threshold for it.
 */
export const IWANT_FOLLOWUP_MS = 15_000

export function gossipOptions (hardening: GossipHardening): Partial<GossipsubOpts> {
  return {
    // Every Hearth message is a header (or header and body) its author signed, verified by us before use: a gossipsub
    // signature on top would cost a sign per publish and a verify per receipt for nothing. Ids are content hashes, per
    // topic, so the same header announced on two topics travels on both.
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: msg => sha256(new TextEncoder().encode(msg.topic), msg.data),
    allowedTopics: new Set(hardening.topics),
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    // The JS implementation decodes RPCs without limits by default; a single frame is capped instead.
    maxInboundDataLength: MAX_FRAME_BYTES,
    decodeRpcLimits: {
      maxSubscriptions: hardening.topics.length + 8,
      maxMessages: 64,
      maxIhaveMessageIDs: 1000,
      maxIwantMessageIDs: 1000,
      maxIdontwantMessageIDs: 1000,
      maxControlMessages: 64,
      maxPeerInfos: 16
    },
    // A per-peer budget for the subscription table, so one peer cannot exhaust memory with topics.
    maxTopicBytesPerPeer: 4 * 1024 * 1024,
    scoreParams: scoreParams(hardening),
    scoreThresholds: SCORE_THRESHOLDS,
    gossipsubIWantFollowupMs: IWANT_FOLLOWUP_MS,
    doPX: false,
    asyncValidation: false,
    // Tell mesh peers at once that we have a message, however small: a header is held back while its body is pulled,
    // so without this every mesh peer forwards its own copy meanwhile (the default only does it from 512 bytes).
    idontwantMinDataSize: 0
  }
}
