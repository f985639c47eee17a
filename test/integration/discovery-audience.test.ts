import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { serve } from '../../core/net/frames.ts'
import { announceTopic, StreamProtocols } from '../../core/net/protocols.ts'
import { decodeTopicPeersRequest } from '../../core/net/rendezvous.ts'
import { encode } from '../../core/common/codec.ts'
import { networkAgent, type NetworkAgent } from '../helpers/agents.ts'
import { agentDescriptor } from '../helpers/descriptors.ts'
import { eventually } from '../helpers/peers.ts'

// A peer keeps a subscriber of every built-in topic it does not follow met, so announcing there never waits to find an audience.

const started: NetworkAgent[] = []
afterEach(async () => { await Promise.all(started.splice(0).map(a => a.host.stop())) })

describe('audiences for topics a peer does not follow', () => {
  it('are met before the first announcement there, which then reaches a subscriber the peer never dialled itself', async () => {
    const hub = await networkAgent({ interests: ['code_generation'] }, [], started)
    const bootstrap = [hub.net.peer.getMultiaddrs()[0]!.toString()]
    // Desktops are DHT clients: only the hub serves it, so nobody meets everyone through the DHT's own upkeep.
    const listener = await networkAgent({ interests: ['data_analysis'] }, bootstrap, started, { dhtServer: false })
    const publisher = await networkAgent({ interests: ['code_generation'] }, bootstrap, started, { dhtServer: false })
    const p = publisher.net
    const l = listener.net

    // Nothing announced on data_analysis yet: the hub's topic-peer exchange names the listener, and the publisher meets it.
    await eventually(() => p.peer.services.pubsub.getSubscribers(announceTopic('data_analysis')).some(id => id.equals(l.peer.peerId)), 'a data_analysis subscriber met', 20_000)

    const head = publisher.host.identity.chain().head.record
    const descriptor = agentDescriptor(publisher.host, 1, 'data_analysis')
    await p.discovery.publish(descriptor)
    const found = async () => (await l.discovery.discover(descriptor.description)).find(c => c.descriptor.id === descriptor.id)
    await eventually(async () => (await found()) !== undefined, 'the announcement at the listener', 20_000)
    expect(Buffer.from((await found())!.descriptor.agent).equals(Buffer.from(head.agent))).toBe(true)
  }, 60_000)

  it('asks neighbours who know no more about a lonely topic less and less often, and again as soon as a new peer connects', async () => {
    // Neighbours that know nobody on any topic, and say so: each answers the real protocol and notes when it was asked about what.
    const asked: Array<{ topic: string, at: number }> = []
    const knowingNobody = async (agent: NetworkAgent): Promise<void> => {
      await agent.net.peer.unhandle(StreamProtocols.topicPeers)
      await serve(agent.net.peer, StreamProtocols.topicPeers, { maxRequestBytes: 128, maxResponseBytes: 1024, timeoutMs: 5_000 }, async req => {
        asked.push({ topic: decodeTopicPeersRequest(req), at: Date.now() })
        return encode({ peers: [] })
      })
    }
    const hub = await networkAgent({ interests: ['code_generation'] }, [], started)
    await knowingNobody(hub)
    const lonely = await networkAgent({ interests: ['creative_writing'] }, [hub.net.peer.getMultiaddrs()[0]!.toString()], started, { dhtServer: false })
    const askedAboutOurTopic = (): number[] => asked.filter(a => a.topic === 'creative_writing').map(a => a.at)

    await sleep(32_000)
    // Every 5 s would be 6 or 7 requests by now: the pause doubles after each meeting that found nobody (5 s, 10 s, 20 s).
    const times = askedAboutOurTopic()
    expect(times.length).toBeGreaterThanOrEqual(2)
    expect(times.length).toBeLessThanOrEqual(4)
    expect(times.at(-1)! - times.at(-2)!).toBeGreaterThanOrEqual(9_000)

    // A new neighbour may know subscribers the others did not: the lonely peer asks its neighbours (the hub among them) at once.
    const before = askedAboutOurTopic().length
    await networkAgent({ interests: ['code_review_security'] }, [lonely.net.peer.getMultiaddrs()[0]!.toString()], started, { dhtServer: false })
    await eventually(() => askedAboutOurTopic().length > before, 'the lonely topic asked about again after a new connection', 4_000)
  }, 60_000)
})
