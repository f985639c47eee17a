import { Domains } from '../../core/identity/domains.ts'
import { seal } from '../../core/identity/envelope.ts'
import { signingBytes } from '../../core/identity/envelope.ts'
import { verifyNative, verifyReference } from '../../core/identity/ed25519.ts'
import { verifyChain } from '../../core/identity/baid.ts'
import { BaidVerifier } from '../../core/identity/verifier.ts'
import { buildChain, digest, testSigner } from '../helpers/identity.ts'
import { perSecond } from './measure.ts'

// Tiered verification speed: T0 and T1 (cached chain) against raw native and reference Ed25519 verifies, same run.

export interface IdentityBench {
  t0_per_s: number
  t1_per_s: number
  native_verify_per_s: number
  noble_verify_per_s: number
  t1_vs_native: number
  t1_cold_chain_ms: number
  agents: number
  target_t1_vs_native: number
  target_met: boolean
}

export function benchIdentity (agents = 64): IdentityBench {
  const verifier = new BaidVerifier()
  const senders = Array.from({ length: agents }, () => {
    const owner = testSigner()
    const agent = testSigner()
    const links = buildChain(owner, [agent, agent, agent])
    verifier.acceptChain(links.map(l => l.envelope.bytes))
    // A typical small signed message: about the size of a gossip header.
    const envelope = seal(Domains.message, 'header', { topic: 'code_review_security', seq: 42, body: digest('body'), note: 'x'.repeat(120) }, [agent])
    return { agent, links, envelope }
  })
  const pick = (i: number) => senders[i % senders.length]!
  const raw = senders.map(s => ({ key: s.agent.publicKey, message: signingBytes(s.envelope.domain, s.envelope.type, s.envelope.payload), sig: s.agent.sign(signingBytes(s.envelope.domain, s.envelope.type, s.envelope.payload)) }))
  const configDigest = digest('config')

  const native = perSecond(i => { const r = raw[i % raw.length]!; if (!verifyNative(r.key, r.message, r.sig)) throw new Error('native verify failed') })
  const noble = perSecond(i => { const r = raw[i % raw.length]!; if (!verifyReference(r.key, r.message, r.sig)) throw new Error('noble verify failed') }, 1000)
  const t0 = perSecond(i => { const s = pick(i); verifier.t0(s.envelope.bytes, Domains.message, s.agent.publicKey) })
  const t1 = perSecond(i => { const s = pick(i); verifier.t1(s.envelope.bytes, Domains.message, s.agent.publicKey, { configDigest }) })
  const coldStart = performance.now()
  for (const s of senders) verifyChain(s.links.map(l => l.envelope.bytes))
  const cold = (performance.now() - coldStart) / senders.length

  const ratio = t1 / native
  return {
    t0_per_s: t0,
    t1_per_s: t1,
    native_verify_per_s: native,
    noble_verify_per_s: noble,
    t1_vs_native: Number(ratio.toFixed(3)),
    t1_cold_chain_ms: Number(cold.toFixed(3)),
    agents,
    target_t1_vs_native: 0.5,
    target_met: ratio >= 0.5
  }
}
