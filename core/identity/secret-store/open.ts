import { randomUUID } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { KeyFileCorruptError, KeystoreMismatchError, PassphraseRequiredError, UsageError } from '../../api/errors.ts'
import type { KdfCost } from '../passphrase-box.ts'
import { writeFileDurably } from './durable-write.ts'
import { FileSecretStore } from './file.ts'
import { KeychainSecretStore } from './keychain.ts'
import { MemorySecretStore } from './memory.ts'
import type { PassphraseSource, SecretStore, SecretStoreKind } from './secret-store.ts'

export const KEYSTORE_RECORD_FILE = 'keystore.json'
export const KEY_FILE = 'keys.hearthkey'
const PROBE = 'keystore-probe'

/** Which backend holds a data directory's keys; written once, so keys are never looked for in the wrong place. */
const KeystoreRecord = z.object({
  backend: z.enum(['keychain', 'file']),
  namespace: z.string().min(1),
  createdAt: z.string()
})
type KeystoreRecord = z.infer<typeof KeystoreRecord>

export interface OpenSecretStoreOptions {
  dataDir: string
  /** Omitted: whatever the data directory recorded, or the keychain for a new one. */
  kind?: SecretStoreKind
  passphrase: PassphraseSource
  cost?: KdfCost
}

/** The data directory's SecretStore: the backend it recorded, or a new record for the one asked for. */
export async function openSecretStore (opts: OpenSecretStoreOptions): Promise<SecretStore> {
  if (opts.kind !== undefined && !['keychain', 'file', 'memory'].includes(opts.kind)) {
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
  const record: KeystoreRecord = { backend: opts.kind ?? 'keychain', namespace: randomUUID(), createdAt: new Date().toISOString() }
  const store = storeFor(record, opts)
  // Prove the keychain takes a write before pinning the data directory to it, so `--keystore file` stays open after a failure.
  if (record.backend === 'keychain') {
    await store.set(PROBE, new Uint8Array(1))
    await store.delete(PROBE)
  }
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 })
  await writeFileDurably(join(opts.dataDir, KEYSTORE_RECORD_FILE), new TextEncoder().encode(JSON.stringify(record, null, 2) + '\n'))
  return store
}

/** Reads HEARTH_PASSPHRASE when a passphrase is needed, for runs without a terminal to ask in. */
export function passphraseFromEnv (env: NodeJS.ProcessEnv = process.env): PassphraseSource {
  return async ({ what }) => {
    const passphrase = env.HEARTH_PASSPHRASE
    if (passphrase === undefined || passphrase === '') {
      throw new PassphraseRequiredError(`a passphrase is needed for ${what}`, { hint: 'set HEARTH_PASSPHRASE, or run hearth in a terminal to be asked for it' })
    }
    return passphrase
  }
}

function storeFor (record: KeystoreRecord, opts: OpenSecretStoreOptions): SecretStore {
  if (record.backend === 'keychain') return new KeychainSecretStore({ namespace: record.namespace })
  return new FileSecretStore({ path: join(opts.dataDir, KEY_FILE), passphrase: opts.passphrase, cost: opts.cost })
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
