import { describe, expect, it, vi } from 'vitest'
import { createPublicKey } from 'node:crypto'
import { AgentCard, verifyAgentCardSignature } from '@a2a-js/sdk'
import { generateSeed, privateKeyObject } from '../../../core/identity/ed25519.ts'
import { issueRevocation, verifyChain, type BaidChain } from '../../../core/identity/baid.ts'
import { peerIdOf } from '../../../core/identity/ids.ts'
import type { Signer } from '../../../core/identity/envelope.ts'
import { buildAgentCard, cardToJson, parseAgentCard, signAgentCard, verifyAgentCard, type CardIdentity } from '../../../core/interop/index.ts'
import { base64url, signingInput } from '../../../core/interop/card-jws.ts'
import { buildChain, testSigner } from '../../helpers/identity.ts'
import { makeDescriptor } from '../../helpers/descriptors.ts'

interface Agent { readonly seed: Uint8Array, readonly signer: Signer, readonly chain: BaidChain, readonly who: CardIdentity }

function agent (): Agent {
  const seed = generateSeed()
  const signer = testSigner(seed)
  const owner = testSigner()
  const chain = verifyChain(buildChain(owner, [signer]).map(l => l.envelope.bytes))
  return { seed, signer, chain, who: { baidId: chain.baidId, peerId: peerIdOf(signer.publicKey), baidVersion: 1 } }
}

function cardOf (a: Agent): AgentCard {
  return buildAgentCard({
    name: 'Test agent',
    identity: a.who,
    url: 'http://127.0.0.1:4711/a2a',
    version: '0.1.0',
    descriptors: [makeDescriptor(1, { agent: a.signer.publicKey }), makeDescriptor(2, { agent: a.signer.publicKey })]
  })
}

/** Sign with any key under any header: what an impostor can do. */
function forge (card: AgentCard, key: Signer, header: Record<string, unknown>): AgentCard {
  const protectedB64 = base64url(JSON.stringify(header))
  return { ...card, signatures: [{ protected: protectedB64, signature: base64url(key.sign(signingInput(protectedB64, card))), header: undefined }] }
}

const errorName = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as Error).name }
  return undefined
}

describe('AgentCard export', () => {
  it('carries the agent\'s skills, its BAID and its endpoint, and verifies against the BAID chain after a round trip through JSON', () => {
    const a = agent()
    const signed = signAgentCard(cardOf(a), a.signer, a.who)
    const card = parseAgentCard(new TextEncoder().encode(cardToJson(signed)))
    const verified = verifyAgentCard(card, a.chain)
    expect(verified).toMatchObject({ baidId: a.chain.baidId, peerId: a.who.peerId, name: 'Test agent', url: 'http://127.0.0.1:4711/a2a' })
    expect(verified.skills).toEqual(['hearth/delegate', makeDescriptor(1).id, makeDescriptor(2).id])
    expect(card.defaultInputModes).toContain('text/plain')
  })

  it('is a standard A2A JWS: the SDK\'s own verifier accepts it with the BAID\'s agent key', async () => {
    const a = agent()
    const signed = signAgentCard(cardOf(a), a.signer, a.who)
    const card = AgentCard.fromJSON(JSON.parse(cardToJson(signed)))
    await expect(verifyAgentCardSignature(async () => createPublicKey(privateKeyObject(a.seed)))(card)).resolves.toBeUndefined()
    const other = createPublicKey(privateKeyObject(generateSeed()))
    vi.spyOn(console, 'debug').mockImplementation(() => {}) // the SDK logs each signature it rejects
    await expect(verifyAgentCardSignature(async () => other)(card)).rejects.toThrow()
  })

  it('refuses to sign with a key other than the BAID\'s agent key', () => {
    const a = agent()
    expect(errorName(() => signAgentCard(cardOf(a), testSigner(), a.who))).toBe('UnexpectedSignerError')
  })
})

