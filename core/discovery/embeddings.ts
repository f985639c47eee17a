import { z } from 'zod'
import { EmbeddingResponseError, EmbeddingUnavailableError, HearthError } from '../api/errors.ts'

// Optional semantic relevance for discovery: any OpenAI-compatible embeddings endpoint, such as a local Ollama.

export interface EmbeddingProvider {
  /** One vector per text, in order. */
  embed (texts: string[], opts?: { signal?: AbortSignal }): Promise<number[][]>
}

export interface OpenAiCompatibleEmbeddingsInit {
  /** The server root, e.g. `http://127.0.0.1:11434` for Ollama; requests go to `{baseUrl}/v1/embeddings`. */
  baseUrl: string
  model: string
  apiKey?: string
  timeoutMs?: number
  maxResponseBytes?: number
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()).min(1) }))
})

const UNAVAILABLE_HINT = 'Check that the embedding server (e.g. Ollama) is running and serves /v1/embeddings; discovery ranks by keywords meanwhile.'

export class OpenAiCompatibleEmbeddings implements EmbeddingProvider {
  readonly #url: string
  readonly #model: string
  readonly #apiKey: string | undefined
  readonly #timeoutMs: number
  readonly #maxResponseBytes: number

  constructor (init: OpenAiCompatibleEmbeddingsInit) {
    this.#url = `${init.baseUrl.replace(/\/+$/, '')}/v1/embeddings`
    this.#model = init.model
    this.#apiKey = init.apiKey
    this.#timeoutMs = init.timeoutMs ?? 5000
    // Room for a few hundred 4096-dimension vectors as JSON text.
    this.#maxResponseBytes = init.maxResponseBytes ?? 16 * 1024 * 1024
  }

  async embed (texts: string[], opts: { signal?: AbortSignal } = {}): Promise<number[][]> {
    if (texts.length === 0) return []
    const timeout = AbortSignal.timeout(this.#timeoutMs)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`
    let body: string
    try {
      const response = await fetch(this.#url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.#model, input: texts }),
        signal: opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout])
      })
      if (!response.ok) {
        await response.body?.cancel()
        throw new EmbeddingUnavailableError(`embedding endpoint ${this.#url} answered ${response.status} ${response.statusText}`, { hint: UNAVAILABLE_HINT })
      }
      body = await readText(response, this.#maxResponseBytes)
    } catch (err) {
      if (err instanceof HearthError) throw err
      opts.signal?.throwIfAborted()
      const why = timeout.aborted ? `did not answer within ${this.#timeoutMs} ms` : `is unreachable: ${(err as Error).message}`
      throw new EmbeddingUnavailableError(`embedding endpoint ${this.#url} ${why}`, { hint: UNAVAILABLE_HINT, cause: err })
    }
    return vectorsFrom(body, texts.length)
  }
}

/** Read a response body, refusing it as soon as it outgrows `maxBytes` (a hostile server could stream forever). */
async function readText (response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new EmbeddingResponseError(`embedding response exceeds ${maxBytes} bytes`)
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel()
    throw tooLarge()
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return Buffer.concat(chunks).toString('utf8')
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
}

function vectorsFrom (body: string, count: number): number[][] {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (err) {
    throw new EmbeddingResponseError('embedding response is not JSON', { cause: err })
  }
  const parsed = EmbeddingsResponse.safeParse(json)
  if (!parsed.success) throw new EmbeddingResponseError(`embedding response is invalid: ${z.prettifyError(parsed.error)}`)
  const data = parsed.data.data.toSorted((x, y) => x.index - y.index)
  if (data.length !== count || data.some((item, i) => item.index !== i)) {
    throw new EmbeddingResponseError(`embedding response does not hold exactly one vector for each of the ${count} inputs`)
  }
  const dimensions = data[0]!.embedding.length
  if (data.some(item => item.embedding.length !== dimensions)) throw new EmbeddingResponseError('embedding response mixes vector lengths')
  return data.map(item => item.embedding)
}

/** Cosine similarity in [-1, 1]; vectors from different models (lengths) are not comparable. */
export function cosine (a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new EmbeddingResponseError(`embedding lengths differ (${a.length} vs ${b.length}): was the model changed?`)
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    normA += a[i]! * a[i]!
    normB += b[i]! * b[i]!
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB)
}
