import { randomUUID } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { KeyBackendStatus } from '../../api/app.ts'
import { HearthError, KeyFileCorruptError, KeystoreMismatchError, UsageError } from '../../api/errors.ts'
import type { KdfCost } from '../passphrase-box.ts'
import { writeFileDurably } from './durable-write.ts'
import { FileSecretStore } from './file.ts'
import { KeychainSecretStore } from './keychain.ts'
import { MemorySecretStore } from './memory.ts'
import { SafeStorageSecretStore, type SafeStorageCipher } from './safe-storage.ts'
import type { PassphraseSource, SecretStore, SecretStoreKind } from './secret-store.ts'

export const KEYSTORE_RECORD_FILE = 'keystore.json'
export const KEY_FILE = 'keys.hearthkey'
export const SAFE_STORAGE_FILE = 'keys.safestorage.json'

/** Which backend holds a data directory's keys; written once, so keys are never looked for in the wrong place. */
const KeystoreRecord = z.object({
  backend: z.enum(['keychain', 'file', 'safe-storage']),
  namespace: z.string().min(1),
  createdAt: z.string()
})
type KeystoreRecord = z.infer<typeof KeystoreRecord>

export interface OpenSecretStoreOptions {
  dataDir: string
  /** Omitted: whatever the data directory recorded, or for a new one safeStorage when given, else the keychain. */
  kind?: SecretStoreKind
  passphrase: PassphraseSource
  cost?: KdfCost
  /** Electron's safeStorage, passed only by the desktop app. */
  safeStorage?: SafeStorageCipher
}

/** The data directory's SecretStore: the backend it recorded, or the one asked for (recorded at its first write). */
export async function openSecretStore (opts: OpenSecretStoreOptions): Promise<SecretStore> {
  if (opts.kind !== undefined && !['keychain', 'file', 'safe-storage', 'memory'].includes(opts.kind)) {
    throw new UsageError(`unknown keystore "${String(opts.kind)}"`, { hint: 'use --keystore keychain or --keystore file' })
  }
  if (opts.kind === 'memory') return new MemorySecretStore()
  const recorded = await readRecord(opts.dataDir)
  if (recorded !== undefined) {
    if (opts.kind !== undefined && opts.kind !== recorded.backend) {
      throw new KeystoreMismatchError(`this data directory keeps its keys in the ${recorded.backend} keystore, not the ${opts.kind} keystore`, {
        hint: `pass --keystore ${recorded.backend}, or restore a key backup into a new data directory to use the ${opts.kind} keystore`
      })
    }
    return storeFor(recorded, opts)
  }
  const record: KeystoreRecord = { backend: opts.kind ?? (opts.safeStorage === undefined ? 'keychain' : 'safe-storage'), namespace: randomUUID(), createdAt: new Date().toISOString() }
  return new RecordOnFirstWrite(storeFor(record, opts), async () => {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 })
    await writeFileDurably(join(opts.dataDir, KEYSTORE_RECORD_FILE), new TextEncoder().encode(JSON.stringify(record, null, 2) + '\n'))
  })
}

/**
 * A new data directory is pinned to its backend only once a secret is really stored there: reading an empty
 * directory changes nothing, and a keychain that refuses the first write leaves `--keystore file` open.
 */
class RecordOnFirstWrite implements SecretStore {
  readonly kind: SecretStoreKind
  readonly location: string
  readonly #inner: SecretStore
  #record: (() => Promise<void>) | undefined

  constructor (inner: SecretStore, record: () => Promise<void>) {
    this.#inner = inner
    this.#record = record
    this.kind = inner.kind
    this.location = inner.location
  }

  get (name: string): Promise<Uint8Array | undefined> { return this.#inner.get(name) }
  status (): Promise<{ detail: string, problem?: Error }> | undefined { return this.#inner.status?.() }
  delete (name: string): Promise<void> { return this.#inner.delete(name) }

  async set (name: string, secret: Uint8Array): Promise<void> {
    await this.#inner.set(name, secret)
    const record = this.#record
    this.#record = undefined
    await record?.()
  }
}

function storeFor (record: KeystoreRecord, opts: OpenSecretStoreOptions): SecretStore {
  if (record.backend === 'keychain') return new KeychainSecretStore({ namespace: record.namespace })
  if (record.backend === 'safe-storage') {
    if (opts.safeStorage === undefined) {
      throw new KeystoreMismatchError('this data directory keeps its keys in the desktop app\'s safeStorage, which only the Hearth app can open', {
        hint: 'open it with the Hearth app (`npm start`), or restore a key backup into a new data directory to use it here'
      })
    }
    return new SafeStorageSecretStore({ path: join(opts.dataDir, SAFE_STORAGE_FILE), cipher: opts.safeStorage })
  }
  return new FileSecretStore({ path: join(opts.dataDir, KEY_FILE), passphrase: opts.passphrase, cost: opts.cost })
}

/** How the keys rest, for app.status: the backend, what the platform reports, and why it cannot be used, if so. */
export async function keyBackendStatus (store: SecretStore): Promise<KeyBackendStatus> {
  const status = await store.status?.()
  if (status === undefined) return { kind: store.kind }
  if (status.problem === undefined) return { kind: store.kind, detail: status.detail }
  const hint = status.problem instanceof HearthError && status.problem.hint !== undefined ? ` — ${status.problem.hint}` : ''
  return { kind: store.kind, detail: status.detail, problem: `${status.problem.message}${hint}` }
}

async function readRecord (dataDir: string): Promise<KeystoreRecord | undefined> {
  const path = join(dataDir, KEYSTORE_RECORD_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const parsed = KeystoreRecord.safeParse(parseJson(text))
  if (!parsed.success) {
    throw new KeyFileCorruptError(`${path} is damaged, so where this data directory's keys are is unknown`, {
      hint: 'restore the data directory from a backup, or restore a key backup into a new data directory'
    })
  }
  return parsed.data
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