describe('verifyAgentCard', () => {
  it('rejects a tampered card', () => {
    const a = agent()
    const signed = signAgentCard(cardOf(a), a.signer, a.who)
    const tampered = { ...signed, supportedInterfaces: [{ ...signed.supportedInterfaces[0]!, url: 'http://127.0.0.1:9999/a2a' }] }
    expect(errorName(() => verifyAgentCard(tampered, a.chain))).toBe('AgentCardSignatureError')
    const moreSkills = { ...signed, skills: [...signed.skills, { ...signed.skills[0]!, id: 'steal-secrets' }] }
    expect(errorName(() => verifyAgentCard(moreSkills, a.chain))).toBe('AgentCardSignatureError')
  })

  it('rejects a card signed by a different key, whether it claims the BAID\'s key or names its own', () => {
    const a = agent()
    const impostor = testSigner()
    const claiming = forge(cardOf(a), impostor, { alg: 'EdDSA', typ: 'JOSE', kid: a.who.peerId, baid: a.who.baidId })
    expect(errorName(() => verifyAgentCard(claiming, a.chain))).toBe('AgentCardSignatureError')
    const honest = forge(cardOf(a), impostor, { alg: 'EdDSA', typ: 'JOSE', kid: peerIdOf(impostor.publicKey), baid: a.who.baidId })
    expect(errorName(() => verifyAgentCard(honest, a.chain))).toBe('AgentCardKeyMismatchError')
  })

  it('never takes the key from the card: an embedded key or key URL that lies is rejected', () => {
    const a = agent()
    const impostor = testSigner()
    const header = { alg: 'EdDSA', typ: 'JOSE', kid: a.who.peerId, baid: a.who.baidId }
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: base64url(impostor.publicKey) }
    expect(errorName(() => verifyAgentCard(forge(cardOf(a), impostor, { ...header, jwk }), a.chain))).toBe('AgentCardKeyMismatchError')
    expect(errorName(() => verifyAgentCard(forge(cardOf(a), impostor, { ...header, jku: 'https://impostor.example/jwks.json' }), a.chain))).toBe('AgentCardKeyMismatchError')
    // The same pointer in the unprotected header is refused too.
    const signed = forge(cardOf(a), impostor, header)
    const unprotected = { ...signed, signatures: signed.signatures.map(s => ({ ...s, header: { jku: 'https://impostor.example/jwks.json' } })) }
    expect(errorName(() => verifyAgentCard(unprotected, a.chain))).toBe('AgentCardKeyMismatchError')
  })

  it('rejects a genuine card checked against another BAID, and a card whose BAID extension names someone else', () => {
    const a = agent()
    const b = agent()
    const signedByA = signAgentCard(cardOf(a), a.signer, a.who)
    expect(errorName(() => verifyAgentCard(signedByA, b.chain))).toBe('AgentCardKeyMismatchError')
    // B signs a card that claims A's BAID in its body: checked against A, B's key is not A's.
    const claimsA = signAgentCard(cardOf(a), b.signer, b.who)
    expect(errorName(() => verifyAgentCard(claimsA, a.chain))).toBe('AgentCardKeyMismatchError')
  })

  it('rejects an unsigned card, a card with no BAID and a card of a revoked BAID', () => {
    const a = agent()
    expect(errorName(() => verifyAgentCard(cardOf(a), a.chain))).toBe('AgentCardSignatureError')
    const signed = signAgentCard(cardOf(a), a.signer, a.who)
    const noBaid = { ...signed, capabilities: { ...signed.capabilities!, extensions: [] } }
    expect(errorName(() => verifyAgentCard(noBaid, a.chain))).toBe('AgentCardInvalidError')
    const owner = testSigner()
    const links = buildChain(owner, [a.signer])
    const revocation = issueRevocation({ v: 1, baid: links[0]!.hash, version: 1, reason: 'lost laptop', revokedAt: Date.now() }, owner)
    const revoked = verifyChain(links.map(l => l.envelope.bytes), revocation.bytes)
    const who = { baidId: revoked.baidId, peerId: a.who.peerId, baidVersion: 1 }
    const card = signAgentCard(buildAgentCard({ name: 'x', identity: who, url: 'http://127.0.0.1:1/a2a', version: '0', descriptors: [] }), a.signer, who)
    expect(errorName(() => verifyAgentCard(card, revoked))).toBe('BaidRevokedError')
  })

  it('rejects a card file that is not JSON, too large, or not a card', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
    expect(errorName(() => parseAgentCard(enc('{not json')))).toBe('AgentCardInvalidError')
    expect(errorName(() => parseAgentCard(enc('[]')))).toBe('AgentCardInvalidError')
    expect(errorName(() => parseAgentCard(enc('{}')))).toBe('AgentCardInvalidError')
    expect(errorName(() => parseAgentCard(new Uint8Array(300 * 1024)))).toBe('MessageTooLargeError')
  })
})
