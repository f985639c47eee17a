import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { encode } from '../../core/common/codec.ts'
import { createHost, type Host, type Network } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { openReceipt } from '../../core/reputation/receipt.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// A result over the inline limit (48 KiB) between two real agents: a real stdio MCP server returns 1 MiB, the provider
// names it by digest in its signed result, the requester fetches it in bounded chunks, checks it, and the co-signed
// receipt names the same digest.

const TOPIC = 'data_analysis'
const SDK = (path: string): string => fileURLToPath(new URL(`../../node_modules/@modelcontextprotocol/sdk/dist/esm/${path}`, import.meta.url))

/** A stdio MCP server with one tool, `blob`, that returns `bytes` characters of text. */
function blobServer (): string {
  const file = join(tempDir(), 'blob-server.mjs')
  writeFileSync(file, `
import { Server } from ${JSON.stringify(SDK('server/index.js'))}
import { StdioServerTransport } from ${JSON.stringify(SDK('server/stdio.js'))}
import { CallToolRequestSchema, ListToolsRequestSchema } from ${JSON.stringify(SDK('types.js'))}
const server = new Server({ name: 'blob', version: '1.0.0' }, { capabilities: { tools: {} } })
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'blob', description: 'Return a block of text of the given length', inputSchema: { type: 'object', properties: { bytes: { type: 'integer', minimum: 0, maximum: 33554432 } }, required: ['bytes'] } }] }))
server.setRequestHandler(CallToolRequestSchema, async request => {
  const n = request.params.arguments.bytes
  let text = ''
  for (let i = 0; text.length < n; i++) text += (i % 10).toString().repeat(1000)
  return { content: [{ type: 'text', text: text.slice(0, n) }] }
})
await server.connect(new StdioServerTransport())
`)
  return file
}

interface Agent { host: Host, net: Network }
const agents: Agent[] = []

async function agent (config: Record<string, unknown>, bootstrap: string[] = []): Promise<Agent> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ interests: [TOPIC], ...config }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST, interactive: () => false })
  await host.identity.create(host.digests())
  await host.start()
  const net = await host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap })
  const made = { host, net }
  agents.push(made)
  return made
}

let requester: Agent, provider: Agent
const BLOB = 'blob/blob'

beforeAll(async () => {
  provider = await agent({ mcpServers: [{ id: 'blob', command: process.execPath, args: [blobServer()], topics: [TOPIC], price: 1 }] })
  requester = await agent({}, [provider.net.peer.getMultiaddrs()[0]!.toString()])
  provider.host.policy.approvals.setRule({ direction: 'serve', capability: BLOB, mode: 'allow' })
  await eventually(async () => (await requester.net.discovery.discover('a block of text', { topic: TOPIC }, { limit: 10 })).some(c => c.descriptor.id === BLOB), 'the blob tool at the requester', 60_000)
}, 120_000)

afterAll(async () => { await Promise.all(agents.splice(0).map(a => a.host.stop())) })

describe('a large result', () => {
  it('arrives whole: 1 MiB of tool output, fetched in chunks, checked against the signed digest the receipt names', async () => {
    const size = 1024 * 1024
    const done = await requester.net.negotiation.delegate({ intent: 'a block of text', input: { bytes: size }, topic: TOPIC, capability: BLOB, deadlineMs: 30_000 })
    expect(done).toMatchObject({ state: 'completed', receipt: { bothSigned: true } })
    const text = (done.result!.content[0] as { text: string }).text
    expect(text).toHaveLength(size)
    expect(text.slice(0, 3)).toBe('000')
    expect(text.slice(-1)).toBe('8')
    // The receipt both sides signed names the output's digest: the bytes that were delivered, and nothing else.
    const receipt = requester.host.reputation.store.receipt(Buffer.from(done.receipt.hash!, 'hex'))
    expect(receipt).toBeDefined()
    const digest = createHash('sha256').update(encode(done.result!)).digest()
    expect(Buffer.from(openReceipt(receipt!.bytes).receipt.output!)).toEqual(digest)
    // The provider's own record shows it delivered more than a result frame carries inline.
    const served = provider.net.negotiation.timeline(done.task)
    expect(served.at(-1)).toMatchObject({ to: 'completed', reason: `delivered ${encode(done.result!).byteLength} bytes` })
  }, 90_000)

  it('over the 16 MiB a task delivers: the task fails, and the requester is told by name that the output was too large', async () => {
    const done = await requester.net.negotiation.delegate({ intent: 'a block of text', input: { bytes: 17 * 1024 * 1024 }, topic: TOPIC, capability: BLOB, deadlineMs: 60_000 })
    expect(done.state).toBe('failed')
    expect(done.reason).toMatch(/ToolOutputTooLargeError: blob\/blob returned \d+ bytes, over the 16777216-byte limit/)
    expect(done.attempts.at(-1)).toMatchObject({ stage: 'execution', outcome: 'failed', reason: expect.stringContaining('ToolOutputTooLargeError') })
    expect(provider.net.negotiation.get(done.task)).toMatchObject({ state: 'failed' })
  }, 120_000)
})
