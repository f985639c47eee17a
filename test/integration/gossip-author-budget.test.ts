import { describe, expect, it } from 'vitest'
import { encodeDescriptor, type CapabilityDescriptor } from '../../core/discovery/descriptor.ts'
import { sha256 } from '../../core/common/hash.ts'
import { announceTopic, StreamProtocols } from '../../core/net/protocols.ts'
import { gossipNodes, meshPeers, type GossipNode } from '../helpers/gossip-node.ts'
import { eventually } from '../helpers/peers.ts'

// Under load, an author that announces far more than others has its bodies wait, so it cannot crowd out everyone else;
// they are pulled once the load has passed. Real peers on loopback; the budget is lowered so a handful of entries shows it.

const node = gossipNodes()
const TOPIC = 'code_generation'
const BUDGET = { perMinute: 2, loadedPulls: 1 }

async function meshed (nodes: readonly GossipNode[]): Promise<void> {
  await eventually(() => nodes.every(n => meshPeers(n.peer, announceTopic(TOPIC)).length >= nodes.length - 1), 'gossip meshes', 15_000)
}

const bodyOf = (d: CapabilityDescriptor): Uint8Array => sha256(encodeDescriptor(d))
const ids = (n: GossipNode): string[] => n.received.map(r => r.id)

describe('author budget', () => {
  it('holds a prolific author\'s bodies past its budget while other pulls load the peer, delivers others\' meanwhile, and pulls the held ones once the load has passed', async () => {
    const prolific = await node({ interests: [TOPIC] })
    const receiver = await node({ interests: [TOPIC], bootstrap: [prolific.addr()], authorBudget: BUDGET })
    const stalled = await node({ interests: [TOPIC], bootstrap: [prolific.addr()] })
    const modest = await node({ interests: [TOPIC], bootstrap: [prolific.addr()] })
    await meshed([prolific, receiver, stalled, modest])
    // The load: a body pull that hangs, because its author (its only holder) never answers one.
    await stalled.peer.unhandle(StreamProtocols.fetch)
    await stalled.peer.handle(StreamProtocols.fetch, () => {})
    const hanging = await stalled.announce(100)
    await eventually(() => receiver.logs.receivedAt(stalled.logs.latest(stalled.signer.publicKey)!.hash) !== undefined, 'the hanging entry\'s header')

    const burst: CapabilityDescriptor[] = []
    for (let i = 0; i < 5; i++) burst.push(await prolific.announce(i))
    const other = await modest.announce(50)
    // Within its budget, the prolific author's first two arrive, and so does the modest author's one.
    await eventually(() => ids(receiver).includes(other.id) && burst.slice(0, 2).every(d => ids(receiver).includes(d.id)), 'the entries within budget')
    // The rest are held as headers without bodies: not pulled, while the hanging pull lasts.
    await eventually(() => receiver.logs.highWater(prolific.signer.publicKey).contiguousSeq === 5, 'the prolific author\'s headers')
    for (const d of burst.slice(2)) {
      expect(ids(receiver)).not.toContain(d.id)
      expect(receiver.logs.hasBody(bodyOf(d))).toBe(false)
    }
    expect(ids(receiver)).not.toContain(hanging.id)

    // The hanging pull gives up (the holder's request timeout, twice); then the held bodies are pulled.
    await eventually(() => burst.every(d => ids(receiver).includes(d.id)), 'the held bodies, once the load has passed', 40_000)
    for (const d of burst) expect(receiver.received.find(r => r.id === d.id)).toEqual(d)
  }, 60_000)

  it('never holds back a lone author\'s burst: without other pulls in flight, all of it arrives at once', async () => {
    const author = await node({ interests: [TOPIC] })
    const receiver = await node({ interests: [TOPIC], bootstrap: [author.addr()], authorBudget: BUDGET })
    await meshed([author, receiver])
    const burst: CapabilityDescriptor[] = []
    for (let i = 0; i < 6; i++) burst.push(await author.announce(i))
    await eventually(() => burst.every(d => ids(receiver).includes(d.id)), 'the whole burst')
  }, 30_000)
})
