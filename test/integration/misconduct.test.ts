import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { createHost, type Host } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { announceTopic } from '../../core/net/protocols.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// First-hand misconduct between two real agents: a peer that sends what no honest peer sends is shunned, and refused when
// it dials again.

const TOPIC = 'data_analysis'
const hosts: Host[] = []

async function agent (): Promise<Host> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ interests: [TOPIC] }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })
  hosts.push(host)
  await host.identity.create(host.digests())
  await host.start()
  return host
}

afterAll(async () => { await Promise.all(hosts.splice(0).map(h => h.stop())) })

it('shuns a peer that floods it with junk gossip, and refuses it when it dials again', async () => {
  const honest = await agent()
  const rude = await agent()
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const h = await honest.connect({ listen, mdns: false })
  const r = await rude.connect({ listen, mdns: false, bootstrap: [h.peer.getMultiaddrs()[0]!.toString()] })
  const rudeId = r.peer.peerId.toString()
  const topic = announceTopic(TOPIC)
  await eventually(() => r.peer.services.pubsub.getSubscribers(topic).some(p => p.equals(h.peer.peerId)), 'the honest agent on the topic, as the rude one sees it', 15_000)

  // Each is a header that does not decode: no honest peer sends one.
  for (let i = 0; i < 3; i++) await r.peer.services.pubsub.publish(topic, randomBytes(300)).catch(() => undefined)
  await eventually(() => honest.reputation.shuns(rudeId), 'the rude peer shunned', 15_000)
  expect(honest.reputation.conductOf(rudeId).counts['invalid-message']).toBeGreaterThanOrEqual(2)
  await r.peer.hangUp(h.peer.peerId)
  await eventually(() => !h.peer.getPeers().some(p => p.toString() === rudeId), 'the rude peer gone', 10_000)

  // Dialling again, it gets no further than the handshake that names it.
  await r.peer.dial(h.peer.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
  await new Promise(resolve => setTimeout(resolve, 1_000))
  expect(h.peer.getPeers().map(String)).not.toContain(rudeId)
}, 60_000)
