import { generateSeed, privateKeyObject, publicKeyOf, signWith } from '../../core/identity/ed25519.ts'
import type { Signer } from '../../core/identity/envelope.ts'
import { sha256 } from '../../core/common/hash.ts'
import { issueRecord, type BaidRecord, type ChainLink } from '../../core/identity/baid.ts'

/** A throwaway signing key for tests that build envelopes by hand. */
export function testSigner (seed = generateSeed()): Signer {
  const key = privateKeyObject(seed)
  return { publicKey: publicKeyOf(seed), sign: m => signWith(key, m) }
}

export const digest = (label: string): Uint8Array => sha256(new TextEncoder().encode(label))

export const DAY = 24 * 60 * 60 * 1000

/** Build a hash-linked chain of records by hand: one agent signer per version (rotations where they differ). */
export function buildChain (owner: Signer, agents: readonly Signer[], start = Date.now(), overrides: (r: BaidRecord) => BaidRecord = r => r): ChainLink[] {
  const links: ChainLink[] = []
  agents.forEach((agent, i) => {
    const prev = links.at(-1)
    const record: BaidRecord = overrides({
      v: 1,
      agent: agent.publicKey,
      owner: owner.publicKey,
      version: i + 1,
      prev: prev?.hash ?? null,
      codeDigest: digest('code'),
      configDigest: digest('config'),
      commitment: digest('commitment'),
      issuedAt: start + i,
      expiresAt: start + 30 * DAY
    })
    links.push(issueRecord(record, owner, agent))
  })
  return links
}
