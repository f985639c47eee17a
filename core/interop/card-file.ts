import { AgentCard } from '@a2a-js/sdk'
import { AgentCardInvalidError, MessageTooLargeError } from '../api/errors.ts'

// An AgentCard as a file or HTTP body: the A2A JSON form, read back under a size limit.

export const MAX_CARD_BYTES = 256 * 1024

export function cardToJson (card: AgentCard): string {
  return `${JSON.stringify(AgentCard.toJSON(card), null, 2)}\n`
}

/** Parse an untrusted card: size first, then JSON, then the A2A schema (unknown fields are dropped, as when signing). */
export function parseAgentCard (bytes: Uint8Array): AgentCard {
  if (bytes.byteLength > MAX_CARD_BYTES) throw new MessageTooLargeError(`the AgentCard is ${bytes.byteLength} bytes, over the ${MAX_CARD_BYTES}-byte limit`)
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new AgentCardInvalidError(`the AgentCard is not JSON: ${(err as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AgentCardInvalidError('the AgentCard is not a JSON object')
  let card: AgentCard
  try {
    card = AgentCard.fromJSON(json)
  } catch (err) {
    throw new AgentCardInvalidError(`the AgentCard does not fit the A2A schema: ${(err as Error).message}`)
  }
  if (card.name === '' || card.supportedInterfaces.length === 0) throw new AgentCardInvalidError('the AgentCard has no name or no interface')
  return card
}
