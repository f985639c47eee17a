import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto'
import { KeyFileCorruptError, PassphraseRequiredError, WrongPassphraseError } from '../api/errors.ts'

// Bytes sealed under a passphrase: scrypt stretches it, AES-256-GCM seals (GCM because every Node and
// Electron's BoringSSL has it). Format version 1, where everything before the ciphertext is the header,
// which is also the AEAD's associated data, so a changed header fails authentication:
//   "HEARTHBOX" | version u8 | log2(N) u8 | r u8 | p u8 | salt 16 | nonce 12 | ciphertext length u32be | ciphertext | tag 16

/** scrypt's cost parameters: N (a power of two) and r set the memory (128·N·r bytes), p the repetitions. */
export interface KdfCost { readonly N: number, readonly r: number, readonly p: number }

/** What new boxes use: 128 MiB and a few hundred milliseconds per guess. */
export const DEFAULT_KDF_COST: KdfCost = { N: 2 ** 17, r: 8, p: 1 }
/** Cheap enough to run many times per test; never for real secrets. */
export const TEST_KDF_COST: KdfCost = { N: 2 ** 14, r: 8, p: 1 }

const MAGIC = new TextEncoder().encode('HEARTHBOX')
const VERSION = 1
const SALT_BYTES = 16
const NONCE_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32
const PARAMS_AT = MAGIC.length + 1
const SALT_AT = PARAMS_AT + 3
const NONCE_AT = SALT_AT + SALT_BYTES
const LENGTH_AT = NONCE_AT + NONCE_BYTES
const HEADER_BYTES = LENGTH_AT + 4

// A header's params are checked before scrypt runs, so a damaged or hostile box cannot demand gigabytes.
const LIMITS = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16, maxMemory: 2 ** 30 }

/** A passphrase stretched once: it seals any number of boxes under one salt and cost, each with a fresh nonce. */
export class PassphraseKey {
  readonly cost: KdfCost
  readonly #key: Uint8Array
  readonly #salt: Uint8Array

  private constructor (key: Uint8Array, salt: Uint8Array, cost: KdfCost) {
    this.#key = key
    this.#salt = salt
    this.cost = cost
  }

  /** Stretch `passphrase` under a new random salt. */
  static async derive (passphrase: string, opts: { cost?: KdfCost } = {}): Promise<PassphraseKey> {
    const cost = opts.cost ?? DEFAULT_KDF_COST
    const problem = costProblem(cost)
    if (problem !== undefined) throw new RangeError(`scrypt cost ${JSON.stringify(cost)}: ${problem}`)
    const salt = new Uint8Array(randomBytes(SALT_BYTES))
    return new PassphraseKey(await stretch(passphrase, salt, cost), salt, cost)
  }

