import fc from 'fast-check'
import { encode } from '../../core/common/codec.ts'
import { signingBytes, type Signer } from '../../core/identity/envelope.ts'

// Input generators: valid inputs from the real encoders, mutated bit by bit, truncated, extended, spliced, rebuilt with a
// changed field and re-signed with the right or the wrong key, and wholly random bytes.

/** Bytes that sit on CBOR's boundaries: major-type heads, length prefixes, indefinite lengths, break. */
const CBOR_EDGES = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xd8, 0xf4, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff]

const pick = <T> (items: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...items)

/** Flip 1–16 bits at random positions. */
function bitFlips (seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.nat({ max: Math.max(0, seed.byteLength * 8 - 1) }), { minLength: 1, maxLength: 16 }).map(bits => {
    const out = seed.slice()
    for (const bit of bits) if (out.byteLength > 0) out[bit >> 3]! ^= 1 << (bit & 7)
    return out
  })
}

/** Overwrite a few bytes with CBOR edge values or random ones. */
function byteSets (seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  const at = fc.nat({ max: Math.max(0, seed.byteLength - 1) })
  return fc.array(fc.tuple(at, fc.oneof(pick(CBOR_EDGES), fc.nat({ max: 255 }))), { minLength: 1, maxLength: 6 }).map(sets => {
    const out = seed.slice()
    for (const [i, b] of sets) if (out.byteLength > 0) out[i] = b
    return out
  })
}

function truncations (seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.nat({ max: Math.max(0, seed.byteLength - 1) }).map(n => seed.slice(0, n))
}

/** Append bytes, or the input to itself, or insert a run in the middle. */
function extensions (seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map(tail => concat(seed, tail)),
    fc.constant(concat(seed, seed)),
    fc.tuple(fc.nat({ max: seed.byteLength }), fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([i, run]) => concat(seed.subarray(0, i), run, seed.subarray(i))),
    fc.tuple(fc.nat({ max: seed.byteLength }), fc.nat({ max: 32 })).map(([i, n]) => concat(seed.subarray(0, i), seed.subarray(Math.min(seed.byteLength, i + n))))
  )
}

function splices (a: Uint8Array, b: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat({ max: a.byteLength }), fc.nat({ max: b.byteLength })).map(([i, j]) => concat(a.subarray(0, i), b.subarray(j)))
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) { out.set(p, offset); offset += p.byteLength }
  return out
}

/** Every byte-level mutation of any seed, and random bytes up to twice the longest seed. */
export function mutatedBytes (seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = pick(seeds)
  const longest = Math.max(...seeds.map(s => s.byteLength))
  const common = fc.oneof(
    { weight: 4, arbitrary: seed.chain(bitFlips) },
    { weight: 3, arbitrary: seed.chain(byteSets) },
    { weight: 2, arbitrary: seed.chain(truncations) },
    { weight: 2, arbitrary: seed.chain(extensions) },
    { weight: 1, arbitrary: fc.tuple(seed, seed).chain(([a, b]) => splices(a, b)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: Math.min(2 * longest, 4096) }) }
  )
  // Deep nesting: a seed wrapped in thousands of one-element arrays or maps, against recursion in the decoders. Rare: a
  // stack overflow costs milliseconds to unwind.
  const nested = fc.tuple(seed, fc.constantFrom(64, 900, 4096, 20_000), fc.constantFrom(Uint8Array.of(0x81), Uint8Array.of(0xa1, 0x60)))
    .map(([s, n, head]) => concat(...Array<Uint8Array>(n).fill(head), s))
  return fc.oneof({ weight: 400, arbitrary: common }, { weight: 1, arbitrary: nested })
}

/** Values DAG-CBOR can carry, with the edges schemas care about: big and negative numbers, floats, empty and long strings. */
export const cborValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>(tie => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: false },
    fc.integer(),
    pick([0, 1, -1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e9 + 1, 0.5, 1.5, 1e300]),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter(d => !Object.is(d, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 40 }),
    pick(['', 'x'.repeat(129), 'x'.repeat(5000), 'code_generation', 'CODE', 'a b', '\u0000', '\ud800', 'task-1', 'T3']),
    fc.uint8Array({ maxLength: 80 }),
    pick([new Uint8Array(31), new Uint8Array(32), new Uint8Array(33), new Uint8Array(64)]),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 4 })
  )
})).v

/** One structural change to a decoded value: a field replaced, removed or added, somewhere in the tree. */
export function mutatedValue (value: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(value)
  return fc.tuple(pick(paths), fc.nat({ max: 2 }), cborValue, fc.string({ maxLength: 8 })).map(([path, op, replacement, newKey]) => {
    const copy = structuredClone(value)
    if (path.length === 0) return op === 0 ? replacement : copy
    const parent = path.slice(0, -1).reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], copy) as Record<string, unknown> | unknown[]
    const last = path.at(-1)!
    if (op === 0) (parent as Record<string, unknown>)[last] = replacement
    else if (op === 1) { if (Array.isArray(parent)) parent.splice(Number(last), 1); else delete parent[last] } else if (!Array.isArray(parent)) parent[newKey] = replacement
    else parent.push(replacement)
    return copy
  })
}

function pathsOf (value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix)
  if (out.length > 256 || value === null || typeof value !== 'object' || value instanceof Uint8Array) return out
  for (const key of Object.keys(value)) pathsOf((value as Record<string, unknown>)[key], [...prefix, key], out)
  return out
}

