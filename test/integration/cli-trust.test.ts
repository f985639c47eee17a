import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { existsSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createHost } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { hearth, type CliResult } from '../helpers/cli.ts'
import { daemons } from '../helpers/daemon.ts'
import { tempDir } from '../helpers/tmp.ts'

// `hearth trust …` as a person runs it: on the data directory's database with no daemon, and answered by the daemon
// when one runs for that directory.

const daemon = daemons()
const ENV = { HEARTH_PASSPHRASE: 'trust passphrase' }
const TOPIC = 'data_analysis'

/** Another agent: its BAID id, PeerId, and its exported bundle (what `hearth id export` writes). */
async function otherAgent (): Promise<{ baidId: string, peerId: string, bundle: string }> {
  const dataDir = tempDir()
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })
  try {
    const info = await host.identity.create(host.digests())
    const bundle = join(tempDir(), 'peer.baid')
    writeFileSync(bundle, host.identity.exportBundle())
    return { baidId: info.baidId, peerId: info.peerId, bundle }
  } finally {
    await host.stop()
  }
}

/** `--json`: exactly one line of JSON, the last on stdout. */
function jsonOf (r: CliResult): any {
  const lines = r.stdout.trimEnd().split('\n')
  const parses = lines.filter(line => { try { JSON.parse(line); return true } catch { return false } })
  expect(parses).toEqual([lines.at(-1)])
  return r.json
}

async function ok (dir: string, args: readonly string[]): Promise<any> {
  const r = await hearth(['--data-dir', dir, 'trust', ...args, '--json'])
  expect(r.stderr).not.toMatch(/^hearth: /m)
  expect(r.code).toBe(0)
  return jsonOf(r)
}

/** Bad input: exit 1, one clear line on stderr, and the error as the one JSON line. */
async function refused (dir: string, args: readonly string[], message: RegExp): Promise<void> {
  const r = await hearth(['--data-dir', dir, 'trust', ...args, '--json'])
  expect(r.code).toBe(1)
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(/^hearth: /)
  expect(r.stderr).toMatch(message)
  expect(jsonOf(r).error).toMatchObject({ name: 'UsageError', message: expect.stringMatching(message) })
}

