import { z } from 'zod'
import { AttributorResponseError, AttributorUnavailableError } from '../api/errors.ts'
import { MECHANISM_CLAUSES } from '../api/negotiation.ts'
import { postJson } from '../common/http.ts'
import { ruleFor, type Attribution, type Attributor } from './attribution.ts'
import type { Mechanism } from './mechanism.ts'
import type { FailureTrace } from './trace.ts'

// Optional attribution by a language model through any OpenAI-compatible chat endpoint. The model may only name a clause
// from the fixed list and explain it; a trace it leaves out keeps the rule's attribution, so a terse model cannot stall repairs.

export interface LlmAttributorInit {
  /** The server root; requests go to `{baseUrl}/v1/chat/completions`. */
  readonly baseUrl: string
  readonly model: string
  /** Held in memory for the requests only: the caller keeps it in the SecretStore. */
  readonly apiKey?: string
  readonly timeoutMs?: number
  readonly maxResponseBytes?: number
}

const SYSTEM_PROMPT = [
  'You attribute failures of a task marketplace to the clause of the requester\'s mechanism that allowed them.',
  `Clauses: ${MECHANISM_CLAUSES.join(', ')}.`,
  'Answer with JSON only: {"attributions":[{"trace":<index>,"clause":"<clause>","explanation":"<one sentence>"}]}.'
].join(' ')

const Completion = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1) })
const Answer = z.object({
  attributions: z.array(z.object({ trace: z.number().int().min(0), clause: z.enum(MECHANISM_CLAUSES), explanation: z.string().max(1000) }))
})
const UNAVAILABLE_HINT = 'Check that the chat endpoint is running and serves /v1/chat/completions; the rule-based attributor works without it.'

export class LlmAttributor implements Attributor {
  readonly #url: string
  readonly #model: string
  readonly #apiKey: string | undefined
  readonly #timeoutMs: number
  readonly #maxResponseBytes: number

  constructor (init: LlmAttributorInit) {
    this.#url = `${init.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`
    this.#model = init.model
    this.#apiKey = init.apiKey
    this.#timeoutMs = init.timeoutMs ?? 30_000
    this.#maxResponseBytes = init.maxResponseBytes ?? 256 * 1024
  }

  async attribute (traces: readonly FailureTrace[], mechanism: Mechanism, opts: { signal?: AbortSignal } = {}): Promise<Attribution[]> {
    if (traces.length === 0) return []
    const content = await this.complete(JSON.stringify({ mechanism, traces: traces.map((t, i) => ({ index: i, kind: t.kind, facts: t.facts })) }), opts.signal)
    const answer = parseAnswer(content)
    const byTrace = new Map(answer.attributions.filter(a => a.trace < traces.length).map(a => [a.trace, a]))
    return traces.map((trace, i) => byTrace.get(i) ?? { trace: i, ...ruleFor(trace, mechanism) })
  }

  private async complete (user: string, signal: AbortSignal | undefined): Promise<string> {
    const body = await postJson({
      url: this.#url,
      body: { model: this.#model, temperature: 0, messages: [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: user }] },
      apiKey: this.#apiKey,
      timeoutMs: this.#timeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
      signal,
      what: 'chat endpoint',
      unavailable: (message, cause) => new AttributorUnavailableError(message, { hint: UNAVAILABLE_HINT, cause }),
      tooLarge: () => new AttributorResponseError(`chat response exceeds ${this.#maxResponseBytes} bytes`)
    })
    const completion = Completion.safeParse(parseJson(body, 'chat response'))
    if (!completion.success) throw new AttributorResponseError(`chat response is invalid: ${z.prettifyError(completion.error)}`)
    return completion.data.choices[0]!.message.content
  }
}

function parseAnswer (content: string): z.infer<typeof Answer> {
  // Models often wrap JSON in a code fence.
  const json = content.replace(/^\s*```(?:json)?\s*/i, '').replace(/\s*```\s*$/, '')
  const parsed = Answer.safeParse(parseJson(json, 'attribution answer'))
  if (!parsed.success) throw new AttributorResponseError(`attribution answer is invalid: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

function parseJson (text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new AttributorResponseError(`${what} is not JSON`, { cause: err })
  }
}