/** A seed envelope taken apart: domain, type, payload value, and who signed it. */
export interface EnvelopeSeed {
  readonly domain: string
  readonly type: string
  readonly payload: unknown
  readonly signers: readonly Signer[]
}

/** Seal by hand (not through seal(), which refuses what it should not make): any domain, type, payload and signers. */
export function sealAny (domain: string, type: string, payload: unknown, signers: readonly Signer[]): Uint8Array | undefined {
  let p: Uint8Array
  try { p = encode(payload) } catch { return undefined } // a value DAG-CBOR cannot carry is no input
  const message = signingBytes(domain, type, p)
  return encode({ d: domain, t: type, p, s: signers.map(s => [s.publicKey, s.sign(message)]) })
}

/**
 * Envelopes rebuilt from a seed and signed so the signatures verify: a changed payload signed by the right keys (so the
 * schema is what refuses it), the valid payload signed by a wrong key, a wrong domain or type, one signer too few or many.
 */
export function resealed (seeds: readonly EnvelopeSeed[], strangers: readonly Signer[]): fc.Arbitrary<Uint8Array> {
  const stranger = pick(strangers)
  const bySeed = pick(seeds).chain(s => fc.oneof(
    { weight: 6, arbitrary: mutatedValue(s.payload).map(p => sealAny(s.domain, s.type, p, s.signers)) },
    { weight: 2, arbitrary: fc.tuple(stranger, fc.nat({ max: s.signers.length - 1 })).map(([k, i]) => sealAny(s.domain, s.type, s.payload, s.signers.map((x, j) => j === i ? k : x))) },
    { weight: 1, arbitrary: stranger.map(k => sealAny(s.domain, s.type, s.payload, s.signers.map(() => k))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 70 }).map(t => sealAny(s.domain, t, s.payload, s.signers)) },
    { weight: 1, arbitrary: pick(['hearth/task', 'hearth/baid', 'hearth/receipt', 'hearth/log-entry', 'hearth/message', 'x']).map(d => sealAny(d, s.type, s.payload, s.signers)) },
    { weight: 1, arbitrary: stranger.map(k => sealAny(s.domain, s.type, s.payload, [...s.signers, k])) },
    { weight: 1, arbitrary: fc.constant(sealAny(s.domain, s.type, s.payload, s.signers.slice(1))) }
  ))
  return bySeed.map(b => b ?? new Uint8Array(0))
}

/** Text-level mutations of JSON seeds, and JSON trees with one field changed. */
export function mutatedJson (seeds: readonly unknown[]): fc.Arbitrary<string> {
  const texts = seeds.map(s => new TextEncoder().encode(JSON.stringify(s)))
  return fc.oneof(
    { weight: 5, arbitrary: pick(seeds).chain(s => mutatedJsonValue(s)).map(v => JSON.stringify(v)) },
    { weight: 3, arbitrary: mutatedBytes(texts).map(b => new TextDecoder().decode(b)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(v => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map(n => '['.repeat(n) + ']'.repeat(n)) }
  )
}

/** JSON trees: one node replaced by any JSON value, removed, or a key added. */
export function mutatedJsonValue (value: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(value)
  const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), pick<unknown>([null, '', -1, 1e308, 2 ** 53, 'x'.repeat(70_000), [], {}, { __proto__: null }, true]))
  return fc.tuple(pick(paths), fc.nat({ max: 2 }), json, fc.oneof(fc.string({ maxLength: 8 }), pick(['__proto__', 'constructor', 'prototype', 'toString']))).map(([path, op, replacement, newKey]) => {
    const copy = JSON.parse(JSON.stringify(value)) as unknown
    if (path.length === 0) return op === 0 ? replacement : copy
    const parent = path.slice(0, -1).reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], copy) as Record<string, unknown> | unknown[]
    const last = path.at(-1)!
    if (op === 0) (parent as Record<string, unknown>)[last] = replacement
    else if (op === 1) { if (Array.isArray(parent)) parent.splice(Number(last), 1); else delete parent[last] } else if (Array.isArray(parent)) parent.push(replacement)
    else Object.defineProperty(parent, newKey, { value: replacement, enumerable: true, configurable: true, writable: true })
    return copy
  })
}

/** A small fast PRNG (xorshift32): havoc makes most inputs, and fast-check's generators cost more than the decoders. */
export function rng (seed: number): () => number {
  let x = (seed | 0) || 0x9e3779b9
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 2 ** 32 }
}

/** AFL-style havoc: 1–4 stacked byte mutations of an input (flip, set to a CBOR edge, cut, append, delete, duplicate). */
export function havoc (input: Uint8Array, random: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(random() * n)
  let out: Uint8Array = input.slice()
  for (let k = 1 + int(4); k > 0; k--) {
    const at = int(out.byteLength + 1)
    switch (int(7)) {
      case 0: if (out.byteLength > 0) out[int(out.byteLength)]! ^= 1 << int(8); break
      case 1: if (out.byteLength > 0) out[int(out.byteLength)] = CBOR_EDGES[int(CBOR_EDGES.length)]!; break
      case 2: if (out.byteLength > 0) out[int(out.byteLength)] = int(256); break
      case 3: out = out.slice(0, at); break
      case 4: out = concat(out, Uint8Array.from({ length: 1 + int(32) }, () => int(256))); break
      case 5: out = concat(out.subarray(0, at), out.subarray(Math.min(out.byteLength, at + 1 + int(16)))); break
      default: out = concat(out.subarray(0, at), out.subarray(at, at + 1 + int(32)), out.subarray(at))
    }
  }
  return out
}
