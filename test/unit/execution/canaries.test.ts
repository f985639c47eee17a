import { describe, expect, it } from 'vitest'
import { ToolFailedError } from '../../../core/api/errors.ts'
import { BuiltinExecutor } from '../../../core/execution/builtins.ts'
import { CanaryRegistry, runCanary } from '../../../core/execution/canaries.ts'
import type { Executor, ToolCall, ToolResult } from '../../../core/execution/tool.ts'

// T2 canaries: a provider that answers a known-answer call wrongly is caught, with what it got wrong.

const honest = new BuiltinExecutor()

/** A provider that runs the tool and then bends its answer. */
function lying (bend: (r: ToolResult) => ToolResult): Executor {
  return { run: async (call: ToolCall) => bend(await honest.run(call)) }
}

const offByOne: Executor = lying(r => ({ ...r, structured: Object.fromEntries(Object.entries(r.structured ?? {}).map(([k, v]) => [k, typeof v === 'number' ? v + 1 : typeof v === 'string' ? `${v}0` : v])) }))

describe('canaries', () => {
  it.each(['builtin/echo', 'builtin/sha256', 'builtin/word-count'])('%s: an honest provider passes, a lying one fails with the mismatch', async id => {
    expect(await runCanary(honest, { id })).toMatchObject({ capability: id, passed: true })
    const caught = await runCanary(offByOne, { id })
    expect(caught).toMatchObject({ capability: id, passed: false, mismatch: expect.stringMatching(/expected .*, got /) })
  })

  it('uses fresh inputs, so a provider cannot replay a memorized answer', async () => {
    let remembered: ToolResult | undefined
    const replaying: Executor = { run: async call => (remembered ??= await honest.run(call)) }
    expect(await runCanary(replaying, { id: 'builtin/sha256' })).toMatchObject({ passed: true })
    expect(await runCanary(replaying, { id: 'builtin/sha256' })).toMatchObject({ passed: false })
  })

  it('counts a failed call as a failed canary, but not the requester\'s own cancel', async () => {
    const failing: Executor = { run: async () => { throw new ToolFailedError('the server stopped') } }
    expect(await runCanary(failing, { id: 'builtin/echo' })).toMatchObject({ passed: false, mismatch: 'the call failed: ToolFailedError', error: { name: 'ToolFailedError' } })
    const controller = new AbortController()
    controller.abort()
    await expect(runCanary(honest, { id: 'builtin/echo' }, { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ name: 'ToolCanceledError' }))
  })

  it('finds MCP canaries by tool name and input fields, whatever the provider called its server', () => {
    const registry = new CanaryRegistry()
    const sumSchema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } }
    expect(registry.find({ id: 'tools/get-sum', inputSchema: sumSchema })?.name).toBe('mcp:get-sum')
    expect(registry.find({ id: 'tools/get-sum', inputSchema: { type: 'object', properties: { x: {} } } })).toBeUndefined()
    expect(registry.find({ id: 'tools/echo', inputSchema: { type: 'object', properties: { message: {} } } })?.name).toBe('mcp:echo')
    expect(registry.find({ id: 'tools/echo', inputSchema: { type: 'object', properties: { text: {} } } })).toBeUndefined()
  })

  it('has none for a capability it knows nothing about', async () => {
    expect(await runCanary(honest, { id: 'someone/summarize' })).toBeUndefined()
  })
})
