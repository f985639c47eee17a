import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { OpenAiCompatibleEmbeddings } from '../../../core/discovery/embeddings.ts'
import { CapabilityIndex } from '../../../core/discovery/matcher.ts'
import { sha256 } from '../../../core/common/hash.ts'
import type { CapabilityDescriptor } from '../../../core/discovery/descriptor.ts'
import { makeDescriptor } from '../../helpers/descriptors.ts'

// A real OpenAI-compatible endpoint on loopback whose vectors count words of two concepts (security, proofreading), plus a bias.
const CONCEPTS = [
  ['security', 'attacker', 'attackers', 'exploit', 'exploits', 'vulnerability', 'vulnerabilities'],
  ['typo', 'typos', 'grammar', 'spelling']
]
const vectorOf = (text: string): number[] => {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? []
  return [...CONCEPTS.map(concept => words.filter(w => concept.includes(w)).length), 1]
}

interface Seen { path: string, model: unknown, input: string[], authorization: string | undefined }
const seen: Seen[] = []
let server: Server
let root: string

async function bodyOf (request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void bodyOf(request).then(raw => {
      const { model, input } = JSON.parse(raw) as { model: unknown, input: string[] }
      const mode = request.url!.split('/')[1]
      seen.push({ path: request.url!, model, input, authorization: request.headers.authorization })
      // Answer in reverse order: the client must place vectors by `index`, as the API allows.
      const data = input.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(text) })).reverse()
      const ok = (payload: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload))
      if (mode === 'ok') ok({ object: 'list', data, model, usage: { prompt_tokens: 1, total_tokens: 1 } })
      else if (mode === 'broken') response.writeHead(500).end('model not loaded')
      else if (mode === 'garbage') response.writeHead(200).end('<html>hello</html>')
      else if (mode === 'short') ok({ data: data.slice(1) })
      else if (mode === 'ragged') ok({ data: data.map((d, i) => ({ ...d, embedding: d.embedding.slice(i) })) })
      else if (mode === 'huge') {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write('{"data":[')
        // Far more than any limit, but finite: a runtime that keeps the refused connection open must not spin forever.
        let left = 16 * 1024 * 1024
        const stream = (): void => {
          if (response.destroyed) return
          if ((left -= 16_384) <= 0) { response.end(']}'); return }
          response.write('0,'.repeat(8192), stream)
        }
        stream()
      }
      // 'slow' never answers.
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

beforeEach(() => { seen.length = 0 })

const provider = (mode: string, init: { apiKey?: string, timeoutMs?: number, maxResponseBytes?: number } = {}) =>
  new OpenAiCompatibleEmbeddings({ baseUrl: `${root}/${mode}/`, model: 'nomic-embed-text', ...init })

async function failureOf (promise: Promise<unknown>): Promise<Error> {
  try { await promise } catch (err) { return err as Error }
  throw new Error('expected a failure')
}

describe('OpenAI-compatible embeddings', () => {
  it('posts {model, input} to /v1/embeddings and returns one vector per text, in input order', async () => {
    const vectors = await provider('ok').embed(['find exploits', 'fix typos and grammar', 'hello'])
    expect(vectors).toEqual([[1, 0, 1], [0, 2, 1], [0, 0, 1]])
    expect(seen).toEqual([{ path: '/ok/v1/embeddings', model: 'nomic-embed-text', input: ['find exploits', 'fix typos and grammar', 'hello'], authorization: undefined }])
  })

  it('sends the API key as a bearer token when one is set', async () => {
    await provider('ok', { apiKey: 'sk-local' }).embed(['x'])
    expect(seen[0]?.authorization).toBe('Bearer sk-local')
  })

  it('asks nothing for nothing', async () => {
    expect(await provider('ok').embed([])).toEqual([])
    expect(seen).toEqual([])
  })

  it.each([
    ['an HTTP error', 'broken', {}, 'EmbeddingUnavailableError', /answered 500/],
    ['a body that is not JSON', 'garbage', {}, 'EmbeddingResponseError', /not JSON/],
    ['too few vectors', 'short', {}, 'EmbeddingResponseError', /exactly one vector/],
    ['vectors of different lengths', 'ragged', {}, 'EmbeddingResponseError', /mixes vector lengths/],
    ['an endless body', 'huge', { maxResponseBytes: 64 * 1024 }, 'EmbeddingResponseError', /exceeds 65536 bytes/],
    ['no answer in time', 'slow', { timeoutMs: 200 }, 'EmbeddingUnavailableError', /within 200 ms/]
  ])('fails with a named error on %s', async (_, mode, init, name, message) => {
    const err = await failureOf(provider(mode, init).embed(['a', 'b']))
    expect(err.name).toBe(name)
    expect(err.message).toMatch(message)
  })

  it('fails with EmbeddingUnavailableError when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise(resolve => closed.close(resolve))
    const err = await failureOf(new OpenAiCompatibleEmbeddings({ baseUrl: `http://127.0.0.1:${port}`, model: 'm' }).embed(['a']))
    expect(err.name).toBe('EmbeddingUnavailableError')
  })

  it('reports the caller’s own cancellation as such', async () => {
    const err = await failureOf(provider('slow').embed(['a'], { signal: AbortSignal.abort() }))
    expect(err.name).toBe('AbortError')
  })
})

