import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createHost } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { tempDir } from '../helpers/tmp.ts'

const open = (dataDir: string) => createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })

describe('host start-up', () => {
  it('issues a new BAID version when the agent\'s config changes, and only then', async () => {
    const dataDir = tempDir()
    const first = await open(dataDir)
    const created = await first.identity.create(first.digests())
    expect((await first.start()).reissued).toBeUndefined()
    await first.stop()
    await first.stop() // stopping twice is harmless

    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ model: 'llama3.2:3b' }))
    const second = await open(dataDir)
    const started = await second.start()
    expect(started.reissued).toBe('config')
    expect(started.identity).toMatchObject({ baidId: created.baidId, peerId: created.peerId, baidVersion: 2 })
    expect(started.identity.configDigest).not.toBe(created.configDigest)
    await second.stop()

    const third = await open(dataDir)
    expect((await third.start()).reissued).toBeUndefined()
    expect(third.identity.info().baidVersion).toBe(2)
    await third.stop()
  })

  it('issues a new version when the running code differs from what the record commits to', async () => {
    const dataDir = tempDir()
    const host = await open(dataDir)
    await host.identity.create({ ...host.digests(), codeDigest: new Uint8Array(32) })
    expect((await host.start()).reissued).toBe('code')
    expect(host.identity.info().codeDigest).toBe(Buffer.from(host.digests().codeDigest).toString('hex'))
    await host.stop()
  })

  it('rejects a broken config.json with a clear error', async () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'config.json'), '{ not json')
    const host = await open(dataDir)
    expect(() => host.digests()).toThrow(/config.json/)
    await host.stop()
  })
})
