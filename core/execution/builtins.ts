import { createHash } from 'node:crypto'
import { ExecutorStoppedError, UnknownToolError } from '../api/errors.ts'
import { DEFAULT_TOOL_LIMITS, limitsFor, runGuarded, type ToolLimits } from './guard.ts'
import { splitToolId, type JsonObject, type LocalExecutor, type RunOptions, type ToolCall, type ToolDescriptor, type ToolResult } from './tool.ts'

// Tools Hearth carries itself: exact, cheap and deterministic, so they make good demos and canaries.

export const BUILTIN_PREFIX = 'builtin'

export interface BuiltinTool {
  readonly descriptor: ToolDescriptor
  readonly limits?: Partial<ToolLimits>
  run (input: JsonObject, signal: AbortSignal): ToolResult | Promise<ToolResult>
}

const MAX_TEXT = 64 * 1024
const textInput = { type: 'object', properties: { text: { type: 'string', maxLength: MAX_TEXT } }, required: ['text'], additionalProperties: false }

function textTool (name: string, description: string, outputSchema: Record<string, unknown>, compute: (text: string) => JsonObject): BuiltinTool {
  return {
    descriptor: { name, title: undefined, description, inputSchema: textInput, outputSchema },
    run: input => {
      const structured = compute(input.text as string)
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structured }
    }
  }
}

export const BUILTIN_TOOLS: readonly BuiltinTool[] = [
  textTool('echo', 'Return the text unchanged.',
    { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    text => ({ text })),
  textTool('sha256', 'SHA-256 of the text (UTF-8), as lowercase hex.',
    { type: 'object', properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } }, required: ['sha256'] },
    text => ({ sha256: createHash('sha256').update(text, 'utf8').digest('hex') })),
  textTool('word-count', 'Count the words (runs of non-space characters) and lines of the text.',
    { type: 'object', properties: { words: { type: 'integer', minimum: 0 }, lines: { type: 'integer', minimum: 0 } }, required: ['words', 'lines'] },
    text => ({ words: text.split(/\s+/u).filter(w => w.length > 0).length, lines: text.length === 0 ? 0 : text.split('\n').length }))
]

export interface BuiltinExecutorInit {
  readonly tools?: readonly BuiltinTool[]
  readonly limits?: Partial<ToolLimits>
}

export class BuiltinExecutor implements LocalExecutor {
  private readonly tools: ReadonlyMap<string, BuiltinTool>
  private readonly limits: ToolLimits
  private running = true

  constructor (init: BuiltinExecutorInit = {}) {
    this.tools = new Map((init.tools ?? BUILTIN_TOOLS).map(t => [t.descriptor.name, t]))
    this.limits = limitsFor(DEFAULT_TOOL_LIMITS, init.limits)
  }

  start (): void { this.running = true }
  stop (): void { this.running = false }

  list (): ToolDescriptor[] {
    return [...this.tools.values()].map(t => t.descriptor)
  }

  async describe (id: string): Promise<ToolDescriptor> {
    return this.find(id).descriptor
  }

  async run (call: ToolCall, options: RunOptions = {}): Promise<ToolResult> {
    if (!this.running) throw new ExecutorStoppedError('built-in tools are stopped')
    const tool = this.find(call.tool)
    return await runGuarded(call.tool, tool.descriptor, limitsFor(this.limits, tool.limits), call.input, options, async signal => await tool.run(call.input, signal))
  }

  private find (id: string): BuiltinTool {
    const parts = splitToolId(id)
    const tool = parts?.prefix === BUILTIN_PREFIX ? this.tools.get(parts.name) : undefined
    if (tool === undefined) throw new UnknownToolError(`no built-in tool ${id}`)
    return tool
  }
}
