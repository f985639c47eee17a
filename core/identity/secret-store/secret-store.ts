/** Where private keys rest. Only the keystore module talks to a SecretStore; nothing else ever sees a secret. */
import type { SecretStoreKindName } from '../../api/keystore.ts'

export type SecretStoreKind = SecretStoreKindName

export interface SecretStore {
  readonly kind: SecretStoreKind
  /** Where the secrets live, for the person to read (never secret material). */
  readonly location: string
  /** The secret stored under `name`, or undefined when there is none. */
  get (name: string): Promise<Uint8Array | undefined>
  /** Store or replace; durable when the promise resolves. */
  set (name: string, secret: Uint8Array): Promise<void>
  /** Remove; removing a missing name is harmless. */
  delete (name: string): Promise<void>
  /** Backends that can turn unusable under the app (Electron safeStorage) say what they use and why they cannot. */
  status? (): Promise<{ detail: string, problem?: Error }> | undefined
}

/** Asked for a passphrase only when one is needed; `confirm` is true when a new one is being chosen. */
export type PassphraseSource = (purpose: { confirm: boolean, what: string }) => Promise<string>
