import type { AgentCardVerification } from '../api/interop.ts'
import { toErrorInfo } from '../api/errors.ts'
import { decodeBundle } from '../identity/bundle.ts'
import { verifyChain } from '../identity/baid.ts'
import { parseAgentCard } from './card-file.ts'
import { verifyAgentCard } from './verify-card.ts'

/** Check a card file against a BAID bundle file, as `hearth id agent-card verify` reports it: valid, or the named reason not. */
export function checkAgentCard (cardBytes: Uint8Array, bundleBytes: Uint8Array, now: number): AgentCardVerification {
  try {
    const { records, revocation } = decodeBundle(bundleBytes)
    const card = parseAgentCard(cardBytes)
    const verified = verifyAgentCard(card, verifyChain(records, revocation), now)
    return { valid: true, ...verified }
  } catch (err) {
    const { name, message } = toErrorInfo(err)
    return { valid: false, error: { name, message } }
  }
}
