import { HearthError } from '../api/errors.ts'
import { anySignal } from './abort.ts'

// Reading HTTP answers from endpoints the person configured, which still may misbehave.

/** Reads a body as text, refusing it as soon as it outgrows `maxBytes` (a hostile server could stream forever). */
export async function readBoundedText (response: Response, maxBytes: number, tooLarge: () => Error): Promise<string> {
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

export interface JsonPost {
  readonly url: string
  readonly body: unknown
  readonly apiKey?: string | undefined
  readonly timeoutMs: number
  readonly maxResponseBytes: number
  readonly signal?: AbortSignal | undefined
  /** What the endpoint is, for messages: "embedding endpoint", "chat endpoint". */
  readonly what: string
  /** The error for an endpoint that is down, slow or refusing. */
  readonly unavailable: (message: string, cause?: unknown) => Error
  readonly tooLarge: () => Error
}

/** POST JSON to an OpenAI-compatible endpoint and read its answer as bounded text; failures become the caller's named errors. */
export async function postJson (post: JsonPost): Promise<string> {
  const timeout = AbortSignal.timeout(post.timeoutMs)
  // Ours to end the exchange: a refused body must close the connection, or the client would go on reading an endless one.
  const done = new AbortController()
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (post.apiKey !== undefined) headers.authorization = `Bearer ${post.apiKey}`
  try {
    const response = await fetch(post.url, { method: 'POST', headers, body: JSON.stringify(post.body), signal: anySignal(done.signal, timeout, post.signal) })
    if (!response.ok) {
      await response.body?.cancel()
      throw new HttpStatusError(`${post.what} ${post.url} answered ${response.status} ${response.statusText}`)
    }
    return await readBoundedText(response, post.maxResponseBytes, post.tooLarge)
  } catch (err) {
    if (err instanceof HearthError) throw err
    if (err instanceof HttpStatusError) throw post.unavailable(err.message)
    post.signal?.throwIfAborted()
    const why = timeout.aborted ? `did not answer within ${post.timeoutMs} ms` : `is unreachable: ${(err as Error).message}`
    throw post.unavailable(`${post.what} ${post.url} ${why}`, err)
  } finally {
    done.abort()
  }
}

class HttpStatusError extends Error {}
