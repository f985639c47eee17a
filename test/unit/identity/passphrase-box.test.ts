import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { KeyFileCorruptError, PassphraseRequiredError, WrongPassphraseError } from '../../../core/api/errors.ts'
import { boxCost, DEFAULT_KDF_COST, openWithPassphrase, PassphraseKey, sealWithPassphrase, TEST_KDF_COST, type KdfCost } from '../../../core/identity/passphrase-box.ts'

const PASSPHRASE = 'correct horse battery staple'
const HEADER_BYTES = 45 // "HEARTHBOX", version, log2 N, r, p, 16-byte salt, 12-byte nonce, 4-byte length
// Cheaper still, for tests that open dozens of boxes.
const TINY_COST: KdfCost = { N: 2 ** 10, r: 8, p: 1 }

const seal = async (plaintext: Uint8Array, passphrase = PASSPHRASE): Promise<Uint8Array> => sealWithPassphrase(plaintext, passphrase, { cost: TEST_KDF_COST })

describe('passphrase box', () => {
  it('opens to the exact bytes sealed, from empty to 100 kB', async () => {
    for (const plaintext of [new Uint8Array(0), new Uint8Array(256).map((_, i) => i), new Uint8Array(randomBytes(100_000))]) {
      expect(await openWithPassphrase(await seal(plaintext), PASSPHRASE)).toEqual(plaintext)
    }
  })

  it('refuses a wrong passphrase', async () => {
    const box = await seal(new Uint8Array(32))
    await expect(openWithPassphrase(box, 'correct horse battery stapler')).rejects.toBeInstanceOf(WrongPassphraseError)
  })

  it('opens with the same passphrase however its accents were composed', async () => {
    const composed = 'caf\u00e9 cr\u00e8me'
    const decomposed = composed.normalize('NFD')
    expect(decomposed).not.toBe(composed)
    const plaintext = new Uint8Array([1, 2, 3])
    expect(await openWithPassphrase(await seal(plaintext, composed), decomposed)).toEqual(plaintext)
  })

  it('refuses an empty passphrase, sealing or opening', async () => {
    await expect(seal(new Uint8Array(1), '')).rejects.toBeInstanceOf(PassphraseRequiredError)
    await expect(openWithPassphrase(await seal(new Uint8Array(1)), '')).rejects.toBeInstanceOf(PassphraseRequiredError)
  })

  it('hides the plaintext and never seals the same bytes the same way twice', async () => {
    const plaintext = new Uint8Array(randomBytes(64))
    const [a, b] = await Promise.all([seal(plaintext), seal(plaintext)])
    expect(Buffer.from(a).indexOf(plaintext.subarray(0, 8))).toBe(-1)
    expect(a).not.toEqual(b)
    expect(a.subarray(13, HEADER_BYTES)).not.toEqual(b.subarray(13, HEADER_BYTES)) // salt and nonce differ
  })

  it('fails authentication when any header byte is changed', async () => {
    const box = await sealWithPassphrase(new Uint8Array(32).fill(9), PASSPHRASE, { cost: TINY_COST })
    for (let i = 0; i < HEADER_BYTES; i++) {
      const altered = box.slice()
      altered[i] = (altered[i] ?? 0) ^ 0x01
      const err = await openWithPassphrase(altered, PASSPHRASE).catch((e: unknown) => e)
      expect([KeyFileCorruptError, WrongPassphraseError].some(type => err instanceof type), `header byte ${i}`).toBe(true)
    }
  })

  it('fails authentication when the ciphertext or tag is changed', async () => {
    const box = await sealWithPassphrase(new Uint8Array(32).fill(9), PASSPHRASE, { cost: TINY_COST })
    for (const i of [HEADER_BYTES, HEADER_BYTES + 31, box.byteLength - 16, box.byteLength - 1]) {
      const altered = box.slice()
      altered[i] = (altered[i] ?? 0) ^ 0x80
      await expect(openWithPassphrase(altered, PASSPHRASE), `byte ${i}`).rejects.toBeInstanceOf(WrongPassphraseError)
    }
  })

  it.each([
    ['empty', () => new Uint8Array(0)],
    ['random bytes', () => new Uint8Array(randomBytes(200))],
    ['truncated', (box: Uint8Array) => box.subarray(0, box.byteLength - 1)],
    ['extended', (box: Uint8Array) => Uint8Array.from([...box, 0])],
    ['cut inside the header', (box: Uint8Array) => box.subarray(0, 30)],
    ['from a future format version', (box: Uint8Array) => withByte(box, 9, 2)]
  ])('calls a box that is %s corrupt', async (_, damage) => {
    const box = await seal(new Uint8Array(32))
    await expect(openWithPassphrase(damage(box), PASSPHRASE)).rejects.toBeInstanceOf(KeyFileCorruptError)
  })

  it.each([
    ['N = 2^40', 10, 40],
    ['N = 2^5', 10, 5],
    ['r = 0', 11, 0],
    ['r = 255', 11, 255],
    ['p = 0', 12, 0],
    ['p = 200', 12, 200]
  ])('refuses a header asking for scrypt with %s before running it', async (_, at, value) => {
    const box = await seal(new Uint8Array(32))
    const started = performance.now()
    await expect(openWithPassphrase(withByte(box, at, value), PASSPHRASE)).rejects.toBeInstanceOf(KeyFileCorruptError)
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('writes the strong default cost into a new box unless told otherwise', async () => {
    expect(DEFAULT_KDF_COST).toEqual({ N: 2 ** 17, r: 8, p: 1 })
    expect(boxCost(await sealWithPassphrase(new Uint8Array(1), PASSPHRASE))).toEqual(DEFAULT_KDF_COST)
    expect(boxCost(await seal(new Uint8Array(1)))).toEqual(TEST_KDF_COST)
  })

  it('refuses to seal with a cost it would refuse to open', async () => {
    await expect(sealWithPassphrase(new Uint8Array(1), PASSPHRASE, { cost: { N: 3000, r: 8, p: 1 } })).rejects.toBeInstanceOf(RangeError)
    await expect(sealWithPassphrase(new Uint8Array(1), PASSPHRASE, { cost: { N: 2 ** 20, r: 32, p: 1 } })).rejects.toBeInstanceOf(RangeError)
  })

  it('reseals with a kept key, without the passphrase, into boxes the passphrase opens', async () => {
    const { key } = await PassphraseKey.unlock(await seal(new Uint8Array([1])), PASSPHRASE)
    const [a, b] = [key.seal(new Uint8Array([2])), key.seal(new Uint8Array([2]))]
    expect(a).not.toEqual(b)
    expect(await openWithPassphrase(a, PASSPHRASE)).toEqual(new Uint8Array([2]))
    expect(await openWithPassphrase(b, PASSPHRASE)).toEqual(new Uint8Array([2]))
    expect(boxCost(a)).toEqual(TEST_KDF_COST)
  })
})

function withByte (box: Uint8Array, at: number, value: number): Uint8Array {
  const changed = box.slice()
  changed[at] = value
  return changed
}
