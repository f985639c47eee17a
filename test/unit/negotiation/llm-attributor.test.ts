import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LlmAttributor } from '../../../core/negotiation/llm-attributor.ts'
import { LOOSE, trace } from './fixtures.ts'

// A real OpenAI-compatible chat endpoint on loopback, answering canned completions by path.
const seen: Array<{ url: string, authorization: string | undefined, body: any }> = []
let server: Server
let root: string

const completion = (content: string) => JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] })

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', c => chunks.push(c as Buffer))
    request.on('end', () => {
      seen.push({ url: request.url!, authorization: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      const mode = request.url!.split('/')[1]
      const ok = (text: string) => response.writeHead(200, { 'content-type': 'application/json' }).end(text)
      if (mode === 'ok') ok(completion('```json\n{"attributions":[{"trace":0,"clause":"penalty","explanation":"the fee was too small to matter"}]}\n```'))
      else if (mode === 'invented') ok(completion('{"attributions":[{"trace":0,"clause":"vibes","explanation":"?"}]}'))
      else if (mode === 'prose') ok(completion('I think the deadline was too tight.'))
      else response.writeHead(503).end('overloaded')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

const traces = [
  trace('late_delivery', { paid: 5, offeredEtaMs: 18_000, deliveredAfterMs: 25_000 }),
  trace('egress_violation', { paid: 5, dataClass: 'personal' })
]

describe('LlmAttributor', () => {
  it('takes the model\'s clause and explanation, and the rule\'s for a trace the model left out', async () => {
    const attributor = new LlmAttributor({ baseUrl: `${root}/ok/`, model: 'tiny', apiKey: 'sk-test' })
    const result = await attributor.attribute(traces, LOOSE)
    expect(result).toEqual([
      { trace: 0, clause: 'penalty', explanation: 'the fee was too small to matter' },
      { trace: 1, clause: 'egress', explanation: expect.stringMatching(/unredacted/) }
    ])
    const request = seen.at(-1)!
    expect(request.url).toBe('/ok/v1/chat/completions')
    expect(request.authorization).toBe('Bearer sk-test')
    expect(request.body.model).toBe('tiny')
    expect(JSON.parse(request.body.messages[1].content).traces).toHaveLength(2)
  })

  it('refuses clauses outside the mechanism and answers that are not JSON, with AttributorResponseError', async () => {
    await expect(new LlmAttributor({ baseUrl: `${root}/invented`, model: 'm' }).attribute(traces, LOOSE)).rejects.toMatchObject({ name: 'AttributorResponseError' })
    await expect(new LlmAttributor({ baseUrl: `${root}/prose`, model: 'm' }).attribute(traces, LOOSE)).rejects.toMatchObject({ name: 'AttributorResponseError' })
  })

  it('reports a failing or unreachable endpoint as AttributorUnavailableError', async () => {
    await expect(new LlmAttributor({ baseUrl: `${root}/down`, model: 'm' }).attribute(traces, LOOSE)).rejects.toMatchObject({ name: 'AttributorUnavailableError' })
    await expect(new LlmAttributor({ baseUrl: 'http://127.0.0.1:1', model: 'm' }).attribute(traces, LOOSE)).rejects.toMatchObject({ name: 'AttributorUnavailableError' })
  })
})
