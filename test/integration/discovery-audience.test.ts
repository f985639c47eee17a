import { afterEach, describe, expect, it } from 'vitest'
import { announceTopic } from '../../core/net/protocols.ts'
import { networkAgent, type NetworkAgent } from '../helpers/agents.ts'
import { makeDescriptor } from '../helpers/descriptors.ts'
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
    const info = publisher.host.identity.info()
    const descriptor = { ...makeDescriptor(1, { agent: head.agent, topic: 'data_analysis' }), baidId: info.baidId, baidVersion: info.baidVersion, configDigest: head.configDigest }
    await p.discovery.publish(descriptor)
    const found = async () => (await l.discovery.discover(descriptor.description)).find(c => c.descriptor.id === descriptor.id)
    await eventually(async () => (await found()) !== undefined, 'the announcement at the listener', 20_000)
    expect(Buffer.from((await found())!.descriptor.agent).equals(Buffer.from(head.agent))).toBe(true)
  }, 60_000)
})
