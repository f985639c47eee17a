import { z } from 'zod'
import { EmbeddingResponseError, EmbeddingUnavailableError } from '../api/errors.ts'
import { postJson } from '../common/http.ts'

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
    const body = await postJson({
      url: this.#url,
      body: { model: this.#model, input: texts },
      apiKey: this.#apiKey,
      timeoutMs: this.#timeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
      signal: opts.signal,
      what: 'embedding endpoint',
      unavailable: (message, cause) => new EmbeddingUnavailableError(message, { hint: UNAVAILABLE_HINT, cause }),
      tooLarge: () => new EmbeddingResponseError(`embedding response exceeds ${this.#maxResponseBytes} bytes`)
    })
    return vectorsFrom(body, texts.length)
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
