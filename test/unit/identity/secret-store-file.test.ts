import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeyFileCorruptError, PassphraseRequiredError, WrongPassphraseError } from '../../../core/api/errors.ts'
import { boxCost, TEST_KDF_COST } from '../../../core/identity/passphrase-box.ts'
import { FileSecretStore } from '../../../core/identity/secret-store/file.ts'
import type { PassphraseSource } from '../../../core/identity/secret-store/secret-store.ts'
import { secretStoreCompliance } from './secret-store.compliance.ts'

const PASSPHRASE = 'correct horse battery staple'

secretStoreCompliance('file', {
  persistent: true,
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-file-store-'))
    return {
      open: async place => new FileSecretStore({ path: join(dir, place, 'keys.hearthkey'), passphrase: async () => PASSPHRASE, cost: TEST_KDF_COST }),
      cleanup: async () => rm(dir, { recursive: true, force: true })
    }
  }
})

describe('FileSecretStore', () => {
  let dir: string
  let path: string
  let asked: Array<{ confirm: boolean, what: string }>

  const answering = (passphrase: string): PassphraseSource => async purpose => {
    asked.push(purpose)
    return passphrase
  }
  const storeWith = (passphrase: string): FileSecretStore => new FileSecretStore({ path, passphrase: answering(passphrase), cost: TEST_KDF_COST })

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hearth-file-store-'))
    path = join(dir, 'keys.hearthkey')
    asked = []
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('asks for a new, confirmed passphrase only when the first secret is written', async () => {
    const store = storeWith(PASSPHRASE)
    expect(await store.get('owner')).toBeUndefined()
    await store.delete('owner')
    expect(asked).toEqual([])
    await store.set('owner', new Uint8Array(32))
    expect(asked).toEqual([{ confirm: true, what: expect.stringContaining(path) }])
  })

  it('asks for the passphrase once per opening, not on every read and write', async () => {
    await storeWith(PASSPHRASE).set('owner', new Uint8Array(32))
    asked = []
    const store = storeWith(PASSPHRASE)
    await store.get('owner')
    await store.set('agent/a', new Uint8Array(32))
    await store.delete('owner')
    await store.get('agent/a')
    expect(asked).toEqual([{ confirm: false, what: expect.stringContaining(path) }])
  })

  it('refuses a wrong passphrase and leaves the file byte for byte as it was', async () => {
    await storeWith(PASSPHRASE).set('owner', new Uint8Array(32).fill(7))
    const before = await readFile(path)
    const wrong = storeWith('incorrect horse')
    await expect(wrong.get('owner')).rejects.toBeInstanceOf(WrongPassphraseError)
    await expect(wrong.set('owner', new Uint8Array(32))).rejects.toBeInstanceOf(WrongPassphraseError)
    await expect(wrong.delete('owner')).rejects.toBeInstanceOf(WrongPassphraseError)
    expect(await readFile(path)).toEqual(before)
    expect(await storeWith(PASSPHRASE).get('owner')).toEqual(new Uint8Array(32).fill(7))
  })

  it('writes nothing when no passphrase can be had', async () => {
    const store = new FileSecretStore({ path, passphrase: async () => { throw new PassphraseRequiredError('no terminal') }, cost: TEST_KDF_COST })
    await expect(store.set('owner', new Uint8Array(32))).rejects.toBeInstanceOf(PassphraseRequiredError)
    expect(await readdir(dir)).toEqual([])
  })

  it.each([
    ['truncated', (bytes: Uint8Array) => bytes.subarray(0, bytes.byteLength - 5)],
    ['cut inside its header', (bytes: Uint8Array) => bytes.subarray(0, 20)],
    ['overwritten with garbage', (bytes: Uint8Array) => new Uint8Array(randomBytes(bytes.byteLength))],
    ['empty', () => new Uint8Array(0)]
  ])('reports a key file that is %s as damaged, with a way out', async (_, damage) => {
    await storeWith(PASSPHRASE).set('owner', new Uint8Array(32))
    await writeFile(path, damage(await readFile(path)))
    const err = await storeWith(PASSPHRASE).get('owner').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KeyFileCorruptError)
    expect((err as KeyFileCorruptError).message).toContain(path)
    expect((err as KeyFileCorruptError).hint).toMatch(/backup/)
  })

  it('keeps the file readable and writable only by its owner', async () => {
    await storeWith(PASSPHRASE).set('owner', new Uint8Array(32))
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('never writes a secret or its name in the clear', async () => {
    const secret = new Uint8Array(randomBytes(32))
    await storeWith(PASSPHRASE).set('agent/12D3KooWSecretName', secret)
    const file = await readFile(path)
    expect(file.indexOf(secret)).toBe(-1)
    expect(file.indexOf(secret.subarray(0, 8))).toBe(-1)
    expect(file.indexOf('12D3KooWSecretName')).toBe(-1)
  })

  it('leaves only the key file behind after many writes', async () => {
    const store = storeWith(PASSPHRASE)
    for (let i = 0; i < 5; i++) await store.set(`agent/${i}`, new Uint8Array(32))
    await store.delete('agent/0')
    expect(await readdir(dir)).toEqual(['keys.hearthkey'])
  })

  it('seals the file with the scrypt cost it was given', async () => {
    await storeWith(PASSPHRASE).set('owner', new Uint8Array(32))
    expect(boxCost(await readFile(path))).toEqual(TEST_KDF_COST)
  })
})
