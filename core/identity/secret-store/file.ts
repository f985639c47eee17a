import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { KeyFileCorruptError, WrongPassphraseError } from '../../api/errors.ts'
import { decode, encode } from '../../common/codec.ts'
import { PassphraseKey, type KdfCost } from '../passphrase-box.ts'
import { writeFileDurably } from './durable-write.ts'
import type { PassphraseSource, SecretStore } from './secret-store.ts'

const MAX_CONTENT_BYTES = 16 * 1024 * 1024
const RESTORE_HINT = 'restore your keys from a backup (`hearth id restore <backup>`) into a new data directory'

/** The unlocked file: its stretched passphrase (so writes skip scrypt) and every secret in it. */
interface Vault { readonly key: PassphraseKey, readonly secrets: ReadonlyMap<string, Uint8Array> }

/** All secrets in one passphrase-sealed file, for hosts without an OS keychain. */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file'
  readonly location: string
  readonly #path: string
  readonly #passphrase: PassphraseSource
  readonly #cost: KdfCost | undefined
  #vault: Vault | undefined
  #queue: Promise<unknown> = Promise.resolve()

  constructor (init: { path: string, passphrase: PassphraseSource, cost?: KdfCost }) {
    this.#path = init.path
    this.#passphrase = init.passphrase
    this.#cost = init.cost
    this.location = `passphrase-encrypted key file ${init.path}`
  }

  async get (name: string): Promise<Uint8Array | undefined> {
    return this.#serially(async () => {
      const secret = (await this.#unlock())?.secrets.get(name)
      return secret === undefined ? undefined : new Uint8Array(secret)
    })
  }

  async set (name: string, secret: Uint8Array): Promise<void> {
    await this.#serially(async () => {
      const vault = await this.#unlock() ?? await this.#create()
      await this.#save(vault.key, new Map(vault.secrets).set(name, new Uint8Array(secret)))
    })
  }

  async delete (name: string): Promise<void> {
    await this.#serially(async () => {
      const vault = await this.#unlock()
      if (vault === undefined || !vault.secrets.has(name)) return
      const secrets = new Map(vault.secrets)
      secrets.delete(name)
      await this.#save(vault.key, secrets)
    })
  }

  // One operation at a time, so concurrent writes never race on the file or on the cached vault.
  #serially<T> (op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op)
    this.#queue = result.catch(() => undefined)
    return result
  }

  /** The vault, asking for the passphrase on first use; undefined while no file exists. */
  async #unlock (): Promise<Vault | undefined> {
    if (this.#vault !== undefined) return this.#vault
    const box = await readIfExists(this.#path)
    if (box === undefined) return undefined
    const passphrase = await this.#passphrase({ confirm: false, what: `the key file ${this.#path}` })
    const { plaintext, key } = await this.#open(box, passphrase)
    try {
      this.#vault = { key, secrets: this.#parse(plaintext) }
    } finally {
      plaintext.fill(0)
    }
    return this.#vault
  }

  /** Open the sealed file, saying which file failed and what the person can do. */
  async #open (box: Uint8Array, passphrase: string): Promise<{ plaintext: Uint8Array, key: PassphraseKey }> {
    try {
      return await PassphraseKey.unlock(box, passphrase)
    } catch (err) {
      if (err instanceof KeyFileCorruptError) throw new KeyFileCorruptError(`the key file ${this.#path} is damaged: ${err.message}`, { hint: RESTORE_HINT, cause: err })
      if (err instanceof WrongPassphraseError) {
        throw new WrongPassphraseError(`the passphrase does not open the key file ${this.#path}`, { hint: 'use the passphrase this data directory was set up with (HEARTH_PASSPHRASE, if set)', cause: err })
      }
      throw err
    }
  }

  /** A vault for a file not written yet: a new passphrase, confirmed by whoever supplies it. */
  async #create (): Promise<Vault> {
    const passphrase = await this.#passphrase({ confirm: true, what: `a new key file ${this.#path}` })
    const key = await PassphraseKey.derive(passphrase, { cost: this.#cost })
    return { key, secrets: new Map() }
  }

  /** Seal and write, then cache: a failed write leaves both the file and the cache as they were. */
  async #save (key: PassphraseKey, secrets: ReadonlyMap<string, Uint8Array>): Promise<void> {
    const plaintext = encode(Object.fromEntries(secrets))
    try {
      await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 })
      await writeFileDurably(this.#path, key.seal(plaintext))
    } finally {
      plaintext.fill(0)
    }
    this.#vault = { key, secrets }
  }

  #parse (plaintext: Uint8Array): Map<string, Uint8Array> {
    let content: unknown
    try {
      content = decode(plaintext, MAX_CONTENT_BYTES, 'key file contents')
    } catch (err) {
      throw new KeyFileCorruptError(`the key file ${this.#path} opened but its contents are damaged: ${(err as Error).message}`, { hint: RESTORE_HINT, cause: err })
    }
    const entries = typeof content === 'object' && content !== null && !Array.isArray(content) ? Object.entries(content) : undefined
    if (entries === undefined || !entries.every(([, secret]) => secret instanceof Uint8Array)) {
      throw new KeyFileCorruptError(`the key file ${this.#path} opened but does not hold a map of names to secrets`, { hint: RESTORE_HINT })
    }
    // Copies, since decoded bytes may be views into the plaintext that the caller wipes.
    return new Map(entries.map(([name, secret]) => [name, new Uint8Array(secret as Uint8Array)]))
  }
}

async function readIfExists (path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
