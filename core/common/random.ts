// The one seeded PRNG: reproducible runs (simulators, testnets, property tests) from a number.

/** A source of uniform numbers in [0, 1). */
export type Random = () => number

/** mulberry32: tiny, fast and well mixed; fine for simulation, never for keys. */
export function createRandom (seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One 32-bit seed from several integers, so a stream can be keyed by (run, epoch, topic, query) and be the same whoever draws from it. */
export function streamSeed (...parts: readonly number[]): number {
  let h = 0x811c9dc5
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193)
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    h ^= h >>> 12
  }
  return h >>> 0
}

/** A uniform integer in [0, n). */
export function randomInt (random: Random, n: number): number {
  return Math.floor(random() * n)
}

/** Shuffle in place (Fisher–Yates). */
export function shuffle<T> (random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1)
    const tmp = items[i] as T
    items[i] = items[j] as T
    items[j] = tmp
  }
  return items
}
