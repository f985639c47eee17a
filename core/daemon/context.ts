import { resolve } from 'node:path'
import { UsageError } from '../api/errors.ts'
import { KEYSTORE_KINDS } from '../api/keystore.ts'
import { defaultDataDir } from '../common/paths.ts'
import { createHost, type Host } from '../host.ts'
import type { SecretStoreKind } from '../identity/secret-store/secret-store.ts'
import { passphraseFrom } from './prompt.ts'

/** Wraps a command's action: global options merged in, and any error ending in one clear line. */
export type Runner = (action: (opts: GlobalOptions, ...args: string[]) => Promise<void>) => (...args: unknown[]) => Promise<void>

/** Options every command accepts. */
export interface GlobalOptions {
  readonly dataDir?: string
  readonly keystore?: string
  readonly json?: boolean
  readonly [option: string]: unknown
}

export function keystoreKind (value: string | undefined): SecretStoreKind | undefined {
  if (value === undefined) return undefined
  if (!(KEYSTORE_KINDS as readonly string[]).includes(value)) throw new UsageError(`unknown keystore "${value}"`, { hint: `use one of: ${KEYSTORE_KINDS.join(', ')}` })
  return value as SecretStoreKind
}

/** Open the host for one command and always close it, whatever happens. */
export async function withHost (opts: GlobalOptions, body: (host: Host) => Promise<void>): Promise<void> {
  const kind = keystoreKind(opts.keystore)
  const host = await createHost({
    dataDir: resolve(opts.dataDir ?? defaultDataDir()),
    passphrase: passphraseFrom('HEARTH_PASSPHRASE', 'keystore passphrase'),
    ...(kind === undefined ? {} : { keystore: kind }),
    // A person who started the daemon with --interactive answers approvals through `hearth inbox`.
    ...(opts.interactive === true ? { interactive: () => true } : {})
  })
  try {
    await body(host)
  } finally {
    await host.stop()
  }
}
