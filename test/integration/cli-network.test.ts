import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'
import { daemons } from '../helpers/daemon.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// Two real daemons over real TCP: one offers the sample capabilities, the other finds them by intent.

const daemon = daemons()
const ENV = { HEARTH_PASSPHRASE: 'testnet passphrase' }
const samples = JSON.parse(readFileSync(new URL('../../resources/sample-capabilities.json', import.meta.url), 'utf8')) as unknown[]

async function agentDir (capabilities: unknown[] = []): Promise<string> {
  const dir = tempDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ capabilities }))
  const created = await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'], ENV)
  expect(created.code).toBe(0)
  return dir
}

describe('hearth daemon, peers, announce, discover', () => {
  it('finds a peer\'s capability by intent across the network, best match first', async () => {
    const providerDir = await agentDir(samples)
    const seekerDir = await agentDir()
    const provider = await daemon(['--data-dir', providerDir, '--listen', '/ip4/127.0.0.1/tcp/0'], ENV)
    const seeker = await daemon(['--data-dir', seekerDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', provider.ready.addrs[0]!], ENV)

    const peers = await hearth(['--data-dir', seekerDir, 'peers', '--json'])
    expect(peers.json.peers.map((p: { peerId: string }) => p.peerId)).toContain(provider.ready.peerId)

    let found: any
    await eventually(async () => {
      found = (await hearth(['--data-dir', seekerDir, 'discover', 'review my code for security vulnerabilities', '--json'])).json
      return found?.candidates?.length > 0
    }, 'the provider\'s capabilities at the seeker', 30_000)
    expect(found.candidates[0]).toMatchObject({ peerId: provider.ready.peerId, capability: 'security-review' })

    const cheap = await hearth(['--data-dir', seekerDir, 'discover', 'review my code for security vulnerabilities', '--max-price', '1', '--json'])
    expect(cheap.json.candidates.map((c: { capability: string }) => c.capability)).not.toContain('security-review')

    const announced = await hearth(['--data-dir', providerDir, 'announce', '--json'])
    expect(announced.json.announced).toEqual(['security-review', 'csv-summary', 'python-function'])
    expect(seeker.ready.peerId).not.toBe(provider.ready.peerId)
  }, 90_000)

  it('says clearly when no daemon is running', async () => {
    const dir = tempDir()
    const r = await hearth(['--data-dir', dir, 'peers', '--json'])
    expect(r.code).toBe(1)
    expect(r.json.error.name).toBe('DaemonNotRunningError')
    expect(r.stderr).toContain('hearth daemon')
  })
})
