import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { runCanary } from '../../core/execution/canaries.ts'
import { decodeEvidence, encodeEvidence } from '../../core/execution/evidence-package.ts'
import { EvidenceRecorder } from '../../core/execution/evidence-recorder.ts'
import { toolDigest, type Executor, type ToolResult } from '../../core/execution/tool.ts'
import { ToolExecutor, type ToolExecutorInit } from '../../core/execution/tool-executor.ts'
import { bindReceipt, receiptFor, verifyEvidence } from '../../core/execution/verify-evidence.ts'
import { sealReceipt } from '../../core/reputation/receipt.ts'
import { eventually } from '../helpers/peers.ts'
import { testSigner } from '../helpers/identity.ts'
import { EVERYTHING } from '../helpers/mcp.ts'
import { tempDir } from '../helpers/tmp.ts'

// Calling a real MCP server (the reference "everything" server over stdio): limits, crashes, canaries and evidence.

const executors: ToolExecutor[] = []
afterEach(async () => { await Promise.all(executors.splice(0).map(e => e.stop())) })

function executor (init: Partial<ToolExecutorInit> = {}): ToolExecutor {
  const e = new ToolExecutor({ servers: [EVERYTHING], ...init })
  executors.push(e)
  return e
}

const text = (r: ToolResult): unknown => r.content[0]?.text
const SDK = (path: string): string => fileURLToPath(new URL(`../../node_modules/@modelcontextprotocol/sdk/dist/esm/${path}`, import.meta.url))

/** A stdio MCP server with one tool, `blob`, that returns `bytes` characters of text. */
function blobServer (): string {
  const file = join(tempDir(), 'blob-server.mjs')
  writeFileSync(file, `
import { Server } from ${JSON.stringify(SDK('server/index.js'))}
import { StdioServerTransport } from ${JSON.stringify(SDK('server/stdio.js'))}
import { CallToolRequestSchema, ListToolsRequestSchema } from ${JSON.stringify(SDK('types.js'))}
const server = new Server({ name: 'blob', version: '1.0.0' }, { capabilities: { tools: {} } })
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'blob', description: 'Return a block of text of the given length', inputSchema: { type: 'object', properties: { bytes: { type: 'integer', minimum: 0 } }, required: ['bytes'] } }] }))
server.setRequestHandler(CallToolRequestSchema, async request => ({ content: [{ type: 'text', text: '0'.repeat(request.params.arguments.bytes) }] }))
await server.connect(new StdioServerTransport())
`)
  return file
}

