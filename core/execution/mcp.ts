import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { McpServerError } from '../api/errors.ts'
import type { McpServerConfig } from '../common/config.ts'
import type { ListedTool } from '../discovery/own-capabilities.ts'

// MCP servers the person configured (stdio). Discovery announces their tools; execution will call them.

export type McpTool = ListedTool

const MAX_TOOLS = 256

/** Start the server, ask for its tools, and stop it again; a server that fails or hangs is reported by name. */
export async function listMcpTools (server: McpServerConfig, options: { timeoutMs?: number } = {}): Promise<McpTool[]> {
  const transport = new StdioClientTransport({ command: server.command, args: server.args, ...(server.env === undefined ? {} : { env: server.env }), stderr: 'ignore' })
  const client = new Client({ name: 'hearth', version: '0.1.0' })
  try {
    await client.connect(transport, { timeout: options.timeoutMs ?? 10_000 })
    const { tools } = await client.listTools(undefined, { timeout: options.timeoutMs ?? 10_000 })
    return tools.slice(0, MAX_TOOLS).map(tool => ({
      name: tool.name,
      title: tool.title,
      description: tool.description ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      outputSchema: tool.outputSchema as Record<string, unknown> | undefined
    }))
  } catch (err) {
    throw new McpServerError(`MCP server ${server.id} (${server.command}) did not list its tools: ${(err as Error).message}`, {
      cause: err, hint: 'check the command and arguments in config.json, and that the server speaks MCP over stdio'
    })
  } finally {
    await client.close().catch(() => undefined)
  }
}
