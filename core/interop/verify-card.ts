import type { AgentCard, AgentCardSignature } from '@a2a-js/sdk'
import { AgentCardInvalidError, AgentCardKeyMismatchError, AgentCardSignatureError } from '../api/errors.ts'
import { assertCurrent, type BaidChain } from '../identity/baid.ts'
import { verifyNative } from '../identity/ed25519.ts'
import { peerIdOf } from '../identity/ids.ts'
import { BAID_EXTENSION } from './agent-card.ts'
import { base64url, decodeHeader, fromBase64url, isAcceptedAlg, signingInput } from './card-jws.ts'

// A card is checked only against the agent key of the BAID chain the verifier already holds:
// a key, key id or key URL the card carries is never trusted to say which key that is.

/** Header parameters that point at a key other than by name; honouring them would let the signer pick the key. */
const KEY_POINTERS = ['jku', 'x5u', 'x5c', 'x5t', 'x5t#S256']

export interface VerifiedCard {
  readonly baidId: string
  readonly peerId: string
  readonly name: string
  readonly url: string | undefined
  readonly skills: readonly string[]
}

export function verifyAgentCard (card: AgentCard, chain: BaidChain, now: number = Date.now()): VerifiedCard {
  assertCurrent(chain, now)
  const agent = chain.head.record.agent
  const peerId = peerIdOf(agent)
  assertNamesBaid(card, chain.baidId, peerId)
  const signatures = card.signatures ?? []
  if (signatures.length === 0) throw new AgentCardSignatureError('the card is not signed')
  const ours = signatures.filter(s => speaksFor(s, chain.baidId, peerId, agent))
  if (ours.length === 0) throw new AgentCardKeyMismatchError(`no signature on the card is made in the name of ${peerId}, the current agent key of ${chain.baidId}`)
  const valid = ours.some(s => verifyNative(agent, signingInput(s.protected, card), fromBase64url(s.signature)))
  if (!valid) throw new AgentCardSignatureError(`the card's signature does not verify against ${peerId}, the current agent key of ${chain.baidId}: it was changed or signed by another key`)
  return { baidId: chain.baidId, peerId, name: card.name, url: card.supportedInterfaces[0]?.url, skills: card.skills.map(s => s.id) }
}

/** The BAID extension (covered by the signature) must name this very BAID and agent. */
function assertNamesBaid (card: AgentCard, baidId: string, peerId: string): void {
  const ext = card.capabilities?.extensions.find(e => e.uri === BAID_EXTENSION)
  if (ext === undefined) throw new AgentCardInvalidError(`the card names no BAID (extension ${BAID_EXTENSION})`)
  const params = ext.params ?? {}
  if (params.baidId !== baidId) throw new AgentCardKeyMismatchError(`the card is for ${String(params.baidId)}, not ${baidId}`)
  if (params.peerId !== peerId) throw new AgentCardKeyMismatchError(`the card names agent ${String(params.peerId)}, not ${peerId}, the current agent key of ${baidId}`)
}

/** Whether a signature claims to be this BAID's agent key; one that also carries its own key or key URL is refused outright. */
function speaksFor (signature: AgentCardSignature, baidId: string, peerId: string, agent: Uint8Array): boolean {
  const header = decodeHeader(signature.protected)
  const unprotected = signature.header ?? {}
  if (header.kid !== peerId || header.baid !== baidId) return false
  if (!isAcceptedAlg(header.alg)) throw new AgentCardInvalidError(`the card is signed with ${String(header.alg)}; Hearth agent keys sign with EdDSA (Ed25519)`)
  if (header.crit !== undefined) throw new AgentCardInvalidError('the card\'s signature has critical header parameters Hearth does not know')
  for (const h of [header, unprotected]) {
    const pointer = KEY_POINTERS.find(p => h[p] !== undefined)
    if (pointer !== undefined) throw new AgentCardKeyMismatchError(`the card's signature points at its own key (${pointer}); a Hearth card is checked only against its BAID's agent key`)
    if (h.jwk !== undefined && !isAgentJwk(h.jwk, agent)) throw new AgentCardKeyMismatchError('the card\'s signature embeds a key that is not its BAID\'s agent key')
  }
  return true
}

function isAgentJwk (jwk: unknown, agent: Uint8Array): boolean {
  const k = jwk as Record<string, unknown> | null
  return typeof k === 'object' && k !== null && k.kty === 'OKP' && k.crv === 'Ed25519' && k.x === base64url(agent) && k.d === undefined
}