describe('hearth trust', () => {
  it('keeps contacts, blocks and thresholds in the data directory when no daemon runs, and explains a score', async () => {
    const dir = tempDir()
    const peer = await otherAgent()
    const named = { baidId: peer.baidId, peerId: peer.peerId }

    // Before their BAID is known here, a PeerId names nobody; their BAID id always works.
    await refused(dir, ['contacts', 'add', peer.peerId], /no BAID is known here for 12D3KooW/)
    expect(await ok(dir, ['block', peer.baidId])).toEqual({ peer: { baidId: peer.baidId }, changed: true })
    expect(await ok(dir, ['block', peer.baidId])).toEqual({ peer: { baidId: peer.baidId }, changed: false })

    const imported = await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'import', peer.bundle, '--json'], ENV)
    expect(imported.code).toBe(0)
    expect(await ok(dir, ['contacts', 'add', peer.peerId])).toEqual({ peer: named, changed: true })
    expect((await ok(dir, ['contacts', 'list'])).contacts).toEqual([{ ...named, addedAt: expect.any(Number) }])
    expect((await ok(dir, ['blocks'])).blocks).toEqual([{ ...named, addedAt: expect.any(Number) }])
    expect(await ok(dir, ['threshold', 'set', TOPIC, '0.3'])).toEqual({ thresholds: [{ topic: TOPIC, minTrust: 0.3 }] })
    expect(await ok(dir, ['threshold', 'list'])).toEqual({ thresholds: [{ topic: TOPIC, minTrust: 0.3 }] })

    const shown = await ok(dir, ['show', peer.peerId, '--topic', TOPIC])
    expect(shown).toEqual({
      ...named,
      contact: true,
      blocked: true,
      slashed: false,
      topics: [{ topic: TOPIC, score: 0, relative: 0, standing: 'blocked', threshold: 0.3, parts: expect.any(Array), penalties: expect.any(Array) }]
    })
    expect(shown.topics[0].penalties).toContainEqual({ kind: 'vetoed' })
    // Without --topic: every known domain, each with its own standing.
    const everywhere = await ok(dir, ['show', peer.baidId])
    expect(everywhere.topics.map((t: { topic: string }) => t.topic)).toEqual(expect.arrayContaining([TOPIC, 'code_generation', 'creative_writing']))
    for (const t of everywhere.topics) expect(t.standing).toBe('blocked')

    // People read the same answer without --json.
    const human = await hearth(['--data-dir', dir, 'trust', 'show', peer.baidId, '--topic', TOPIC])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(`${peer.peerId} (${peer.baidId}) — contact, blocked`)
    expect(human.stdout).toContain(`${TOPIC}: blocked`)

    expect(await ok(dir, ['unblock', peer.peerId])).toEqual({ peer: named, changed: true })
    expect(await ok(dir, ['contacts', 'remove', peer.baidId])).toEqual({ peer: named, changed: true })
    expect(await ok(dir, ['threshold', 'clear', TOPIC])).toEqual({ thresholds: [] })
    expect((await ok(dir, ['show', peer.baidId, '--topic', TOPIC])).topics[0]).toMatchObject({ standing: 'selectable' })
    expect((await ok(dir, ['blocks'])).blocks).toEqual([])
    expect((await ok(dir, ['contacts', 'list'])).contacts).toEqual([])
  }, 120_000)

  it('refuses bad input with one clear line', async () => {
    const dir = tempDir()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await refused(dir, ['block', stranger], /no BAID is known here/)
    await refused(dir, ['show', 'baid:zNotABaid'], /is not a BAID id/)
    await refused(dir, ['threshold', 'set', TOPIC, '2'], /a threshold is a relative trust from 0 to 1/)
    expect(await ok(dir, ['threshold', 'list'])).toEqual({ thresholds: [] })
  }, 60_000)

  it('is answered by the running daemon, and what it keeps survives a restart', async () => {
    const dir = tempDir()
    const created = await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'], ENV)
    expect(created.code).toBe(0)
    const peer = await otherAgent()
    const first = await daemon(['--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0'], ENV)
    // A directory holding nothing but a link to the daemon's socket: whatever is answered there, the daemon answered.
    const viaDaemon = tempDir()
    symlinkSync(join(dir, 'hearth.sock'), join(viaDaemon, 'hearth.sock'))

    expect(await ok(viaDaemon, ['block', peer.baidId])).toEqual({ peer: { baidId: peer.baidId }, changed: true })
    expect(await ok(viaDaemon, ['threshold', 'set', TOPIC, '0.5'])).toEqual({ thresholds: [{ topic: TOPIC, minTrust: 0.5 }] })
    expect(await ok(viaDaemon, ['show', peer.baidId, '--topic', TOPIC])).toMatchObject({ baidId: peer.baidId, blocked: true, topics: [{ topic: TOPIC, standing: 'blocked', threshold: 0.5 }] })
    await refused(viaDaemon, ['threshold', 'set', TOPIC, '2'], /a threshold is a relative trust from 0 to 1/)
    await refused(viaDaemon, ['unblock', 'baid:zNotABaid'], /is not a BAID id/)
    expect(existsSync(join(viaDaemon, 'hearth.sqlite'))).toBe(false)

    await new Promise<void>(resolve => { first.child.once('exit', () => resolve()); first.child.kill('SIGTERM') })
    // With the daemon gone, the data directory itself holds what the daemon was told.
    expect((await ok(dir, ['blocks'])).blocks).toEqual([{ baidId: peer.baidId, addedAt: expect.any(Number) }])
    expect(await ok(dir, ['threshold', 'list'])).toEqual({ thresholds: [{ topic: TOPIC, minTrust: 0.5 }] })

    await daemon(['--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0'], ENV)
    expect(await ok(viaDaemon, ['show', peer.baidId, '--topic', TOPIC])).toMatchObject({ blocked: true, topics: [{ standing: 'blocked', threshold: 0.5 }] })
    expect(await ok(viaDaemon, ['unblock', peer.baidId])).toEqual({ peer: { baidId: peer.baidId }, changed: true })
    expect((await ok(dir, ['blocks'])).blocks).toEqual([])
  }, 120_000)
})
