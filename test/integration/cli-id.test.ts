import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decode } from '../../core/common/codec.ts'
import { openWithPassphrase } from '../../core/identity/passphrase-box.ts'
import { hearth, type CliResult } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

// `hearth id …` end to end, as a person runs it: real files, real SQLite, the real key file and OS keychain.

const PASS = { HEARTH_PASSPHRASE: 'hunter2 but longer' }
const fingerprint = (dir: string): string => readdirSync(dir).sort()
  .map(f => `${f}:${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`).join('\n')

/** Every text form a 32-byte secret could leak in. */
const leakForms = (secret: Uint8Array): string[] => [Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')]

describe('hearth id (file keystore)', () => {
  it('create, show, rotate, export, verify, backup and restore — with no key material in any output', async () => {
    const dir = tempDir()
    // Exports and backups go beside the data directory, as a person keeps them, in a folder removed after the test.
    const files = tempDir()
    const outputs: CliResult[] = []
    const run = async (args: string[], env: Record<string, string> = PASS): Promise<CliResult> => {
      const r = await hearth(['--data-dir', dir, ...args], env)
      outputs.push(r)
      return r
    }

    const created = await run(['id', 'create', '--keystore', 'file', '--json'])
    expect(created.code).toBe(0)
    expect(created.json).toMatchObject({ baidVersion: 1, keystore: 'file', revoked: false })
    expect(created.json.peerId).toMatch(/^12D3KooW/)

    // `show` needs no passphrase: it reads only public records.
    const shown = await run(['id', 'show', '--json'], {})
    expect(shown.code).toBe(0)
    expect(shown.json).toEqual(created.json)
    expect(Object.keys(shown.json)).toEqual(expect.arrayContaining(['peerId', 'owner', 'baidVersion', 'keystore']))

    // A wrong passphrase fails clearly, in one line, and changes nothing.
    const before = fingerprint(dir)
    const wrong = await run(['id', 'rotate', '--json'], { HEARTH_PASSPHRASE: 'not it' })
    expect(wrong.code).not.toBe(0)
    expect(wrong.json.error.name).toBe('WrongPassphraseError')
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1)
    expect(fingerprint(dir)).toBe(before)

    const rotated = await run(['id', 'rotate', '--json'])
    expect(rotated.code).toBe(0)
    expect(rotated.json).toMatchObject({ baidId: created.json.baidId, baidVersion: 2 })
    expect(rotated.json.peerId).not.toBe(created.json.peerId)

    const bundle = join(files, `${created.json.baidId.slice(5, 15)}.baid`)
    expect((await run(['id', 'export', '--out', bundle, '--json'])).code).toBe(0)
    const verified = await run(['id', 'verify', bundle, '--json'], {})
    expect(verified.json).toMatchObject({ valid: true, baidVersion: 2, peerId: rotated.json.peerId })

    const tamperedPath = `${bundle}.tampered`
    const tampered = readFileSync(bundle)
    tampered[tampered.length - 30]! ^= 0x01
    writeFileSync(tamperedPath, tampered)
    const bad = await run(['id', 'verify', tamperedPath, '--json'], {})
    expect(bad.code).toBe(1)
    expect(bad.json.valid).toBe(false)
    expect(bad.json.error.name).toMatch(/Error$/)

    const backup = join(files, 'hearth.backup')
    expect((await run(['id', 'backup', '--out', backup, '--json'], { ...PASS, HEARTH_BACKUP_PASSPHRASE: 'backup words' })).code).toBe(0)
    const newDevice = tempDir()
    const wrongRestore = await hearth(['--data-dir', newDevice, '--keystore', 'file', 'id', 'restore', backup, '--json'], { HEARTH_PASSPHRASE: 'new device', HEARTH_BACKUP_PASSPHRASE: 'nope' })
    expect(wrongRestore.json.error.name).toBe('WrongPassphraseError')
    const restored = await hearth(['--data-dir', newDevice, '--keystore', 'file', 'id', 'restore', backup, '--json'], { HEARTH_PASSPHRASE: 'new device', HEARTH_BACKUP_PASSPHRASE: 'backup words' })
    outputs.push(restored)
    expect(restored.code).toBe(0)
    expect(restored.json).toMatchObject({ baidId: created.json.baidId, peerId: rotated.json.peerId, baidVersion: 2 })

    // Read the real private keys out of the key file, then search every output for them.
    const secrets = decode(await openWithPassphrase(readFileSync(join(dir, 'keys.hearthkey')), PASS.HEARTH_PASSPHRASE), 1 << 20) as Record<string, Uint8Array> | Map<string, Uint8Array>
    const values = secrets instanceof Map ? [...secrets.values()] : Object.values(secrets)
    expect(values.length).toBeGreaterThanOrEqual(2)
    const everything = outputs.map(o => o.stdout + o.stderr).join('\n')
    for (const secret of values) for (const form of leakForms(secret)) expect(everything).not.toContain(form)
  }, 90_000) // about fifteen CLI processes, each compiling from source: 15–30 s on two loaded cores

  it('imports a peer\'s bundle and refuses an older version of it afterwards', async () => {
    const alice = tempDir()
    const bob = tempDir()
    await hearth(['--data-dir', alice, '--keystore', 'file', 'id', 'create'], PASS)
    const v1 = join(alice, 'v1.baid')
    const v2 = join(alice, 'v2.baid')
    await hearth(['--data-dir', alice, 'id', 'export', '--out', v1], PASS)
    await hearth(['--data-dir', alice, 'id', 'rotate'], PASS)
    await hearth(['--data-dir', alice, 'id', 'export', '--out', v2], PASS)

    const imported = await hearth(['--data-dir', bob, '--keystore', 'file', 'id', 'import', v2, '--json'], PASS)
    expect(imported.json).toMatchObject({ valid: true, baidVersion: 2 })
    const replay = await hearth(['--data-dir', bob, 'id', 'import', v1, '--json'], PASS)
    expect(replay.code).toBe(1)
    expect(replay.json.error.name).toBe('BaidVersionReplayError')
  })

  it('explains what to do when there is no identity, no passphrase, or the wrong keystore', async () => {
    const dir = tempDir()
    const none = await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'show', '--json'])
    expect(none.code).toBe(1)
    expect(none.json.error.name).toBe('NoIdentityError')
    expect(none.stderr).toContain('hearth id create')

    const noPass = await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'])
    expect(noPass.json.error.name).toBe('PassphraseRequiredError')
    expect(noPass.stderr).toContain('HEARTH_PASSPHRASE')

    await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create'], PASS)
    const mismatch = await hearth(['--data-dir', dir, '--keystore', 'keychain', 'id', 'show', '--json'])
    expect(mismatch.json.error.name).toBe('KeystoreMismatchError')
  })
})

describe('hearth id (OS keychain)', () => {
  it('keeps the keys in the real keychain: create, rotate, show', async () => {
    const dir = tempDir()
    const created = await hearth(['--data-dir', dir, 'id', 'create', '--json'])
    expect(created.stderr).toBe('')
    expect(created.json).toMatchObject({ keystore: 'keychain', baidVersion: 1 })
    expect(readdirSync(dir)).not.toContain('keys.hearthkey')
    const rotated = await hearth(['--data-dir', dir, 'id', 'rotate', '--json'])
    expect(rotated.json).toMatchObject({ keystore: 'keychain', baidVersion: 2, baidId: created.json.baidId })
  })
})