  /** Open `box` and keep its stretched passphrase, so later seals need no second scrypt run. */
  static async unlock (box: Uint8Array, passphrase: string): Promise<{ plaintext: Uint8Array, key: PassphraseKey }> {
    const parsed = parseBox(box)
    const key = new PassphraseKey(await stretch(passphrase, parsed.salt, parsed.cost), parsed.salt, parsed.cost)
    const decipher = createDecipheriv('aes-256-gcm', key.#key, parsed.nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(parsed.header)
    decipher.setAuthTag(parsed.tag)
    const out = decipher.update(parsed.ciphertext)
    try {
      decipher.final()
    } catch (err) {
      out.fill(0)
      throw new WrongPassphraseError('the passphrase does not open this box (or the box was altered)', { cause: err })
    }
    return { plaintext: copyOut(out), key }
  }

  seal (plaintext: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES)
    const box = new Uint8Array(HEADER_BYTES + plaintext.byteLength + TAG_BYTES)
    box.set(MAGIC, 0)
    box.set([VERSION, Math.log2(this.cost.N), this.cost.r, this.cost.p], MAGIC.length)
    box.set(this.#salt, SALT_AT)
    box.set(nonce, NONCE_AT)
    new DataView(box.buffer).setUint32(LENGTH_AT, plaintext.byteLength)
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(box.subarray(0, HEADER_BYTES))
    box.set(cipher.update(plaintext), HEADER_BYTES)
    cipher.final()
    box.set(cipher.getAuthTag(), HEADER_BYTES + plaintext.byteLength)
    return box
  }
}

export async function sealWithPassphrase (plaintext: Uint8Array, passphrase: string, opts: { cost?: KdfCost } = {}): Promise<Uint8Array> {
  return (await PassphraseKey.derive(passphrase, opts)).seal(plaintext)
}

export async function openWithPassphrase (box: Uint8Array, passphrase: string): Promise<Uint8Array> {
  return (await PassphraseKey.unlock(box, passphrase)).plaintext
}

/** The scrypt cost a box was sealed with, read from its header without the passphrase. */
export function boxCost (box: Uint8Array): KdfCost {
  return parseBox(box).cost
}

function parseBox (box: Uint8Array): { header: Uint8Array, cost: KdfCost, salt: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array } {
  if (box.byteLength < HEADER_BYTES + TAG_BYTES || !MAGIC.every((byte, i) => box[i] === byte)) {
    throw new KeyFileCorruptError('not a Hearth passphrase box: the header is missing or damaged')
  }
  const version = box[MAGIC.length]
  if (version !== VERSION) throw new KeyFileCorruptError(`passphrase box format version ${String(version)} is not one this Hearth reads (${VERSION})`)
  const [logN = 0, r = 0, p = 0] = box.subarray(PARAMS_AT, SALT_AT)
  const cost = { N: 2 ** logN, r, p }
  const problem = costProblem(cost)
  if (problem !== undefined) throw new KeyFileCorruptError(`passphrase box header asks for an implausible scrypt cost: ${problem}`)
  const length = new DataView(box.buffer, box.byteOffset, box.byteLength).getUint32(LENGTH_AT)
  if (box.byteLength !== HEADER_BYTES + length + TAG_BYTES) {
    throw new KeyFileCorruptError(`passphrase box is ${box.byteLength} bytes but its header says ${HEADER_BYTES + length + TAG_BYTES}: truncated or extended`)
  }
  return {
    header: box.subarray(0, HEADER_BYTES),
    cost,
    salt: box.subarray(SALT_AT, NONCE_AT),
    nonce: box.subarray(NONCE_AT, LENGTH_AT),
    ciphertext: box.subarray(HEADER_BYTES, HEADER_BYTES + length),
    tag: box.subarray(HEADER_BYTES + length)
  }
}

function costProblem ({ N, r, p }: KdfCost): string | undefined {
  const logN = Math.log2(N)
  if (!Number.isInteger(logN) || logN < LIMITS.minLogN || logN > LIMITS.maxLogN) return `N must be a power of two from 2^${LIMITS.minLogN} to 2^${LIMITS.maxLogN}`
  if (!Number.isInteger(r) || r < 1 || r > LIMITS.maxR) return `r must be 1..${LIMITS.maxR}`
  if (!Number.isInteger(p) || p < 1 || p > LIMITS.maxP) return `p must be 1..${LIMITS.maxP}`
  if (128 * N * r > LIMITS.maxMemory) return 'more than 1 GiB of memory'
  return undefined
}

async function stretch (passphrase: string, salt: Uint8Array, { N, r, p }: KdfCost): Promise<Uint8Array> {
  if (passphrase.length === 0) {
    throw new PassphraseRequiredError('an empty passphrase cannot protect secrets', { hint: 'choose a passphrase that is not empty' })
  }
  // NFC, so the same passphrase typed on systems that compose accents differently gives the same key.
  const secret = passphrase.normalize('NFC')
  // Twice what OpenSSL allocates (128·r·(N+p+2)), so node's default 32 MiB cap never refuses a valid cost.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * r * (N + p + 2) }
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (err, key) => { if (err === null) resolve(copyOut(key)); else reject(err) })
  })
}

/** Copy into memory we own and wipe the Buffer node handed us (it may sit in a shared pool). */
function copyOut (buffer: Buffer): Uint8Array {
  const bytes = new Uint8Array(buffer)
  buffer.fill(0)
  return bytes
}
