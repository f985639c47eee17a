import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { afterEach } from 'vitest'
import { OwnLog } from '../../core/discovery/author-log.ts'
import { decodeDescriptor, encodeDescriptor, type CapabilityDescriptor } from '../../core/discovery/descriptor.ts'
import { BodylessGossip, type AuthorBudget, type GossipMode } from '../../core/discovery/gossip.ts'
import { LogStore, type IngestVerdict } from '../../core/discovery/log-store.ts'
import { generateSeed } from '../../core/identity/ed25519.ts'
import { migrations } from '../../core/migrations.ts'
import { createPeer, type HearthPeer, type PeerInit } from '../../core/net/peer.ts'
import { closeDatabase, openDatabase, type Database } from '../../core/store/database.ts'
import { makeDescriptor, type Topic } from './descriptors.ts'
import { testSigner } from './identity.ts'
import { ALL_TOPICS } from './peers.ts'
import { tempDir } from './tmp.ts'

// A whole announcing agent for network tests: its key, its log in a real SQLite file, its libp2p peer, its gossip.

export interface GossipNode {
  readonly peer: HearthPeer
  readonly logs: LogStore
  readonly gossip: BodylessGossip
  readonly received: CapabilityDescriptor[]
  /** Authors whose BAID entry arrived here with its body. */
  readonly baids: string[]
  readonly verdicts: Array<{ verdict: IngestVerdict, from: PeerId }>
  /** Who served each delivered entry's body (its PeerId text), or 'here' when it was held already. */
  readonly sources: string[]
  /** Bodies this node keeps outside its logs, by hex hash (as the reputation plane keeps receipts): gossip's `heldBody`. */
  readonly keptElsewhere: Map<string, Uint8Array>
  readonly signer: ReturnType<typeof testSigner>
  announce (i: number, topic?: string): Promise<CapabilityDescriptor>
  /** A BAID entry (its body opaque here) on these topics. */
  announceBaid (body: Uint8Array, topics: readonly string[]): Promise<void>
  addr (): string
  stop (): Promise<void>
}

export interface GossipNodeOptions extends Partial<PeerInit> {
  readonly interests: readonly string[]
  readonly mode?: GossipMode
  readonly seed?: Uint8Array
  readonly dbPath?: string
  /** An author is unknown here until its BAID entry arrived, as to the discovery service (which checks entries against BAIDs). */
  readonly checksAuthors?: boolean
  readonly authorBudget?: Partial<AuthorBudget>
  readonly now?: () => number
}

export function gossipNodes () {
  const live: GossipNode[] = []
  afterEach(async () => { await Promise.all(live.splice(0).map(n => n.stop())) })

  return async (options: GossipNodeOptions): Promise<GossipNode> => {
    const seed = options.seed ?? generateSeed()
    const signer = testSigner(seed)
    const db: Database = openDatabase(options.dbPath ?? `${tempDir()}/hearth.sqlite`, migrations)
    const logs = new LogStore(db)
    const own = new OwnLog(logs)
    const peer = await createPeer({
      privateKey: await generateKeyPairFromSeed('Ed25519', seed),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      topics: ALL_TOPICS,
      colocationWhitelist: ['127.0.0.1'],
      dhtServer: true,
      ...options
    })
    const received: CapabilityDescriptor[] = []
    const baids: string[] = []
    const verdicts: GossipNode['verdicts'] = []
    const sources: string[] = []
    const keptElsewhere = new Map<string, Uint8Array>()
    const gossip = new BodylessGossip({ peer, logs }, {
      interests: options.interests,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.authorBudget === undefined ? {} : { authorBudget: options.authorBudget }),
      ...(options.now === undefined ? {} : { now: options.now }),
      onEntry: (signed, body, from) => {
        sources.push(from?.toString() ?? 'here')
        if (signed.entry.kind === 'descriptor') received.push(decodeDescriptor(body))
        if (signed.entry.kind === 'baid') baids.push(Buffer.from(signed.entry.author).toString('hex'))
      },
      ...(options.checksAuthors === true ? { lacksAuthor: (author: Uint8Array) => !baids.includes(Buffer.from(author).toString('hex')) } : {}),
      onVerdict: (verdict, from) => verdicts.push({ verdict, from }),
      heldBody: hash => keptElsewhere.get(Buffer.from(hash).toString('hex'))
    })
    await gossip.start()
    let stopped = false
    const node: GossipNode = {
      peer, logs, gossip, received, baids, verdicts, sources, keptElsewhere, signer,
      async announce (i, topic = options.interests[0]) {
        const descriptor = makeDescriptor(i, { agent: signer.publicKey, ...(topic === undefined ? {} : { topic: topic as Topic }) })
        const body = encodeDescriptor(descriptor)
        const signed = own.append('descriptor', body, { topics: descriptor.topics, keywords: descriptor.tags.slice(0, 8).map(t => t.replace(/[^a-z0-9_-]/g, '').slice(0, 32)).filter(Boolean) }, signer)
        await gossip.publish(signed, body)
        return descriptor
      },
      async announceBaid (body, topics) {
        await gossip.publish(own.append('baid', body, { topics: [...topics], keywords: [] }, signer), body)
      },
      addr: () => peer.getMultiaddrs()[0]!.toString(),
      async stop () {
        if (stopped) return
        stopped = true
        await gossip.stop()
        await peer.stop()
        closeDatabase(db)
      }
    }
    live.push(node)
    return node
  }
}

/** gossipsub's mesh for a topic (not on its public interface, but what delivery depends on). */
export function meshPeers (peer: HearthPeer, topic: string): PeerId[] {
  return (peer.services.pubsub as unknown as { getMeshPeers (t: string): PeerId[] }).getMeshPeers(topic)
}
