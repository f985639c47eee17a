import type { AgentCard } from '@a2a-js/sdk'
import { UnexpectedSignerError } from '../api/errors.ts'
import type { Signer } from '../identity/envelope.ts'
import { peerIdOf } from '../identity/ids.ts'
import type { CardIdentity } from './agent-card.ts'
import { base64url, CARD_ALG, signingInput, type CardHeader } from './card-jws.ts'

/** Sign the card with the agent key its BAID names; the key stays in the keystore (only its Signer is passed). */
export function signAgentCard (card: AgentCard, agent: Signer, identity: CardIdentity): AgentCard {
  if (peerIdOf(agent.publicKey) !== identity.peerId) throw new UnexpectedSignerError(`the card must be signed by ${identity.peerId}, the BAID's current agent key`)
  const header: CardHeader = { alg: CARD_ALG, typ: 'JOSE', kid: identity.peerId, baid: identity.baidId }
  const protectedB64 = base64url(JSON.stringify(header))
  const signature = base64url(agent.sign(signingInput(protectedB64, card)))
  return { ...card, signatures: [{ protected: protectedB64, signature, header: undefined }] }
}
