import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BUILTIN_TOOLS, BuiltinExecutor, type BuiltinTool } from '../../../core/execution/builtins.ts'

// Built-in tools, and the checks every tool call passes: schemas, deadlines, output size.

const never = { type: 'object', properties: {}, additionalProperties: false }

function tool (name: string, run: BuiltinTool['run'], outputSchema?: Record<string, unknown>): BuiltinTool {
  return { descriptor: { name, title: undefined, description: name, inputSchema: never, outputSchema }, run }
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe('built-in tools', () => {
  const tools = new BuiltinExecutor()

  it('answer exactly', async () => {
    expect((await tools.run({ tool: 'builtin/echo', input: { text: 'héllo' } })).structured).toEqual({ text: 'héllo' })
    expect((await tools.run({ tool: 'builtin/sha256', input: { text: 'abc' } })).structured)
      .toEqual({ sha256: createHash('sha256').update('abc').digest('hex') })
    expect((await tools.run({ tool: 'builtin/word-count', input: { text: ' one  two\nthree ' } })).structured).toEqual({ words: 3, lines: 2 })
    expect((await tools.run({ tool: 'builtin/word-count', input: { text: 'one' } })).content).toEqual([{ type: 'text', text: '{"words":1,"lines":1}' }])
  })

  it('refuses an unknown tool and input that does not fit the schema, by name', async () => {
    await expect(tools.run({ tool: 'builtin/nope', input: {} })).rejects.toThrow(expect.objectContaining({ name: 'UnknownToolError' }))
    await expect(tools.run({ tool: 'other/echo', input: { text: 'x' } })).rejects.toThrow(expect.objectContaining({ name: 'UnknownToolError' }))
    await expect(tools.run({ tool: 'builtin/echo', input: { text: 42 } })).rejects.toThrow(expect.objectContaining({ name: 'ToolInputInvalidError', message: expect.stringMatching(/text must be string/) }))
    await expect(tools.run({ tool: 'builtin/echo', input: { text: 'x', extra: 1 } })).rejects.toThrow(expect.objectContaining({ name: 'ToolInputInvalidError' }))
  })

  it('refuses output over the size limit', async () => {
    const small = new BuiltinExecutor({ limits: { maxOutputBytes: 1024 } })
    expect((await small.run({ tool: 'builtin/echo', input: { text: 'x'.repeat(200) } })).structured).toEqual({ text: 'x'.repeat(200) })
    await expect(small.run({ tool: 'builtin/echo', input: { text: 'x'.repeat(2000) } }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolOutputTooLargeError', message: expect.stringMatching(/over the 1024-byte limit/) }))
  })

  it('refuses a result that does not fit the declared output schema', async () => {
    const liar = new BuiltinExecutor({
      tools: [
        tool('count', () => ({ content: [], structured: { words: 'many' } }), { type: 'object', properties: { words: { type: 'integer' } }, required: ['words'] }),
        tool('silent', () => ({ content: [{ type: 'text', text: '3' }] }), { type: 'object' })
      ]
    })
    await expect(liar.run({ tool: 'builtin/count', input: {} })).rejects.toThrow(expect.objectContaining({ name: 'ToolResultInvalidError', message: expect.stringMatching(/words must be integer/) }))
    await expect(liar.run({ tool: 'builtin/silent', input: {} })).rejects.toThrow(expect.objectContaining({ name: 'ToolResultInvalidError', message: expect.stringMatching(/no structured result/) }))
  })

  it('times out at the tool\'s limit or the caller\'s deadline, whichever comes first, even if the tool ignores the signal', async () => {
    const slow = new BuiltinExecutor({ tools: [{ ...tool('slow', async () => { await sleep(2000); return { content: [] } }), limits: { maxMs: 100 } }] })
    let started = performance.now()
    await expect(slow.run({ tool: 'builtin/slow', input: {} })).rejects.toThrow(expect.objectContaining({ name: 'ToolTimeoutError', message: expect.stringMatching(/100 ms limit/) }))
    expect(performance.now() - started).toBeLessThan(1000)
    started = performance.now()
    const patient = new BuiltinExecutor({ tools: [tool('slow', async () => { await sleep(2000); return { content: [] } })] })
    await expect(patient.run({ tool: 'builtin/slow', input: {} }, { signal: AbortSignal.timeout(50) }))
      .rejects.toThrow(expect.objectContaining({ name: 'ToolTimeoutError', message: expect.stringMatching(/caller's deadline/) }))
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('a canceled call is canceled, not timed out, and a call already canceled never runs', async () => {
    let runs = 0
    const counted = new BuiltinExecutor({ tools: [tool('slow', async () => { runs++; await sleep(500); return { content: [] } })] })
    const controller = new AbortController()
    const call = counted.run({ tool: 'builtin/slow', input: {} }, { signal: controller.signal })
    controller.abort()
    await expect(call).rejects.toThrow(expect.objectContaining({ name: 'ToolCanceledError' }))
    await expect(counted.run({ tool: 'builtin/slow', input: {} }, { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ name: 'ToolCanceledError' }))
    expect(runs).toBe(1)
  })

  it('tells a tool of its caller\'s cancel while it runs, and of nothing once it returned (no cancel for a finished call)', async () => {
    const heard: string[] = []
    const listening = new BuiltinExecutor({
      tools: [tool('listen', async (_input, signal) => {
        signal.addEventListener('abort', () => { heard.push(String(signal.reason)) })
        await sleep(20)
        return { content: [] }
      })]
    })
    const finished = new AbortController()
    await listening.run({ tool: 'builtin/listen', input: {} }, { signal: finished.signal })
    finished.abort(new Error('the task completed'))
    expect(heard).toEqual([])
    const canceled = new AbortController()
    const call = listening.run({ tool: 'builtin/listen', input: {} }, { signal: canceled.signal })
    canceled.abort(new Error('the person canceled'))
    await expect(call).rejects.toThrow(expect.objectContaining({ name: 'ToolCanceledError' }))
    expect(heard).toEqual(['Error: the person canceled'])
  })

  it('refuses calls while stopped, and stop/start are idempotent', async () => {
    const executor = new BuiltinExecutor()
    executor.stop()
    executor.stop()
    await expect(executor.run({ tool: 'builtin/echo', input: { text: 'x' } })).rejects.toThrow(expect.objectContaining({ name: 'ExecutorStoppedError' }))
    executor.start()
    executor.start()
    expect((await executor.run({ tool: 'builtin/echo', input: { text: 'x' } })).structured).toEqual({ text: 'x' })
  })

  it('describes its tools with schemas (what discovery announces)', () => {
    expect(new BuiltinExecutor().list().map(t => t.name)).toEqual(BUILTIN_TOOLS.map(t => t.descriptor.name))
    expect(BUILTIN_TOOLS.every(t => t.descriptor.outputSchema !== undefined)).toBe(true)
  })
})
