import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { announceTopic } from '../../core/net/protocols.ts'
import { makeDescriptor } from '../helpers/descriptors.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// A peer keeps a subscriber of every known topic it does not follow met, so announcing there never waits to find an audience.

const hosts: Host[] = []
afterEach(async () => { await Promise.all(hosts.splice(0).map(h => h.stop())) })

async function agent (interests: string[]): Promise<Host> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ capabilities: [], interests }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })
  hosts.push(host)
  await host.identity.create(host.digests())
  await host.start()
  return host
}

describe('audiences for topics a peer does not follow', () => {
  it('are met before the first announcement there, which then reaches a subscriber the peer never dialled itself', async () => {
    const hub = await agent(['code_generation'])
    const h = await hub.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true })
    const bootstrap = [h.peer.getMultiaddrs()[0]!.toString()]
    const listener = await agent(['data_analysis'])
    const l = await listener.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap })
    const publisher = await agent(['code_generation'])
    const p = await publisher.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap })

    // Nothing announced on data_analysis yet: the hub's topic-peer exchange names the listener, and the publisher meets it.
    await eventually(() => p.peer.services.pubsub.getSubscribers(announceTopic('data_analysis')).some(id => id.equals(l.peer.peerId)), 'a data_analysis subscriber met', 20_000)

    const head = publisher.identity.chain().head.record
    const info = publisher.identity.info()
    const descriptor = { ...makeDescriptor(1, { agent: head.agent, topic: 'data_analysis' }), baidId: info.baidId, baidVersion: info.baidVersion, configDigest: head.configDigest }
    await p.discovery.publish(descriptor)
    const found = async () => (await l.discovery.discover(descriptor.description)).find(c => c.descriptor.id === descriptor.id)
    await eventually(async () => (await found()) !== undefined, 'the announcement at the listener', 20_000)
    expect(Buffer.from((await found())!.descriptor.agent).equals(Buffer.from(head.agent))).toBe(true)
  }, 60_000)
})
