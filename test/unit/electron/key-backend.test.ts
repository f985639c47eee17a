import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InsecureKeyBackendError, KeyBackendChangedError, KeychainUnavailableError, KeystoreMismatchError } from '../../../core/api/errors.ts'
import { TEST_KDF_COST } from '../../../core/identity/passphrase-box.ts'
import { keyBackendStatus, openSecretStore } from '../../../core/identity/secret-store/open.ts'
import { SafeStorageSecretStore, safeStorageProblem, type SafeStorageCipher } from '../../../core/identity/secret-store/safe-storage.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { secretStoreCompliance } from '../identity/secret-store.compliance.ts'

// Electron's safeStorage cannot run under vitest, so this stand-in really encrypts (AES-256-GCM) with one key per OS
// keyring, as Chromium does: what one backend sealed, another cannot open.
class KeyringCipher implements SafeStorageCipher {
  readonly #keyring: string
  readonly #available: boolean
  constructor (keyring: string, available = true) { this.#keyring = keyring; this.#available = available }
  #key (): Buffer { return createHash('sha256').update(`keyring:${this.#keyring}`).digest() }
  isEncryptionAvailable (): boolean { return this.#available }
  backend (): string { return this.#keyring }
  encryptString (plain: string): Uint8Array {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key(), iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body])
  }

  decryptString (sealed: Uint8Array): string {
    const bytes = Buffer.from(sealed)
    const decipher = createDecipheriv('aes-256-gcm', this.#key(), bytes.subarray(0, 12))
    decipher.setAuthTag(bytes.subarray(12, 28))
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')
  }
}

const PASSPHRASE = 'correct horse battery staple'
const open = (dataDir: string, safeStorage?: SafeStorageCipher, kind?: 'keychain' | 'file') =>
  openSecretStore({ dataDir, passphrase: async () => PASSPHRASE, cost: TEST_KDF_COST, ...(kind === undefined ? {} : { kind }), ...(safeStorage === undefined ? {} : { safeStorage }) })
const seed = (): Uint8Array => new Uint8Array(randomBytes(32))
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false)

secretStoreCompliance('safe-storage', {
  persistent: true,
  create: async () => {
    const root = tempDir()
    return {
      open: async place => new SafeStorageSecretStore({ path: join(root, place, 'keys.safestorage.json'), cipher: new KeyringCipher('gnome_libsecret') }),
      cleanup: async () => {}
    }
  }
})

describe('which key backend the desktop app uses', () => {
  it('keeps a new data directory\'s keys in safeStorage, records it, and never writes a key in the clear', async () => {
    const dataDir = tempDir()
    const store = await open(dataDir, new KeyringCipher('gnome_libsecret'))
    const owner = seed()
    await store.set('owner', owner)
    expect(store.kind).toBe('safe-storage')
    expect(JSON.parse(await readFile(join(dataDir, 'keystore.json'), 'utf8')).backend).toBe('safe-storage')
    const sealed = await readFile(join(dataDir, 'keys.safestorage.json'), 'utf8')
    expect(JSON.parse(sealed).backend).toBe('gnome_libsecret')
    expect(sealed).not.toContain(Buffer.from(owner).toString('hex'))
    expect(await (await open(dataDir, new KeyringCipher('gnome_libsecret'))).get('owner')).toEqual(owner)
    expect(await keyBackendStatus(store)).toEqual({ kind: 'safe-storage', detail: 'gnome_libsecret' })
  })

  it('refuses basic_text (plain text) for a new identity, pins nothing, and status explains it', async () => {
    const dataDir = tempDir()
    const store = await open(dataDir, new KeyringCipher('basic_text'))
    await expect(store.set('owner', seed())).rejects.toBeInstanceOf(InsecureKeyBackendError)
    expect(await exists(join(dataDir, 'keys.safestorage.json'))).toBe(false)
    expect(await exists(join(dataDir, 'keystore.json'))).toBe(false)
    const status = await keyBackendStatus(store)
    expect(status).toMatchObject({ kind: 'safe-storage', detail: 'basic_text' })
    expect(status.problem).toMatch(/plain text/)
    // The person can still choose the passphrase-encrypted key file for this data directory.
    const file = await open(dataDir, new KeyringCipher('basic_text'), 'file')
    await file.set('owner', seed())
    expect(file.kind).toBe('file')
  })

  it('names a keyring change (GNOME Keyring to KWallet, or to basic_text) instead of losing or downgrading the keys', async () => {
    const dataDir = tempDir()
    const owner = seed()
    await (await open(dataDir, new KeyringCipher('gnome_libsecret'))).set('owner', owner)
    for (const now of ['kwallet6', 'basic_text']) {
      const store = await open(dataDir, new KeyringCipher(now))
      await expect(store.get('owner')).rejects.toBeInstanceOf(KeyBackendChangedError)
      await expect(store.set('agent', seed())).rejects.toBeInstanceOf(KeyBackendChangedError)
      const status = await keyBackendStatus(store)
      expect(status.problem).toMatch(/sealed with the gnome_libsecret keyring, but Electron now selected/)
      expect(status.problem).toContain('--password-store=gnome-libsecret')
    }
    // Nothing was rewritten: back in the right session, the keys are all there.
    expect(await (await open(dataDir, new KeyringCipher('gnome_libsecret'))).get('owner')).toEqual(owner)
  })

  it('says when safeStorage cannot encrypt at all', () => {
    expect(safeStorageProblem(new KeyringCipher('gnome_libsecret', false), undefined)).toBeInstanceOf(KeychainUnavailableError)
    expect(safeStorageProblem(new KeyringCipher('unknown'), undefined)).toBeInstanceOf(KeychainUnavailableError)
    expect(safeStorageProblem(new KeyringCipher('keychain'), 'keychain')).toBeUndefined()
  })

  it('keeps a data directory made by the CLI in the backend it recorded', async () => {
    const dataDir = tempDir()
    await (await open(dataDir, undefined, 'file')).set('owner', seed())
    const store = await open(dataDir, new KeyringCipher('gnome_libsecret'))
    expect(store.kind).toBe('file')
  })

  it('tells the CLI that only the desktop app opens a safeStorage data directory', async () => {
    const dataDir = tempDir()
    await (await open(dataDir, new KeyringCipher('gnome_libsecret'))).set('owner', seed())
    await expect(open(dataDir)).rejects.toBeInstanceOf(KeystoreMismatchError)
    await expect(open(dataDir)).rejects.toThrow(/only the Hearth app can open/)
  })
})
