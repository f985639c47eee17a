import type { Message } from '@a2a-js/sdk'
import type { DelegationRequest } from '../api/interop.ts'
import { DOMAIN_NAME } from '../common/schema.ts'

// An A2A message read as a delegation: text parts are the intent, the first data part is the input, metadata.topic the domain.

const MAX_INTENT_CHARS = 2048

/** The request, or why it is refused (the task is then rejected, never guessed at). */
export function delegationRequestOf (message: Message, requestMetadata: Record<string, unknown> | undefined): DelegationRequest | { readonly refused: string } {
  const texts: string[] = []
  let input: unknown = null
  let sawData = false
  for (const part of message.parts) {
    if (part.content?.$case === 'text') texts.push(part.content.value)
    else if (part.content?.$case === 'data' && !sawData) { input = part.content.value ?? null; sawData = true }
  }
  const intent = texts.join('\n').trim()
  if (intent === '') return { refused: 'say what you need in a text part' }
  if (intent.length > MAX_INTENT_CHARS) return { refused: `the intent is over ${MAX_INTENT_CHARS} characters` }
  const topic = message.metadata?.topic ?? requestMetadata?.topic
  if (topic === undefined) return { intent, input }
  if (typeof topic !== 'string' || !DOMAIN_NAME.test(topic)) return { refused: 'metadata.topic must be a semantic domain: lowercase letters, digits and _' }
  return { intent, input, topic }
}