describe('MCP tools', () => {
  it('calls a real tool, keeps one server process across calls, and validates structured output', async () => {
    const tools = executor()
    expect(tools.status()).toEqual([{ id: 'everything', running: false, starts: 0 }])
    expect(text(await tools.run({ tool: 'everything/echo', input: { message: 'hello' } }))).toBe('Echo: hello')
    const pid = tools.status()[0]!.pid
    expect(text(await tools.run({ tool: 'everything/get-sum', input: { a: 2, b: 40 } }))).toMatch(/\b42\b/)
    expect(tools.status()).toEqual([{ id: 'everything', running: true, pid, starts: 1 }])
    const weather = await tools.run({ tool: 'everything/get-structured-content', input: { location: 'Chicago' } })
    expect(weather.structured).toEqual({ temperature: expect.any(Number), conditions: expect.any(String), humidity: expect.any(Number) })
    await expect(tools.run({ tool: 'everything/get-sum', input: { a: 'two', b: 40 } })).rejects.toThrow(expect.objectContaining({ name: 'ToolInputInvalidError' }))
    await expect(tools.run({ tool: 'everything/no-such-tool', input: {} })).rejects.toThrow(expect.objectContaining({ name: 'UnknownToolError' }))
    await expect(tools.run({ tool: 'elsewhere/echo', input: {} })).rejects.toThrow(expect.objectContaining({ name: 'UnknownToolError' }))
  })

  it('times out a slow tool at its limit, and the server still answers the next call', async () => {
    const tools = executor({ toolLimits: { 'everything/trigger-long-running-operation': { maxMs: 400 } } })
    const started = performance.now()
    await expect(tools.run({ tool: 'everything/trigger-long-running-operation', input: { duration: 20, steps: 2 } }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolTimeoutError', message: expect.stringMatching(/400 ms limit/) }))
    expect(performance.now() - started).toBeLessThan(3000)
    await expect(tools.run({ tool: 'everything/trigger-long-running-operation', input: { duration: 20, steps: 2 } }, { signal: AbortSignal.timeout(200) }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolTimeoutError', message: expect.stringMatching(/caller's deadline/) }))
    expect(text(await tools.run({ tool: 'everything/echo', input: { message: 'still here' } }))).toBe('Echo: still here')
    expect(tools.status()[0]!.starts).toBe(1)
  })

  it('refuses output over the limit', async () => {
    const tools = executor({ limits: { maxOutputBytes: 2048 } })
    expect(text(await tools.run({ tool: 'everything/echo', input: { message: 'x'.repeat(1000) } }))).toBe(`Echo: ${'x'.repeat(1000)}`)
    await expect(tools.run({ tool: 'everything/echo', input: { message: 'x'.repeat(4000) } }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolOutputTooLargeError' }))
  })

  it('takes outputs up to the 16 MiB limit whole, and fails larger ones by name, however large, saying why', async () => {
    // Tens of MiB through a pipe: on a machine loaded by other work the default 30 s tool limit is not what is tested here.
    const tools = executor({ servers: [{ id: 'blob', command: process.execPath, args: [blobServer()], topics: ['data_analysis'], price: 1 }], toolLimits: { 'blob/blob': { maxMs: 100_000 } } })
    const MiB = 1024 * 1024
    // Over the MCP SDK's own 10 MiB read buffer, under the task limit: it arrives.
    expect((text(await tools.run({ tool: 'blob/blob', input: { bytes: 12 * MiB } })) as string).length).toBe(12 * MiB)
    await expect(tools.run({ tool: 'blob/blob', input: { bytes: 17 * MiB } }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolOutputTooLargeError', message: expect.stringMatching(/returned \d+ bytes, over the 16777216-byte limit/) }))
    // So large the message is not even read: still the same named failure, not a closed connection.
    await expect(tools.run({ tool: 'blob/blob', input: { bytes: 40 * MiB } }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolOutputTooLargeError', message: expect.stringMatching(/its output is over the limit/) }))
    expect(text(await tools.run({ tool: 'blob/blob', input: { bytes: 5 } }))).toBe('00000')
  }, 120_000)

  it('starts a server again after it dies; stop is final and idempotent', async () => {
    const tools = executor()
    await tools.run({ tool: 'everything/echo', input: { message: 'one' } })
    const first = tools.status()[0]!.pid!
    process.kill(first, 'SIGKILL')
    await eventually(() => !tools.status()[0]!.running, 'the executor sees the server die', 5_000)
    expect(text(await tools.run({ tool: 'everything/echo', input: { message: 'two' } }))).toBe('Echo: two')
    expect(tools.status()[0]).toMatchObject({ running: true, starts: 2 })
    expect(tools.status()[0]!.pid).not.toBe(first)

    await tools.stop()
    await tools.stop()
    expect(tools.status()[0]).toMatchObject({ running: false })
    await expect(tools.run({ tool: 'everything/echo', input: { message: 'three' } })).rejects.toThrow(expect.objectContaining({ name: 'ExecutorStoppedError' }))
  })

  it('a call in flight when the server dies fails by name', async () => {
    const tools = executor()
    await tools.run({ tool: 'everything/echo', input: { message: 'warm up' } })
    const call = tools.run({ tool: 'everything/trigger-long-running-operation', input: { duration: 20, steps: 2 } })
    process.kill(tools.status()[0]!.pid!, 'SIGKILL')
    await expect(call).rejects.toThrow(expect.objectContaining({ name: 'ToolFailedError' }))
  })

  it('canaries: the real server passes; a provider that bends its answers fails', async () => {
    const tools = executor()
    const [echo, sum] = await Promise.all(['everything/echo', 'everything/get-sum'].map(async id => ({ id, inputSchema: (await tools.describe(id)).inputSchema })))
    expect(await runCanary(tools, echo!)).toMatchObject({ passed: true })
    expect(await runCanary(tools, sum!)).toMatchObject({ passed: true })
    const cheat: Executor = { run: async call => call.tool === sum!.id ? { content: [{ type: 'text', text: 'The sum is 7.' }] } : await tools.run(call) }
    expect(await runCanary(cheat, sum!)).toMatchObject({ passed: false, mismatch: expect.stringMatching(/^sum: expected \d+, got 7$/) })
  })

  it('evidence of real tool calls verifies at the requester and ends in the co-signed receipt', async () => {
    const tools = executor()
    const provider = testSigner()
    const requester = testSigner()
    const announced = toolDigest(await tools.describe('everything/get-sum'))
    const recorder = new EvidenceRecorder({ task: 'sum-1', signer: provider, tools })
    await recorder.run({ tool: 'everything/echo', input: { message: 'adding' } })
    const input = { a: 19, b: 23 }
    const result = await recorder.run({ tool: 'everything/get-sum', input })
    const wire = encodeEvidence(recorder.seal(input, result))

    const verified = verifyEvidence(decodeEvidence(wire), provider.publicKey, { task: 'sum-1', input, result, tool: { id: 'everything/get-sum', digest: announced } })
    expect(verified.calls.map(c => c.tool)).toEqual(['everything/echo', 'everything/get-sum'])
    const receipt = sealReceipt(receiptFor(verified, 'devops_tool_execution', true), requester, provider)
    expect(bindReceipt(receipt, verified).receipt).toEqual({ task: 'sum-1', topic: 'devops_tool_execution', satisfied: true })
  })
})
