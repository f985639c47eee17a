import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SecretStore } from '../../../core/identity/secret-store/secret-store.ts'

// What every SecretStore promises, run against each backend so none of them quietly differs.

export interface SecretStoreFixture {
  /** The store for `place` (a data directory or namespace): the same place gives the same secrets, different places never share. */
  open (place: string): Promise<SecretStore>
  /** Removes whatever the test left behind: files, keychain entries. */
  cleanup (): Promise<void>
}

export interface SecretStoreFactory {
  /** Whether secrets outlive the object holding them, so opening the same place again finds them. */
  readonly persistent: boolean
  create (): Promise<SecretStoreFixture>
}

const key = (bytes: number): Uint8Array => new Uint8Array(randomBytes(bytes))

export function secretStoreCompliance (name: string, factory: SecretStoreFactory): void {
  describe(`SecretStore compliance: ${name}`, () => {
    let fixture: SecretStoreFixture
    let store: SecretStore

    beforeEach(async () => {
      fixture = await factory.create()
      store = await fixture.open('home')
    })

    afterEach(async () => {
      await fixture.cleanup()
    })

    it('has no secret under a name never set', async () => {
      expect(await store.get('owner')).toBeUndefined()
    })

    it('round-trips every byte value', async () => {
      const everyByte = new Uint8Array(256).map((_, i) => i)
      await store.set('all-bytes', everyByte)
      expect(await store.get('all-bytes')).toEqual(everyByte)
    })

    it('round-trips 32- and 64-byte keys', async () => {
      const seed = key(32)
      const expanded = key(64)
      await store.set('owner', seed)
      await store.set('agent/expanded', expanded)
      expect(await store.get('owner')).toEqual(seed)
      expect(await store.get('agent/expanded')).toEqual(expanded)
    })

    it('replaces a secret that is set again', async () => {
      const second = key(32)
      await store.set('owner', key(32))
      await store.set('owner', second)
      expect(await store.get('owner')).toEqual(second)
    })

    it('forgets a deleted secret', async () => {
      await store.set('owner', key(32))
      await store.delete('owner')
      expect(await store.get('owner')).toBeUndefined()
    })

    it('deletes a missing name harmlessly', async () => {
      const kept = key(32)
      await store.set('owner', kept)
      await store.delete('never-set')
      await store.delete('never-set')
      expect(await store.get('owner')).toEqual(kept)
    })

    it('keeps names independent of each other', async () => {
      const secrets = new Map([['owner', key(32)], ['agent/12D3KooWA', key(32)], ['agent/12D3KooWAB', key(32)]])
      for (const [n, secret] of secrets) await store.set(n, secret)
      await store.delete('agent/12D3KooWA')
      expect(await store.get('agent/12D3KooWA')).toBeUndefined()
      expect(await store.get('owner')).toEqual(secrets.get('owner'))
      expect(await store.get('agent/12D3KooWAB')).toEqual(secrets.get('agent/12D3KooWAB'))
    })

    it('keeps every one of several concurrent writes', async () => {
      const secrets = Array.from({ length: 6 }, (_, i) => [`agent/${i}`, key(32)] as const)
      await Promise.all(secrets.map(async ([n, secret]) => store.set(n, secret)))
      for (const [n, secret] of secrets) expect(await store.get(n)).toEqual(secret)
    })

    it('shares no memory between stored secrets and the bytes callers hold', async () => {
      const given = key(32)
      const original = given.slice()
      await store.set('owner', given)
      given.fill(0)
      const first = await store.get('owner')
      first?.fill(0xff)
      expect(await store.get('owner')).toEqual(original)
    })

    if (factory.persistent) {
      it('finds its secrets again when reopened, as after a restart', async () => {
        const seed = key(32)
        await store.set('owner', seed)
        await store.set('gone', key(32))
        await store.delete('gone')
        const again = await fixture.open('home')
        expect(again).not.toBe(store)
        expect(await again.get('owner')).toEqual(seed)
        expect(await again.get('gone')).toBeUndefined()
      })
    }

    it('never shows one place\'s secrets to another', async () => {
      const elsewhere = await fixture.open('elsewhere')
      const mine = key(32)
      const theirs = key(32)
      await store.set('owner', mine)
      expect(await elsewhere.get('owner')).toBeUndefined()
      await elsewhere.set('owner', theirs)
      expect(await store.get('owner')).toEqual(mine)
      expect(await elsewhere.get('owner')).toEqual(theirs)
      await elsewhere.delete('owner')
      expect(await store.get('owner')).toEqual(mine)
    })
  })
}
