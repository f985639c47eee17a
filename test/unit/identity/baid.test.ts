import { describe, expect, it } from 'vitest'
import { assertCurrent, issueRevocation, verifyChain } from '../../../core/identity/baid.ts'
import { Domains } from '../../../core/identity/domains.ts'
import { seal } from '../../../core/identity/envelope.ts'
import { BaidVerifier } from '../../../core/identity/verifier.ts'
import { buildChain, DAY, digest, testSigner } from '../../helpers/identity.ts'

function rejectName (fn: () => unknown): string {
  try { fn() } catch (err) { return (err as Error).name }
  throw new Error('expected a rejection')
}

const owner = testSigner()
const agent1 = testSigner()
const agent2 = testSigner()
const now = Date.now()
const bytesOf = (links: ReturnType<typeof buildChain>) => links.map(l => l.envelope.bytes)

describe('BAID record chain', () => {
  it('verifies a chain across a key rotation; the BAID id stays the genesis hash', () => {
    const links = buildChain(owner, [agent1, agent1, agent2], now)
    const chain = verifyChain(bytesOf(links))
    expect(chain.head.record.version).toBe(3)
    expect(chain.head.record.agent).toEqual(agent2.publicKey)
    expect(chain.baidId).toBe(verifyChain(bytesOf(links.slice(0, 1))).baidId)
    expect(() => assertCurrent(chain, now)).not.toThrow()
  })

  it('rejects a chain that does not start at genesis, skips a version, or breaks a link', () => {
    const links = buildChain(owner, [agent1, agent1, agent1], now)
    expect(rejectName(() => verifyChain(bytesOf(links.slice(1))))).toBe('BaidChainError')
    expect(rejectName(() => verifyChain(bytesOf([links[0]!, links[2]!])))).toBe('BaidChainError')
    const forked = buildChain(owner, [agent1, agent1], now, r => r.version === 2 ? { ...r, prev: digest('elsewhere') } : r)
    expect(rejectName(() => verifyChain(bytesOf(forked)))).toBe('BaidChainError')
  })

  it('rejects a record whose owner key changes mid-chain', () => {
    const [genesis] = buildChain(owner, [agent1], now)
    const [, hijack] = buildChain(testSigner(), [agent1, agent1], now, r => r.version === 2 ? { ...r, prev: genesis!.hash } : r)
    expect(rejectName(() => verifyChain([genesis!.envelope.bytes, hijack!.envelope.bytes]))).toBe('BaidChainError')
  })

  it('rejects a record signed by a key other than the one it names', () => {
    const [genesis] = buildChain(owner, [agent1], now)
    const resigned = seal(Domains.baid, 'baid-record', { ...genesis!.record, agent: agent2.publicKey }, [owner, agent1]).bytes
    expect(rejectName(() => verifyChain([resigned]))).toBe('UnexpectedSignerError')
  })

  it('reports an expired head as BaidExpiredError', () => {
    const chain = verifyChain(bytesOf(buildChain(owner, [agent1], now - 60 * DAY)))
    expect(rejectName(() => assertCurrent(chain, now))).toBe('BaidExpiredError')
  })

  it('reports a revoked chain as BaidRevokedError, and refuses a revocation by another key', () => {
    const links = buildChain(owner, [agent1], now)
    const revocation = issueRevocation({ v: 1, baid: links[0]!.hash, version: 1, reason: 'key lost', revokedAt: now }, owner)
    const chain = verifyChain(bytesOf(links), revocation.bytes)
    expect(rejectName(() => assertCurrent(chain, now))).toBe('BaidRevokedError')
    const forged = issueRevocation({ v: 1, baid: links[0]!.hash, version: 1, reason: 'mischief', revokedAt: now }, agent1)
    expect(rejectName(() => verifyChain(bytesOf(links), forged.bytes))).toBe('UnexpectedSignerError')
  })
})

