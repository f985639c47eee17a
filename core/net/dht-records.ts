import type { SelectFn, ValidateFn } from '@libp2p/kad-dht'
import { InvalidPayloadError } from '../api/errors.ts'
import { verifyChain } from '../identity/baid.ts'
import { decodeBundle } from '../identity/bundle.ts'
import { peerIdOf } from '../identity/ids.ts'
import { DHT_BAID_PREFIX } from './protocols.ts'

// DHT records under /hearth-baid/<PeerId>: an agent's BAID bundle, so a peer can verify an unknown announcer (T1).

function chainFor (key: Uint8Array, value: Uint8Array) {
  const { records, revocation } = decodeBundle(value)
  const chain = verifyChain(records, revocation)
  const expected = `/${DHT_BAID_PREFIX}/${peerIdOf(chain.head.record.agent)}`
  if (new TextDecoder().decode(key) !== expected) throw new InvalidPayloadError('the BAID record is stored under another agent\'s key')
  return chain
}

export const validateBaidRecord: ValidateFn = (key, value) => { chainFor(key, value) }

/** The newest version wins; a revocation beats everything. */
export const selectBaidRecord: SelectFn = (key, values) => {
  let best = 0
  let bestRank = -1
  values.forEach((value, i) => {
    try {
      const chain = chainFor(key, value)
      const rank = chain.revocation !== undefined ? Number.MAX_SAFE_INTEGER : chain.head.record.version
      if (rank > bestRank) { best = i; bestRank = rank }
    } catch { /* an invalid record never wins */ }
  })
  return best
}
