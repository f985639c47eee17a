import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// Soft state end to end: descriptors live for their TTL, stay alive by header-only refreshes, and vanish when those stop.

const samples = JSON.parse(readFileSync(new URL('../../resources/sample-capabilities.json', import.meta.url), 'utf8')) as unknown[]
const hosts: Host[] = []
afterEach(async () => { await Promise.all(hosts.splice(0).map(h => h.stop())) })

async function agent (capabilities: unknown[] = []): Promise<Host> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ capabilities }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })
  hosts.push(host)
  await host.identity.create(host.digests())
  await host.start()
  return host
}

describe('capability descriptors as soft state', () => {
  it('stay discoverable through header-only refreshes and expire once the announcer is gone', async () => {
    const provider = await agent(samples)
    const seeker = await agent()
    const TTL = 2_000
    const p = await provider.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, ttlMs: TTL })
    const s = await seeker.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, ttlMs: TTL, bootstrap: [p.peer.getMultiaddrs()[0]!.toString()] })
    const find = async () => (await s.discovery.discover('summary statistics for a csv table')).map(c => c.descriptor.id)

    await eventually(async () => (await find()).includes('csv-summary'), 'the descriptor at the seeker', 20_000)
    const author = provider.identity.chain().head.record.agent
    const seqAtFirstSight = s.discovery.logs.highWater(author).maxSeq

    // Three TTLs later it is still there, carried by refresh headers that name bodies the seeker already holds.
    await new Promise(resolve => setTimeout(resolve, 3 * TTL))
    expect(await find()).toContain('csv-summary')
    expect(s.discovery.logs.highWater(author).maxSeq).toBeGreaterThan(seqAtFirstSight + 3)
    expect(s.discovery.logs.missingBodies({ author })).toEqual([])

    await provider.stop()
    await eventually(async () => !(await find()).includes('csv-summary'), 'the descriptor to expire', 3 * TTL)
  }, 60_000)
})