describe('BaidVerifier (T0/T1 with a cache)', () => {
  const message = (signer = agent1) => seal(Domains.message, 'hello', { text: 'hi' }, [signer]).bytes

  it('T1 accepts a message from the current agent of a live BAID', () => {
    const verifier = new BaidVerifier({ now: () => now })
    verifier.acceptChain(bytesOf(buildChain(owner, [agent1], now)))
    expect(verifier.t1(message(), Domains.message, agent1.publicKey, { configDigest: digest('config') }).chain.head.record.version).toBe(1)
  })

  it('T0 needs only the signature; T1 also needs a known BAID', () => {
    const verifier = new BaidVerifier({ now: () => now })
    expect(verifier.t0(message(), Domains.message, agent1.publicKey).type).toBe('hello')
    expect(rejectName(() => verifier.t1(message(), Domains.message, agent1.publicKey))).toBe('UnknownBaidError')
  })

  it('T1 rejects a config digest that differs from the current record', () => {
    const verifier = new BaidVerifier({ now: () => now })
    verifier.acceptChain(bytesOf(buildChain(owner, [agent1], now)))
    expect(rejectName(() => verifier.t1(message(), Domains.message, agent1.publicKey, { configDigest: digest('other') }))).toBe('ConfigDigestMismatchError')
  })

  it('after a rotation, T1 accepts the new key and refuses the old one', () => {
    const verifier = new BaidVerifier({ now: () => now })
    const links = buildChain(owner, [agent1, agent2], now)
    verifier.acceptChain(bytesOf(links.slice(0, 1)))
    verifier.acceptRecord(links[1]!.envelope.bytes)
    expect(verifier.t1(message(agent2), Domains.message, agent2.publicKey).chain.head.record.version).toBe(2)
    expect(rejectName(() => verifier.t1(message(agent1), Domains.message, agent1.publicKey))).toBe('UnknownBaidError')
  })

  it('rejects a replayed older BAID version, as a chain or as a lone record', () => {
    const verifier = new BaidVerifier({ now: () => now })
    const links = buildChain(owner, [agent1, agent2, agent2], now)
    verifier.acceptChain(bytesOf(links))
    expect(rejectName(() => verifier.acceptChain(bytesOf(links.slice(0, 2))))).toBe('BaidVersionReplayError')
    // A duplicate of a record already held changes nothing; an older record it has not seen is a replay.
    expect(verifier.acceptRecord(links[1]!.envelope.bytes).head.record.version).toBe(3)
    const [, stale] = buildChain(owner, [agent1, agent1], now)
    expect(rejectName(() => verifier.acceptRecord(stale!.envelope.bytes))).toBe('BaidVersionReplayError')
  })

  it('rejects a second, different record for a version already seen (a fork)', () => {
    const verifier = new BaidVerifier({ now: () => now })
    const links = buildChain(owner, [agent1, agent2], now)
    verifier.acceptChain(bytesOf(links))
    const [, fork] = buildChain(owner, [agent1, agent1], now)
    expect(rejectName(() => verifier.acceptChain([links[0]!.envelope.bytes, fork!.envelope.bytes]))).toBe('BaidChainError')
  })

  it('takes a chain it already holds, byte for byte, as known; a copy with one byte of a signature changed is checked again and refused', () => {
    const verifier = new BaidVerifier({ now: () => now })
    const records = bytesOf(buildChain(owner, [agent1, agent2], now))
    const chain = verifier.acceptChain(records)
    expect(verifier.acceptChain(records.map(r => r.slice()))).toBe(chain)
    const tampered = records.map(r => r.slice())
    tampered[1]![tampered[1]!.length - 1]! ^= 1
    expect(rejectName(() => verifier.acceptChain(tampered))).toMatch(/Signature|BaidChain|Malformed/)
    expect(verifier.get(chain.baidId)).toBe(chain)
  })

  it('T1 rejects an expired or revoked BAID', () => {
    const expired = new BaidVerifier({ now: () => now + 31 * DAY })
    expired.acceptChain(bytesOf(buildChain(owner, [agent1], now)))
    expect(rejectName(() => expired.t1(message(), Domains.message, agent1.publicKey))).toBe('BaidExpiredError')

    const revoked = new BaidVerifier({ now: () => now })
    const links = buildChain(owner, [agent1], now)
    const chain = revoked.acceptChain(bytesOf(links))
    revoked.acceptRevocation(chain.baidId, issueRevocation({ v: 1, baid: links[0]!.hash, version: 1, reason: '', revokedAt: now }, owner).bytes)
    expect(rejectName(() => revoked.t1(message(), Domains.message, agent1.publicKey))).toBe('BaidRevokedError')
  })
})
