import { expect, it } from 'vitest'
import { UsageError } from '../../../core/api/errors.ts'
import { baidIdOf, genesisHashOf } from '../../../core/identity/ids.ts'

// BAID ids and the genesis hashes they name, both ways; decoded ids are remembered, never shared.

it('reads a BAID id back to its genesis hash, and gives each caller bytes of its own', () => {
  const genesis = new Uint8Array(32).map((_, i) => i)
  const id = baidIdOf(genesis)
  const first = genesisHashOf(id)
  expect(first).toEqual(genesis)
  first.fill(0)
  expect(genesisHashOf(id)).toEqual(genesis)
  expect(genesisHashOf(id)).not.toBe(genesisHashOf(id))
})

it('names what is not a BAID id', () => {
  for (const text of ['baid:zNotABaid', 'did:key:z6Mk', baidIdOf(new Uint8Array(31))]) expect(() => genesisHashOf(text)).toThrow(UsageError)
})
