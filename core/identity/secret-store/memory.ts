import type { SecretStore } from './secret-store.ts'

/** Secrets that live only as long as the object: for tests. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory'
  readonly location = 'memory (gone when the process exits)'
  readonly #secrets = new Map<string, Uint8Array>()

  // Copies in and out (new Uint8Array, since Buffer#slice would share memory), so no caller can change a stored secret.
  async get (name: string): Promise<Uint8Array | undefined> {
    const secret = this.#secrets.get(name)
    return secret === undefined ? undefined : new Uint8Array(secret)
  }

  async set (name: string, secret: Uint8Array): Promise<void> {
    this.#secrets.set(name, new Uint8Array(secret))
  }

  async delete (name: string): Promise<void> {
    this.#secrets.delete(name)
  }
}
