import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring'
import { KeychainUnavailableError } from '../../api/errors.ts'
import type { SecretStore } from './secret-store.ts'

export const SERVICE = 'hearth'
// Pinned to Secret Service: on Linux the library would otherwise fall back to the kernel keyring, which forgets at reboot.
export const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } }

const PLATFORMS: Partial<Record<NodeJS.Platform, { store: string, fix: string }>> = {
  linux: { store: 'Secret Service', fix: 'unlock or start your login keyring (GNOME Keyring or KWallet, reached through Secret Service on D-Bus)' },
  darwin: { store: 'macOS Keychain', fix: 'unlock your login Keychain' },
  win32: { store: 'Windows Credential Manager', fix: 'make sure Windows Credential Manager is available to your user' }
}
const PLATFORM = PLATFORMS[process.platform] ?? { store: 'platform keyring', fix: 'unlock your login keyring' }
const HINT = `${PLATFORM.fix}; on a host without one, use \`--keystore file\` with HEARTH_PASSPHRASE set`

/** Secrets in the OS keychain, one entry per name, under an account prefix unique to one data directory. */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain'
  readonly location: string
  readonly #namespace: string

  constructor (init: { namespace: string }) {
    if (init.namespace === '') throw new RangeError('a keychain namespace must not be empty')
    this.#namespace = init.namespace
    this.location = `OS keychain (${PLATFORM.store}), service ${SERVICE}, account prefix ${init.namespace}/`
  }

  async get (name: string): Promise<Uint8Array | undefined> {
    const secret = await this.#call('read', name, entry => entry.getSecret())
    return secret === null ? undefined : Uint8Array.from(secret)
  }

  async set (name: string, secret: Uint8Array): Promise<void> {
    await this.#call('write', name, entry => entry.setSecret(secret))
  }

  async delete (name: string): Promise<void> {
    await this.#call('delete', name, entry => entry.deleteCredential())
  }

  // Async entries, because a keychain may hold the call open while it asks the person to unlock it.
  async #call<T> (action: string, name: string, op: (entry: AsyncEntry) => Promise<T>): Promise<T> {
    try {
      return await op(new AsyncEntry(SERVICE, `${this.#namespace}/${name}`, ENTRY_OPTIONS))
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err)
      throw new KeychainUnavailableError(`could not ${action} secret "${name}" in the OS keychain (${PLATFORM.store}): ${detail}`, { hint: HINT, cause: err })
    }
  }
}
