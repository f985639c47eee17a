import { A2A_VERSION_HEADER } from '@a2a-js/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NoCandidatesError } from '../../core/api/errors.ts'
import { verifyChain } from '../../core/identity/baid.ts'
import { peerIdOf } from '../../core/identity/ids.ts'
import { buildAgentCard, signAgentCard, startA2aEndpoint, type A2aEndpoint } from '../../core/interop/index.ts'
import { buildChain, testSigner } from '../helpers/identity.ts'

// Found by the fuzz run: a null among a message's parts made the SDK's JSON reader throw a TypeError, answered as an
// internal error (-32603); it is invalid params (-32602) now, and the endpoint keeps serving.

const agent = testSigner()
const chain = verifyChain(buildChain(testSigner(), [agent]).map(l => l.envelope.bytes))
const who = { baidId: chain.baidId, peerId: peerIdOf(agent.publicKey), baidVersion: 1 }
let endpoint: A2aEndpoint

beforeAll(async () => {
  endpoint = await startA2aEndpoint({
    port: 0,
    card: url => signAgentCard(buildAgentCard({ name: 'Body check', identity: who, url, version: '0.1.0', descriptors: [] }), agent, who),
    delegator: { delegate: async () => { throw new NoCandidatesError('nobody offers this here') } }
  })
})
afterAll(async () => { await endpoint?.close() })

async function send (parts: unknown[], messageId: unknown = 'm-1'): Promise<{ error?: { code: number, message: string }, result?: unknown }> {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}`, [A2A_VERSION_HEADER]: '1.0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId, role: 'ROLE_USER', parts } } })
  })
  expect(response.status).toBe(200)
  return await response.json() as { error?: { code: number, message: string }, result?: unknown }
}

describe('A2A request bodies', () => {
  it('answers a null part as invalid params, not an internal error, and still serves the next request', async () => {
    for (const parts of [[null], [{ text: 'count the words' }, null], [null, { data: { text: 'a b' } }]]) {
      const reply = await send(parts)
      expect(reply.error).toMatchObject({ code: -32602 })
    }
    const next = await send([{ text: 'count the words' }])
    expect(next.error).toBeUndefined()
    expect(next.result).toMatchObject({ task: { status: { state: 'TASK_STATE_FAILED' } } })
  })

  it('answers an object that shadows toString where a string belongs as invalid params (found by the fuzz run)', async () => {
    const reply = await send([{ text: 'count the words' }], [[true], { toString: '8_%', I: '' }])
    expect(reply.error).toMatchObject({ code: -32602, message: 'Invalid params: a key named toString or valueOf' })
    expect((await send([{ text: 'count the words' }])).error).toBeUndefined()
  })
})
