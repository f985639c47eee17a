import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { InsecureKeyBackendError, KeyBackendChangedError, KeychainUnavailableError, KeyFileCorruptError } from '../../api/errors.ts'
import { writeFileDurably } from './durable-write.ts'
import type { SecretStore } from './secret-store.ts'

/**
 * The part of Electron's `safeStorage` Hearth uses. Core defines it and never imports electron; the desktop shell passes
 * an adapter over the real one (electron/key-backend.ts).
 */
export interface SafeStorageCipher {
  isEncryptionAvailable (): boolean
  encryptString (plain: string): Uint8Array
  decryptString (sealed: Uint8Array): string
  /** The OS store behind the encryption key: on Linux `gnome_libsecret`, `kwallet6`, `basic_text`, …; `keychain` on macOS, `dpapi` on Windows. */
  backend (): string
}

/** Linux backends whose key is a constant in Chromium's source, so "encrypted" secrets are readable by anyone. */
const PLAIN_TEXT_BACKENDS = new Set(['basic_text'])
const RESTORE_HINT = 'or restore your key backup into a new data directory (Identity → Restore)'

/**
 * Why the keys cannot rest in safeStorage now, as a named error, or undefined when they can. `recorded` is the backend
 * that sealed this data directory's keys: Chromium's backends do not share keys, so another one could never open them.
 */
export function safeStorageProblem (cipher: SafeStorageCipher, recorded: string | undefined): Error | undefined {
  const backend = cipher.backend()
  if (recorded !== undefined && backend !== recorded) {
    return new KeyBackendChangedError(`your keys were sealed with the ${recorded} keyring, but Electron now selected ${backend}: they cannot be opened with it`, {
      hint: `start Hearth in the desktop session that has ${recorded} (or pass --password-store=${recorded.replace('_', '-')}), ${RESTORE_HINT}`
    })
  }
  if (PLAIN_TEXT_BACKENDS.has(backend)) {
    return new InsecureKeyBackendError('no OS keyring is reachable, so Electron would keep your keys in plain text (its basic_text backend); Hearth refuses to', {
      hint: 'start your desktop keyring (GNOME Keyring or KWallet) and restart Hearth, or create the identity with the passphrase-encrypted key file'
    })
  }
  if (!cipher.isEncryptionAvailable() || backend === 'unknown') {
    return new KeychainUnavailableError(`Electron's safeStorage cannot encrypt on this machine (backend: ${backend})`, {
      hint: 'unlock or start your login keyring and restart Hearth, or create the identity with the passphrase-encrypted key file'
    })
  }
  return undefined
}

const SECRET_NAME = z.string().min(1).max(256)
const SealedFile = z.object({
  version: z.literal(1),
  backend: z.string().min(1),
  secrets: z.record(SECRET_NAME, z.base64().max(64 * 1024))
})
type SealedFile = z.infer<typeof SealedFile>
const MAX_FILE_BYTES = 4 * 1024 * 1024

/**
 * Secrets sealed by Electron's safeStorage (the OS keyring's key) in one file of the data directory. Every use checks
 * the backend first: a change or plain text is a named error, never a silent downgrade.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safe-storage'
  readonly location: string
  readonly #path: string
  readonly #cipher: SafeStorageCipher
  #queue: Promise<unknown> = Promise.resolve()

  constructor (init: { path: string, cipher: SafeStorageCipher }) {
    this.#path = init.path
    this.#cipher = init.cipher
    this.location = `Electron safeStorage, sealed file ${init.path}`
  }

  /** What app.status shows: the backend in use (the one the file records once a secret is stored) and why it cannot be used. */
  async status (): Promise<{ detail: string, problem?: Error }> {
    const recorded = (await this.#read())?.backend
    const problem = safeStorageProblem(this.#cipher, recorded)
    return problem === undefined ? { detail: recorded ?? this.#cipher.backend() } : { detail: this.#cipher.backend(), problem }
  }

  async get (name: string): Promise<Uint8Array | undefined> {
    return this.#serially(async () => {
      const file = await this.#read()
      const sealed = file?.secrets[name]
      if (sealed === undefined) return undefined
      this.#check(file?.backend)
      return Uint8Array.from(Buffer.from(this.#cipher.decryptString(Buffer.from(sealed, 'base64')), 'hex'))
    })
  }

  async set (name: string, secret: Uint8Array): Promise<void> {
    await this.#serially(async () => {
      const file = await this.#read() ?? { version: 1 as const, backend: this.#cipher.backend(), secrets: {} }
      this.#check(file.backend)
      const sealed = Buffer.from(this.#cipher.encryptString(Buffer.from(secret).toString('hex'))).toString('base64')
      await this.#write({ ...file, secrets: { ...file.secrets, [name]: sealed } })
    })
  }

  async delete (name: string): Promise<void> {
    await this.#serially(async () => {
      const file = await this.#read()
      if (file?.secrets[name] === undefined) return
      const secrets = { ...file.secrets }
      delete secrets[name]
      await this.#write({ ...file, secrets })
    })
  }

  // The backend that sealed the file is its record: a different one now could never open what it sealed.
  #check (sealedWith: string | undefined): void {
    const problem = safeStorageProblem(this.#cipher, sealedWith)
    if (problem !== undefined) throw problem
  }

  // One operation at a time, so two writes never race on the file.
  #serially<T> (op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op)
    this.#queue = result.catch(() => undefined)
    return result
  }

  async #read (): Promise<SealedFile | undefined> {
    let bytes: Buffer
    try {
      bytes = await readFile(this.#path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    const parsed = bytes.length <= MAX_FILE_BYTES ? SealedFile.safeParse(parseJson(bytes.toString('utf8'))) : undefined
    if (parsed?.success !== true) {
      throw new KeyFileCorruptError(`${this.#path} is damaged, so the keys sealed in it cannot be read`, { hint: `restore the data directory from a backup, ${RESTORE_HINT}` })
    }
    return parsed.data
  }

  async #write (file: SealedFile): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 })
    await writeFileDurably(this.#path, new TextEncoder().encode(JSON.stringify(file, null, 2) + '\n'))
  }
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
