import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeychainUnavailableError, KeyFileCorruptError, KeystoreMismatchError, UsageError } from '../../../core/api/errors.ts'
import { TEST_KDF_COST } from '../../../core/identity/passphrase-box.ts'
import { openSecretStore } from '../../../core/identity/secret-store/open.ts'
import { keychainAccounts } from '../../helpers/keychain.ts'
import type { SecretStoreKind } from '../../../core/identity/secret-store/secret-store.ts'

const NO_KEYCHAIN = process.env.HEARTH_TEST_NO_KEYCHAIN === '1'
const PASSPHRASE = 'correct horse battery staple'

describe('openSecretStore', () => {
  let dataDir: string

  const open = async (kind?: SecretStoreKind, dir = dataDir) => openSecretStore({ dataDir: dir, kind, passphrase: async () => PASSPHRASE, cost: TEST_KDF_COST })
  const record = async (dir = dataDir): Promise<{ backend: string, namespace: string, createdAt: string }> => JSON.parse(await readFile(join(dir, 'keystore.json'), 'utf8'))
  const recordExists = async (dir = dataDir): Promise<boolean> => access(join(dir, 'keystore.json')).then(() => true, () => false)

  beforeEach(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'hearth-open-store-')), 'data')
  })

  afterEach(async () => {
    await rm(join(dataDir, '..'), { recursive: true, force: true })
  })

  it('records the file backend for a new data directory and keeps keys in keys.hearthkey there', async () => {
    const store = await open('file')
    expect(store.kind).toBe('file')
    expect(await store.get('owner')).toBeUndefined()
    expect(await recordExists()).toBe(false) // reading an empty directory pins nothing
    await store.set('agent', new Uint8Array(32).fill(2))
    expect(await record()).toEqual({ backend: 'file', namespace: expect.any(String), createdAt: expect.any(String) })
    expect(new Date((await record()).createdAt).toISOString()).toBe((await record()).createdAt)
    await store.set('owner', new Uint8Array(32).fill(1))
    await access(join(dataDir, 'keys.hearthkey'))
    expect(store.location).toContain(join(dataDir, 'keys.hearthkey'))
  })

  it('uses the recorded backend when none is asked for, finding the keys stored before', async () => {
    await (await open('file')).set('owner', new Uint8Array(32).fill(1))
    const before = await record()
    const again = await open()
    expect(again.kind).toBe('file')
    expect(await again.get('owner')).toEqual(new Uint8Array(32).fill(1))
    expect(await record()).toEqual(before)
  })

  it('gives every data directory its own namespace', async () => {
    const other = join(dataDir, '..', 'other')
    await (await open('file')).set('owner', new Uint8Array(32))
    await (await open('file', other)).set('owner', new Uint8Array(32))
    expect((await record()).namespace).not.toBe((await record(other)).namespace)
  })

  it.each([
    ['file', 'keychain'],
    ['keychain', 'file']
  ] as const)('refuses to switch a data directory recorded as %s to %s, leaving the record alone', async (recorded, asked) => {
    await mkdir(dataDir, { recursive: true })
    const written = JSON.stringify({ backend: recorded, namespace: 'ns-1', createdAt: '2026-01-01T00:00:00.000Z' })
    await writeFile(join(dataDir, 'keystore.json'), written)
    const err = await open(asked).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KeystoreMismatchError)
    expect((err as KeystoreMismatchError).message).toContain(recorded)
    expect((err as KeystoreMismatchError).message).toContain(asked)
    expect((err as KeystoreMismatchError).hint).toContain(`--keystore ${recorded}`)
    expect((err as KeystoreMismatchError).hint).toMatch(/restore a key backup into a new data directory/)
    expect(await readFile(join(dataDir, 'keystore.json'), 'utf8')).toBe(written)
  })

  it('keeps test-only memory stores out of the record', async () => {
    const store = await open('memory')
    expect(store.kind).toBe('memory')
    expect(await recordExists()).toBe(false)
  })

  it('reports a damaged record instead of guessing where the keys are', async () => {
    await mkdir(dataDir, { recursive: true })
    await writeFile(join(dataDir, 'keystore.json'), '{"backend": "floppy"}')
    await expect(open()).rejects.toBeInstanceOf(KeyFileCorruptError)
    await writeFile(join(dataDir, 'keystore.json'), 'not json')
    await expect(open('file')).rejects.toBeInstanceOf(KeyFileCorruptError)
  })

  it('refuses a keystore kind it does not know', async () => {
    await expect(open('floppy' as SecretStoreKind)).rejects.toBeInstanceOf(UsageError)
    expect(await recordExists()).toBe(false)
  })

  if (NO_KEYCHAIN) {
    it('leaves a new data directory unrecorded when its keychain is unavailable, so --keystore file still works (HEARTH_TEST_NO_KEYCHAIN=1)', async () => {
      await expect((await open()).set('owner', new Uint8Array(32))).rejects.toBeInstanceOf(KeychainUnavailableError)
      expect(await recordExists()).toBe(false)
      expect((await open('file')).kind).toBe('file')
    })
  } else {
    it('defaults a new data directory to the OS keychain, under its own namespace', async () => {
      const store = await open()
      expect(store.kind).toBe('keychain')
      await store.set('owner', new Uint8Array(32).fill(3))
      const { backend, namespace } = await record()
      expect(backend).toBe('keychain')
      expect(store.location).toContain(`${namespace}/`)
      expect(await keychainAccounts(`${namespace}/`)).toEqual([`${namespace}/owner`])
      await store.delete('owner')
    })
  }
})
