import { describe, expect, it } from 'vitest'
import { encode } from '../../core/common/codec.ts'
import { decodeDescriptor, encodeDescriptor } from '../../core/discovery/descriptor.ts'
import { OwnLog } from '../../core/discovery/author-log.ts'
import { signEntry } from '../../core/discovery/log-entry.ts'
import { publicKeyOf, generateSeed } from '../../core/identity/ed25519.ts'
import { peerIdOf } from '../../core/identity/ids.ts'
import { serve } from '../../core/net/frames.ts'
import { announceTopic, StreamProtocols } from '../../core/net/protocols.ts'
import { sha256 } from '../../core/common/hash.ts'
import { gossipNodes, meshPeers, type GossipNode } from '../helpers/gossip-node.ts'
import { makeDescriptor, type Topic } from '../helpers/descriptors.ts'
import { eventually } from '../helpers/peers.ts'
import { testSigner } from '../helpers/identity.ts'
import { tempDir } from '../helpers/tmp.ts'

// Bodyless gossip between real peers on loopback: headers over gossipsub, bodies pulled by hash, gaps filled by range.

const node = gossipNodes()
const TOPIC = 'code_generation'

/** Seeds for a line of peers where each may connect only to its neighbours, so messages must hop. */
function line (n: number) {
  const seeds = Array.from({ length: n }, () => generateSeed())
  const ids = seeds.map(s => peerIdOf(publicKeyOf(s)))
  const neighbours = (i: number) => new Set([ids[i - 1], ids[i + 1]].filter((x): x is string => x !== undefined))
  return seeds.map((seed, i) => ({ seed, denyPeer: (p: string) => !neighbours(i).has(p) }))
}

async function meshed (nodes: readonly GossipNode[], topic = TOPIC): Promise<void> {
  await eventually(() => nodes.every(n => meshPeers(n.peer, announceTopic(topic)).length > 0), 'gossip meshes', 15_000)
}

