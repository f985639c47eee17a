import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHost, type Host, type Network } from '../../core/host.ts'
import { genesisHashOf, hex } from '../../core/identity/ids.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { gossipScore as scoreInGossip, SCORE_THRESHOLDS } from '../../core/net/gossip-config.ts'
import { sealReceipt } from '../../core/reputation/receipt.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// Reputation across the network: a requester's co-signed receipt becomes a gossiped rating that a third agent weighs,
// forged ratings count for nothing, and a block takes a peer out of discovery and out of gossip.

const TOPIC = 'data_analysis'
const INTENT = 'summary statistics for a csv table'
const csvSummary = (JSON.parse(readFileSync(new URL('../../resources/sample-capabilities.json', import.meta.url), 'utf8')) as Array<{ id: string }>)
  .filter(c => c.id === 'csv-summary')

const hosts: Host[] = []

async function agent (config: Record<string, unknown>): Promise<Host> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify(config))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })
  hosts.push(host)
  await host.identity.create(host.digests())
  await host.start()
  return host
}

const sum = (parts: ReadonlyArray<{ amount: number }>): number => parts.reduce((a, p) => a + p.amount, 0)
const gossipScore = (net: Network, peerId: string): number => scoreInGossip(net.peer.services.pubsub, peerId)
const lists = async (net: Network, id: string): Promise<boolean> => (await net.discovery.discover(INTENT)).some(c => c.descriptor.id === id)

let provider: Host, requester: Host, observer: Host
let p: Network, r: Network, o: Network
let providerBaid: Uint8Array
const ignored: Array<{ author: Uint8Array, reason: string }> = []

beforeAll(async () => {
  provider = await agent({ capabilities: csvSummary, interests: [TOPIC] })
  requester = await agent({ interests: [TOPIC] })
  observer = await agent({ interests: [TOPIC, 'code_generation'] })
  observer.reputation.events.on('rating:ignored', e => ignored.push(e))
  providerBaid = genesisHashOf(provider.identity.info().baidId)
  const listen = ['/ip4/127.0.0.1/tcp/0']
  p = await provider.connect({ listen, mdns: false, dhtServer: true })
  const bootstrap = [p.peer.getMultiaddrs()[0]!.toString()]
  r = await requester.connect({ listen, mdns: false, dhtServer: true, bootstrap })
  o = await observer.connect({ listen, mdns: false, dhtServer: true, bootstrap })
  // Both have verified the provider's BAID and descriptor (T1) once it is discoverable.
  await eventually(() => lists(r, 'csv-summary'), 'the provider\'s capability at the requester', 30_000)
  await eventually(() => lists(o, 'csv-summary'), 'the provider\'s capability at the observer', 30_000)
}, 90_000)

afterAll(async () => { await Promise.all(hosts.splice(0).map(h => h.stop())) })

describe('reputation over the network', () => {
  it('carries a requester\'s receipt-backed rating to an observer who trusts the requester, with its breakdown', async () => {
    const requesterId = requester.identity.info().baidId
    observer.reputation.addContact(genesisHashOf(requesterId))
    expect(observer.reputation.store.ratingCount(TOPIC)).toBe(0)

    const receipt = sealReceipt({ task: 'csv-1', topic: TOPIC, satisfied: true }, await requester.identity.agentSigner(), await provider.identity.agentSigner())
    const recorded = await r.recordReceipt(receipt)
    expect(recorded).toMatchObject({ topic: TOPIC, satisfied: true, added: true })
    expect(requester.reputation.store.ratingCount(TOPIC)).toBe(1)

    // The rating may arrive before the requester's BAID (which the observer missed): it waits for it, then counts.
    await eventually(() => observer.reputation.store.ratingCount(TOPIC) === 1, 'the rating at the observer', 30_000)
    const view = observer.reputation.show(providerBaid, TOPIC)
    expect(view).toMatchObject({ contact: false, blocked: false, slashed: false })
    const topic = view.topics[0]!
    expect(topic).toMatchObject({ topic: TOPIC, standing: 'selectable' })
    expect(topic.score).toBeGreaterThan(0)
    expect(topic.relative).toBeGreaterThan(0)
    expect(topic.parts).toContainEqual(expect.objectContaining({ kind: 'rating', from: requesterId, satisfied: 1, unsatisfied: 0 }))
    expect(sum(topic.parts)).toBeCloseTo(topic.score, 12)
    // The same receipt recorded again is not gossiped twice.
    expect((await r.recordReceipt(receipt)).added).toBe(false)
    expect(ignored).toEqual([])
  }, 60_000)

  it('ignores a rating entry whose body is not a co-signed receipt', async () => {
    const author = requester.identity.chain().head.record.agent
    await r.discovery.publishRating(new TextEncoder().encode('five stars, would hire again'), TOPIC)
    await eventually(() => ignored.some(e => hex(e.author) === hex(author)), 'the observer to ignore the forged rating', 30_000)
    expect(ignored.find(e => hex(e.author) === hex(author))!.reason).toMatch(/co-signed receipt/)
    expect(observer.reputation.store.ratingCount(TOPIC)).toBe(1)
    expect(observer.reputation.store.ratingCount()).toBe(1)
  }, 45_000)

  it('leaves a blocked peer out of discovery, graylists it in gossip and cuts it off, until it is unblocked', async () => {
    const providerPeerId = provider.identity.info().peerId
    expect(gossipScore(o, providerPeerId)).toBeGreaterThan(SCORE_THRESHOLDS.graylistThreshold)

    expect(observer.reputation.block(providerBaid)).toBe(true)
    expect(await lists(o, 'csv-summary')).toBe(false)
    expect(observer.reputation.show(providerBaid, TOPIC).topics[0]).toMatchObject({ standing: 'blocked' })
    await eventually(() => gossipScore(o, providerPeerId) < SCORE_THRESHOLDS.graylistThreshold, 'the provider\'s gossip score below the graylist', 20_000)
    // Cut off, and refused when either side dials again.
    await eventually(() => !o.peer.getPeers().some(id => id.toString() === providerPeerId), 'the blocked provider cut off', 10_000)
    await p.peer.dial(o.peer.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(o.peer.getPeers().map(String)).not.toContain(providerPeerId)
    // Only the observer blocked it: the requester still finds it.
    expect(await lists(r, 'csv-summary')).toBe(true)

    expect(observer.reputation.unblock(providerBaid)).toBe(true)
    expect(await lists(o, 'csv-summary')).toBe(true)
    await eventually(() => gossipScore(o, providerPeerId) > SCORE_THRESHOLDS.graylistThreshold, 'the provider\'s gossip score to recover', 20_000)
    await o.peer.dial(p.peer.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) })
    expect(o.peer.getPeers().map(String)).toContain(providerPeerId)
  }, 60_000)
})