describe('discovery with embeddings', () => {
  const NOW = 1_750_000_000_000
  // Lexically identical for the intent below ("app", "checker"); only the meaning differs.
  const appCapability = (id: string, description: string, qos: CapabilityDescriptor['qos']): CapabilityDescriptor => ({
    ...makeDescriptor(0, { now: NOW, agent: sha256(new TextEncoder().encode(id)) }),
    id,
    name: 'App checker',
    description,
    tags: ['review'],
    topics: ['code_review_security'],
    qos,
    state: { available: true, load: 0 }
  })
  const securityChecker = appCapability('security-checker', 'Checks an app for exploits and vulnerabilities.', { p50LatencyMs: 1000, successRate: 0.9 })
  const spellingChecker = appCapability('spelling-checker', 'Checks an app for typos and grammar.', { p50LatencyMs: 200, successRate: 0.99 })
  const INTENT = 'an app checker that keeps attackers out'

  const indexWith = (embeddings?: OpenAiCompatibleEmbeddings) => {
    const index = new CapabilityIndex(embeddings === undefined ? {} : { embeddings })
    index.upsert(securityChecker)
    index.upsert(spellingChecker)
    return index
  }
  const ids = async (index: CapabilityIndex, intent = INTENT) => (await index.discover(intent, {}, { now: NOW })).map(c => c.descriptor.id)

  it('blends meaning into relevance: the capability that fits the intent overtakes the one with better QoS', async () => {
    expect(await ids(indexWith())).toEqual(['spelling-checker', 'security-checker'])
    const ranked = await indexWith(provider('ok')).discover(INTENT, {}, { now: NOW })
    expect(ranked.map(c => c.descriptor.id)).toEqual(['security-checker', 'spelling-checker'])
    expect(ranked[0]!.reasons).toContain('similar in meaning (0.95)')
  })

  it('embeds each descriptor version once', async () => {
    const index = indexWith(provider('ok'))
    await ids(index)
    expect(seen.map(s => s.input.length)).toEqual([3])
    await ids(index, 'app checker for typos')
    expect(seen.map(s => s.input.length)).toEqual([3, 1])
    index.upsert({ ...spellingChecker, issuedAt: NOW + 1 })
    await ids(index)
    expect(seen.map(s => s.input.length)).toEqual([3, 1, 2])
  })

  it('falls back to keywords alone when the provider fails, and says so', async () => {
    const ranked = await indexWith(provider('broken')).discover(INTENT, {}, { now: NOW })
    expect(ranked.map(c => c.descriptor.id)).toEqual(await ids(indexWith()))
    expect(ranked[0]!.reasons).toContain('ranked by keywords only: embeddings failed (EmbeddingUnavailableError)')
  })

  it('still fails when the caller cancels', async () => {
    const err = await failureOf(indexWith(provider('slow')).discover(INTENT, {}, { now: NOW, signal: AbortSignal.timeout(100) }))
    expect(err.name).toBe('TimeoutError')
  })
})