describe('bodyless gossip', () => {
  it('delivers an announcement across three hops, each hop pulling the body by hash', async () => {
    const [a, b, c, d] = line(4)
    const na = await node({ ...a!, interests: [TOPIC] })
    const nb = await node({ ...b!, interests: [TOPIC], bootstrap: [na.addr()] })
    const nc = await node({ ...c!, interests: [TOPIC], bootstrap: [nb.addr()] })
    const nd = await node({ ...d!, interests: [TOPIC], bootstrap: [nc.addr()] })
    await meshed([na, nb, nc, nd])
    expect(nd.peer.getPeers().map(String)).toEqual([nc.peer.peerId.toString()])

    const sent = await na.announce(1)
    // Three pulls in a row: on a loaded CI machine one slow hop can take a holder's whole 5 s request timeout.
    await eventually(() => nd.received.some(r => r.id === sent.id), 'the descriptor at the far end', 20_000)
    expect(nd.received.find(r => r.id === sent.id)).toEqual(sent)
    for (const n of [nb, nc, nd]) expect(n.logs.hasBody(sha256(encodeDescriptor(sent)))).toBe(true)
  }, 30_000)

  it('rejects forged and oversized headers, and delivers nothing from them', async () => {
    const honest = await node({ interests: [TOPIC] })
    const rogue = await node({ interests: [TOPIC], bootstrap: [honest.addr()] })
    await meshed([honest, rogue])
    const topic = announceTopic(TOPIC)
    const body = encodeDescriptor(makeDescriptor(7, { topic: TOPIC }))
    const victim = testSigner()
    const forged = signEntry({ seq: 1, prev: null, ts: Date.now(), kind: 'descriptor', bodyHash: sha256(body), bodySize: body.byteLength, topics: [TOPIC], tp: [0], keywords: [] }, victim)
    // The rogue signs the header bytes with its own key but claims the victim as author: flip the signer in the frame.
    const tampered = forged.bytes.slice()
    tampered[tampered.length - 70]! ^= 0xff
    await rogue.peer.services.pubsub.publish(topic, tampered)
    await rogue.peer.services.pubsub.publish(topic, new Uint8Array(2048).fill(7))
    await eventually(() => honest.verdicts.filter(v => v.verdict.verdict === 'invalid').length >= 2, 'two invalid verdicts')
    expect(honest.verdicts.filter(v => v.verdict.verdict === 'invalid').map(v => (v.verdict as { error: Error }).error.name).sort())
      .toEqual(['InvalidSignatureError', 'MessageTooLargeError'])
    expect(honest.received).toEqual([])
  })

  it('catches a holder serving the wrong body for a hash and pulls from the next holder', async () => {
    const author = await node({ interests: [TOPIC] })
    // The liar relays headers like anyone, but answers every body request with junk.
    const liar = await node({ interests: [TOPIC], bootstrap: [author.addr()] })
    let liesTold = 0
    await liar.peer.unhandle(StreamProtocols.fetch)
    await serve(liar.peer, StreamProtocols.fetch, { maxRequestBytes: 64, maxResponseBytes: 70_000, timeoutMs: 5_000 }, async () => {
      liesTold++
      return encode({ b: new Uint8Array(3000).fill(1) })
    })
    // Until the announcement, the receiver may reach the author only through the liar, so the liar is asked first.
    const authorId = author.peer.peerId.toString()
    let authorReachable = false
    const receiver = await node({ interests: [TOPIC], bootstrap: [liar.addr()], denyPeer: p => p === authorId && !authorReachable })
    await meshed([author, liar, receiver])
    expect(receiver.peer.getPeers().map(String)).not.toContain(authorId)
    receiver.peer.peerStore.merge(author.peer.peerId, { multiaddrs: author.peer.getMultiaddrs() })

    authorReachable = true
    const sent = await author.announce(3)
    await eventually(() => receiver.received.length === 1, 'the right body at the receiver')
    expect(receiver.received[0]).toEqual(sent)
    expect(liesTold).toBeGreaterThanOrEqual(1)
  }, 30_000)

  it('lets a restarted node catch up by gap fill', async () => {
    const [a, b] = line(2)
    const announcer = await node({ ...a!, interests: [TOPIC] })
    const dbPath = `${tempDir()}/hearth.sqlite`
    let listener = await node({ ...b!, interests: [TOPIC], bootstrap: [announcer.addr()], dbPath })
    await meshed([announcer, listener])
    const first = await announcer.announce(10)
    await eventually(() => listener.received.length === 1, 'the first announcement')

    await listener.stop()
    const missed = [await announcer.announce(11), await announcer.announce(12)]
    listener = await node({ ...b!, interests: [TOPIC], bootstrap: [announcer.addr()], dbPath })
    // A rejoining peer sits out gossipsub's prune backoff, but the announcer still publishes to every subscriber.
    const rejoined = listener.peer.peerId
    await eventually(() => announcer.peer.services.pubsub.getSubscribers(announceTopic(TOPIC)).some(p => p.equals(rejoined)), 'the listener to resubscribe')
    const latest = await announcer.announce(13)
    await eventually(() => listener.received.length === 3, 'the missed and the latest announcements')
    expect(listener.received.map(r => r.id).sort()).toEqual([...missed, latest].map(r => r.id).sort())
    expect(listener.logs.highWater(announcer.signer.publicKey)).toEqual({ contiguousSeq: 4, maxSeq: 4 })
    expect(first.id).not.toBe(latest.id)
  }, 30_000)

  it('tells a node that joins late what was announced on its topic before, through the first subscriber it meets', async () => {
    const [a, b, c] = line(3)
    const announcer = await node({ ...a!, interests: [TOPIC] })
    const relay = await node({ ...b!, interests: [TOPIC], bootstrap: [announcer.addr()] })
    await meshed([announcer, relay])
    const before = [await announcer.announce(30), await announcer.announce(31)]
    await eventually(() => relay.received.length === 2, 'the announcements at the relay')

    // The latecomer may only talk to the relay, and nothing new is announced: only a catch-up can tell it.
    const late = await node({ ...c!, interests: [TOPIC], bootstrap: [relay.addr()] })
    await eventually(() => late.received.length === 2, 'the earlier announcements at the latecomer', 15_000)
    expect(late.received.map(r => r.id).sort()).toEqual(before.map(r => r.id).sort())
    expect(late.logs.highWater(announcer.signer.publicKey)).toEqual({ contiguousSeq: 2, maxSeq: 2 })
  }, 30_000)

  it('closes a gap left by an entry on another topic with its header alone, and never pulls that body', async () => {
    const announcer = await node({ interests: [TOPIC, 'data_analysis'] })
    const listener = await node({ interests: [TOPIC], bootstrap: [announcer.addr()] })
    await meshed([announcer, listener])
    const elsewhere = await announcer.announce(20, 'data_analysis')
    const here = await announcer.announce(21, TOPIC)
    await eventually(() => listener.received.length === 1, 'the announcement on the followed topic')
    await eventually(() => listener.logs.highWater(announcer.signer.publicKey).contiguousSeq === 2, 'the gap to close')
    expect(listener.received.map(r => r.id)).toEqual([here.id])
    // The other topic's entry is held as a header, its body is not ours to fetch.
    const missing = listener.logs.missingBodies()
    expect(missing.map(m => m.topics)).toEqual([['data_analysis']])
    expect(elsewhere.topics).toEqual(['data_analysis'])
  }, 30_000)

  it('fills a missed entry on a followed topic at once, and leaves the author\'s other topics\' entries for a quiet moment', async () => {
    const announcer = await node({ interests: [TOPIC, 'data_analysis'] })
    // Never quiet: the gaps that hide no entry on its topics wait their longest, and what it fills shows in its log.
    let skew = 0
    const listener = await node({ interests: [TOPIC], bootstrap: [announcer.addr()], authorBudget: { loadedPulls: 0 }, now: () => Date.now() + skew })
    await meshed([announcer, listener])
    const first = await announcer.announce(50)
    await eventually(() => listener.received.length === 1, 'the first announcement')
    // Written to the announcer's log but never gossiped: the listener can learn of them only through a gap.
    const unsent = (i: number, topic: Topic) => {
      const body = encodeDescriptor(makeDescriptor(i, { agent: announcer.signer.publicKey, topic }))
      new OwnLog(announcer.logs).append('descriptor', body, { topics: [topic], keywords: [] }, announcer.signer)
      return decodeDescriptor(body)
    }
    const missed = unsent(51, TOPIC)
    unsent(52, 'data_analysis')
    const latest = await announcer.announce(53)
    await eventually(() => listener.received.length === 3, 'the missed and the latest announcements')
    expect(listener.received.map(r => r.id).sort()).toEqual([first, missed, latest].map(r => r.id).sort())
    await new Promise(resolve => setTimeout(resolve, 4_500)) // two backfill rounds
    expect(listener.logs.highWater(announcer.signer.publicKey)).toEqual({ contiguousSeq: 2, maxSeq: 4 })
    expect(listener.logs.knows(announcer.signer.publicKey, 3)).toBe(false)
    // A load that never passes does not keep the log open for good: after a minute the gap is filled anyway.
    skew = 61_000
    await eventually(() => listener.logs.highWater(announcer.signer.publicKey).contiguousSeq === 4, 'the gap to close after waiting its longest')
    expect(listener.received).toHaveLength(3)
  }, 30_000)

  it('brings the author\'s BAID entry with the body it pulls for a peer that cannot check the author yet', async () => {
    const [a, b, c] = line(3)
    const author = await node({ ...a!, interests: [TOPIC, 'data_analysis'] })
    const relay = await node({ ...b!, interests: [TOPIC, 'data_analysis'], bootstrap: [author.addr()] })
    await meshed([author, relay])
    await meshed([author, relay], 'data_analysis')
    // The BAID goes out on a topic the newcomer does not follow: gossip and gap fills never bring it that body.
    await author.announceBaid(new Uint8Array(600).fill(9), ['data_analysis'])
    await eventually(() => relay.baids.length === 1, 'the BAID at the relay')
    const authorKey = Buffer.from(author.signer.publicKey).toString('hex')
    const newcomer = await node({ ...c!, interests: [TOPIC], bootstrap: [relay.addr()], checksAuthors: true })
    await meshed([relay, newcomer])

    const sent = await author.announce(40, TOPIC)
    await eventually(() => newcomer.received.length === 1, 'the descriptor at the newcomer')
    expect(newcomer.received[0]).toEqual(sent)
    // Kept before the descriptor it vouches for was handed on.
    expect(newcomer.baids).toEqual([authorKey])
    expect(newcomer.logs.latest(author.signer.publicKey, 'baid')?.entry.topics).toEqual(['data_analysis'])
  }, 30_000)

  it('takes a body it keeps elsewhere (a receipt behind a rating) from there, and pulls one that does not fit the header', async () => {
    const author = await node({ interests: [TOPIC] })
    const receiver = await node({ interests: [TOPIC], bootstrap: [author.addr()] })
    await meshed([author, receiver])
    const body = (fill: number): Uint8Array => new Uint8Array(600).fill(fill)
    const keyOf = (bytes: Uint8Array): string => Buffer.from(sha256(bytes)).toString('hex')
    receiver.keptElsewhere.set(keyOf(body(1)), body(1))
    // Kept under the hash of another body: those bytes do not fit that header, so that body is pulled from its author.
    receiver.keptElsewhere.set(keyOf(body(2)), body(3))

    await author.announceBaid(body(1), [TOPIC])
    await eventually(() => receiver.sources.length === 1, 'the first entry')
    await author.announceBaid(body(2), [TOPIC])
    await eventually(() => receiver.sources.length === 2, 'the second entry')
    expect(receiver.sources).toEqual(['here', author.peer.peerId.toString()])
    expect(receiver.logs.body(sha256(body(1)))).toEqual(body(1))
    expect(receiver.logs.body(sha256(body(2)))).toEqual(body(2))
  }, 30_000)

  it('records equivocation — two signed entries for one seq — as a fraud proof', async () => {
    const cheat = await node({ interests: [TOPIC] })
    const watcher = await node({ interests: [TOPIC], bootstrap: [cheat.addr()] })
    await meshed([cheat, watcher])
    const topic = announceTopic(TOPIC)
    const entryFor = (i: number) => {
      const body = encodeDescriptor(makeDescriptor(i, { agent: cheat.signer.publicKey, topic: TOPIC }))
      return signEntry({ seq: 1, prev: null, ts: Date.now(), kind: 'descriptor', bodyHash: sha256(body), bodySize: body.byteLength, topics: [TOPIC], tp: [0], keywords: [] }, cheat.signer)
    }
    await cheat.peer.services.pubsub.publish(topic, entryFor(1).bytes)
    await eventually(() => watcher.logs.highWater(cheat.signer.publicKey).maxSeq === 1, 'the first entry')
    await cheat.peer.services.pubsub.publish(topic, entryFor(2).bytes)
    await eventually(() => watcher.logs.fraudProofs(cheat.signer.publicKey).length === 1, 'a fraud proof')
    expect(watcher.verdicts.some(v => v.verdict.verdict === 'equivocation')).toBe(true)
  })
})
