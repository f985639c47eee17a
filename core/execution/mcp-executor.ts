import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { ExecutorStoppedError, McpServerError, ToolFailedError, ToolOutputTooLargeError, UnknownToolError } from '../api/errors.ts'
import type { McpServerStatus } from '../api/execution.ts'
import type { McpServerConfig } from '../common/config.ts'
import { DEFAULT_TOOL_LIMITS, limitsFor, runGuarded, type ToolLimits } from './guard.ts'
import { McpSession, plain, type McpSessionInit } from './mcp-session.ts'
import { splitToolId, type JsonObject, type LocalExecutor, type RunOptions, type ToolCall, type ToolDescriptor, type ToolResult } from './tool.ts'

// Calls tools of the person's MCP servers (`<server id>/<tool name>`), each server behind one long-lived session.

export interface McpExecutorInit {
  readonly servers: readonly McpServerConfig[]
  readonly limits?: Partial<ToolLimits>
  /** Per tool id, e.g. a slow `everything/trigger-long-running-operation` allowed longer. */
  readonly toolLimits?: Readonly<Record<string, Partial<ToolLimits>>>
  readonly session?: McpSessionInit
}

export class McpExecutor implements LocalExecutor {
  private readonly sessions: ReadonlyMap<string, McpSession>
  private readonly limits: ToolLimits
  private readonly toolLimits: Readonly<Record<string, Partial<ToolLimits>>>
  private running = true

  constructor (init: McpExecutorInit) {
    this.limits = limitsFor(DEFAULT_TOOL_LIMITS, init.limits)
    this.toolLimits = init.toolLimits ?? {}
    // Each server's session reads messages as long as the largest output any of its tools may return.
    const largest = (server: string): number => Math.max(this.limits.maxOutputBytes, ...Object.entries(this.toolLimits)
      .filter(([id]) => splitToolId(id)?.prefix === server).map(([, l]) => l.maxOutputBytes ?? 0))
    this.sessions = new Map(init.servers.map(s => [s.id, new McpSession(s, { maxOutputBytes: largest(s.id), ...init.session })]))
  }

  /** Servers start on first use, not here. */
  start (): void { this.running = true }

  async stop (): Promise<void> {
    this.running = false
    await Promise.all([...this.sessions.values()].map(async s => { await s.close() }))
  }

  status (): McpServerStatus[] {
    return [...this.sessions.values()].map(s => ({ id: s.server.id, running: s.pid !== undefined, ...(s.pid === undefined ? {} : { pid: s.pid }), starts: s.startCount }))
  }

  /** A server's tools, asked through its long-lived session (which stays up for the calls that follow): what discovery announces. */
  async toolsOf (serverId: string): Promise<ToolDescriptor[]> {
    const session = this.sessions.get(serverId)
    if (session === undefined) throw new UnknownToolError(`no configured MCP server is called ${serverId}`)
    return [...(await session.tools()).values()]
  }

  async describe (id: string): Promise<ToolDescriptor> {
    return (await this.find(id)).descriptor
  }

  async run (call: ToolCall, options: RunOptions = {}): Promise<ToolResult> {
    const { session, descriptor } = await this.find(call.tool)
    const limits = limitsFor(this.limits, this.toolLimits[call.tool])
    return await runGuarded(call.tool, descriptor, limits, call.input, options, async signal => {
      let result: CallToolResult
      try {
        result = await session.call(descriptor.name, call.input, signal)
      } catch (err) {
        if (err instanceof McpServerError || err instanceof ToolOutputTooLargeError || signal.aborted) throw err
        throw new ToolFailedError(`${call.tool} failed: ${(err as Error).message}`, { cause: err, hint: err instanceof McpError && err.code === ErrorCode.ConnectionClosed ? 'the server stopped during the call; it is started again on the next call' : undefined })
      }
      return toolResult(call.tool, result)
    })
  }

  private async find (id: string): Promise<{ session: McpSession, descriptor: ToolDescriptor }> {
    if (!this.running) throw new ExecutorStoppedError('MCP tools are stopped')
    const parts = splitToolId(id)
    const session = parts === undefined ? undefined : this.sessions.get(parts.prefix)
    if (parts === undefined || session === undefined) throw new UnknownToolError(`no configured MCP server serves ${id}`)
    const descriptor = (await session.tools()).get(parts.name)
    if (descriptor === undefined) throw new UnknownToolError(`MCP server ${parts.prefix} has no tool ${parts.name}`)
    return { session, descriptor }
  }
}

/** A tool that reports an error is a failed call, not a result. */
function toolResult (id: string, result: CallToolResult): ToolResult {
  if (result.isError === true) {
    const text = result.content.map(c => c.type === 'text' ? c.text : `[${c.type}]`).join(' ').slice(0, 1000)
    throw new ToolFailedError(`${id} reported an error: ${text}`)
  }
  const content = plain(result.content) as JsonObject[]
  return result.structuredContent === undefined ? { content } : { content, structured: plain(result.structuredContent) }
}
