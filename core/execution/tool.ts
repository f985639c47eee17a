import { encode } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import type { ListedTool } from '../discovery/own-capabilities.ts'

// What every executor speaks: a call names a tool by its capability id (`<server>/<tool>`, `builtin/<tool>`).

export type JsonObject = Record<string, unknown>

export interface ToolCall {
  /** The capability id: `<mcp server id>/<tool name>` or `builtin/<tool name>`. */
  readonly tool: string
  readonly input: JsonObject
}

/** A tool's output as MCP shapes it: content blocks for people and models, structured data for programs. */
export interface ToolResult {
  readonly content: readonly JsonObject[]
  readonly structured?: JsonObject
}

export interface RunOptions {
  /** The caller's deadline or cancellation; a per-tool maximum applies on top. */
  readonly signal?: AbortSignal
}

export interface Executor {
  run (call: ToolCall, options?: RunOptions): Promise<ToolResult>
}

/** A tool as an executor knows it: what discovery announces and what receipts name by digest. */
export type ToolDescriptor = ListedTool

export interface ToolCatalog {
  /** The descriptor the tool runs under now; UnknownToolError when there is none. */
  describe (tool: string, options?: RunOptions): Promise<ToolDescriptor>
}

/** An executor on this machine: it runs tools and can say which version of a tool ran. */
export interface LocalExecutor extends Executor, ToolCatalog {}

/** Same value → same hash on both sides of the wire (deterministic CBOR). */
export function hashValue (value: unknown): Uint8Array {
  return sha256(encode(value))
}

/** What a tool is, for pinning and receipts: a changed description or schema is a different tool (the MCP rug-pull lesson). */
export function toolDigest (tool: ToolDescriptor): Uint8Array {
  return hashValue({
    name: tool.name,
    title: tool.title ?? null,
    description: tool.description,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema ?? null
  })
}

/** Split `server/tool` at the first slash. */
export function splitToolId (id: string): { readonly prefix: string, readonly name: string } | undefined {
  const slash = id.indexOf('/')
  if (slash <= 0 || slash === id.length - 1) return undefined
  return { prefix: id.slice(0, slash), name: id.slice(slash + 1) }
}
