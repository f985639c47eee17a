import { UsageError } from '../api/errors.ts'
import type { McpServerStatus } from '../api/execution.ts'
import { BUILTIN_PREFIX, BuiltinExecutor, type BuiltinExecutorInit } from './builtins.ts'
import { McpExecutor, type McpExecutorInit } from './mcp-executor.ts'
import { splitToolId, type LocalExecutor, type RunOptions, type ToolCall, type ToolDescriptor, type ToolResult } from './tool.ts'

// The execution plane's face: one executor over the built-in tools and the person's MCP servers, routed by the id's prefix.

export interface ToolExecutorInit extends McpExecutorInit {
  readonly builtins?: BuiltinExecutorInit
}

export class ToolExecutor implements LocalExecutor {
  readonly builtins: BuiltinExecutor
  readonly mcp: McpExecutor

  constructor (init: ToolExecutorInit) {
    if (init.servers.some(s => s.id === BUILTIN_PREFIX)) throw new UsageError(`an MCP server may not be called "${BUILTIN_PREFIX}"`, { hint: 'rename it in config.json' })
    this.builtins = new BuiltinExecutor({ ...init.builtins, limits: { ...init.limits, ...init.builtins?.limits } })
    this.mcp = new McpExecutor(init)
  }

  start (): void {
    this.builtins.start()
    this.mcp.start()
  }

  async stop (): Promise<void> {
    this.builtins.stop()
    await this.mcp.stop()
  }

  status (): McpServerStatus[] {
    return this.mcp.status()
  }

  async describe (tool: string): Promise<ToolDescriptor> {
    return await this.route(tool).describe(tool)
  }

  async run (call: ToolCall, options?: RunOptions): Promise<ToolResult> {
    return await this.route(call.tool).run(call, options)
  }

  private route (tool: string): LocalExecutor {
    return splitToolId(tool)?.prefix === BUILTIN_PREFIX ? this.builtins : this.mcp
  }
}
