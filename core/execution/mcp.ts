import type { McpServerConfig } from '../common/config.ts'
import type { ListedTool } from '../discovery/own-capabilities.ts'
import { McpSession } from './mcp-session.ts'

// MCP servers the person configured (stdio). Discovery announces their tools; the MCP executor calls them.

export type McpTool = ListedTool

/** Start the server, ask for its tools, and stop it again; a server that fails or hangs is reported by name (McpServerError). */
export async function listMcpTools (server: McpServerConfig, options: { timeoutMs?: number } = {}): Promise<McpTool[]> {
  const session = new McpSession(server, { connectTimeoutMs: options.timeoutMs ?? 10_000 })
  try {
    return [...(await session.tools()).values()]
  } finally {
    await session.close()
  }
}
