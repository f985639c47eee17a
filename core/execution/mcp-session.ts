import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { CallToolResultSchema, ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { McpServerError, ToolOutputTooLargeError } from '../api/errors.ts'
import type { McpServerConfig } from '../common/config.ts'
import type { ToolDescriptor } from './tool.ts'

// One long-lived client per configured stdio MCP server: started on first use, started again after it dies, closed on stop.

const MAX_TOOLS = 256
const MAX_PAGES = 32
// Calls are bounded by the caller's signal (runGuarded); the SDK's own 60 s default would cut longer tools short.
const NO_SDK_TIMEOUT = 2 ** 31 - 1

interface Connection {
  readonly client: Client
  readonly transport: StdioClientTransport
  tools: Map<string, ToolDescriptor> | undefined
  /** Set when the server sent a message longer than we read: the transport closed, and the call in flight fails by this. */
  overflow?: boolean
}

/** JSON-RPC around a result, and JSON's escapes inside it: a message may be this much longer than the result it carries, encoded. */
const MESSAGE_SLACK = (bytes: number): number => 2 * bytes + 1024 * 1024

export interface McpSessionInit {
  readonly connectTimeoutMs?: number
  /**
   * The largest tool output any of this server's tools may return (encoded bytes, as the guard counts them): messages are read
   * up to about twice that (JSON is wordier), and a longer one fails its call with ToolOutputTooLargeError.
   */
  readonly maxOutputBytes?: number
  /** A server that dies more often than this within a minute is not started again until the minute has passed. */
  readonly maxStartsPerMinute?: number
  readonly now?: () => number
}

export class McpSession {
  readonly server: McpServerConfig
  private connecting: Promise<Connection> | undefined
  private live: Connection | undefined
  private readonly starts: number[] = []
  private readonly connectTimeoutMs: number
  private readonly maxStartsPerMinute: number
  private readonly maxMessageBytes: number | undefined
  private readonly now: () => number

  constructor (server: McpServerConfig, init: McpSessionInit = {}) {
    this.server = server
    this.connectTimeoutMs = init.connectTimeoutMs ?? 10_000
    this.maxMessageBytes = init.maxOutputBytes === undefined ? undefined : MESSAGE_SLACK(init.maxOutputBytes)
    this.maxStartsPerMinute = init.maxStartsPerMinute ?? 5
    this.now = init.now ?? Date.now
  }

  /** The server's process while it runs. */
  get pid (): number | undefined {
    return this.live?.transport.pid ?? undefined
  }

  get startCount (): number {
    return this.starts.length
  }

  /** The server's tools by name, as it lists them now (asked again after it says they changed). */
  async tools (): Promise<ReadonlyMap<string, ToolDescriptor>> {
    const connection = await this.connection()
    if (connection.tools === undefined) connection.tools = await listTools(connection.client, this.connectTimeoutMs)
    return connection.tools
  }

  async call (name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const connection = await this.connection()
    try {
      return await connection.client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, { signal, timeout: NO_SDK_TIMEOUT })
    } catch (err) {
      // The SDK drops the connection when a message outgrows its read buffer and tells the call only "Connection closed".
      if (connection.overflow === true) {
        const read = this.maxMessageBytes === undefined ? '' : ` ${this.maxMessageBytes}`
        throw new ToolOutputTooLargeError(`${this.server.id}/${name} answered with a message longer than the${read} bytes read from a tool: its output is over the limit (the server is started again on the next call)`, { cause: err, hint: 'ask for less, or raise the tool\'s output limit' })
      }
      throw err
    }
  }

  async close (): Promise<void> {
    const pending = this.connecting
    this.connecting = undefined
    this.live = undefined
    const connection = await pending?.catch(() => undefined)
    await connection?.client.close().catch(() => undefined)
  }

  private async connection (): Promise<Connection> {
    if (this.connecting === undefined) {
      const attempt = this.connect()
      this.connecting = attempt
      attempt.catch(() => { if (this.connecting === attempt) this.connecting = undefined })
    }
    return await this.connecting
  }

  private async connect (): Promise<Connection> {
    const { server } = this
    const now = this.now()
    while (this.starts.length > 0 && this.starts[0]! <= now - 60_000) this.starts.shift()
    if (this.starts.length >= this.maxStartsPerMinute) {
      throw new McpServerError(`MCP server ${server.id} died ${this.starts.length} times within a minute; not starting it again yet`, { hint: 'look at the server\'s own logs; it is tried again after a minute' })
    }
    this.starts.push(now)
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      ...(server.env === undefined ? {} : { env: server.env }),
      ...(this.maxMessageBytes === undefined ? {} : { maxBufferSize: this.maxMessageBytes }),
      stderr: 'ignore'
    })
    const client = new Client({ name: 'hearth', version: '0.1.0' })
    const connection: Connection = { client, transport, tools: undefined }
    client.onclose = () => { this.forget(connection) }
    client.onerror = err => { if (/ReadBuffer exceeded/.test(err.message)) connection.overflow = true }
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => { connection.tools = undefined })
    try {
      await client.connect(transport, { timeout: this.connectTimeoutMs })
      connection.tools = await listTools(client, this.connectTimeoutMs)
    } catch (err) {
      await client.close().catch(() => undefined)
      throw new McpServerError(`MCP server ${server.id} (${server.command}) did not start and list its tools: ${(err as Error).message}`, {
        cause: err, hint: 'check the command and arguments in config.json, and that the server speaks MCP over stdio'
      })
    }
    this.live = connection
    return connection
  }

  /** The process died or was closed: the next call starts a fresh one. */
  private forget (connection: Connection): void {
    if (this.live !== connection) return
    this.live = undefined
    this.connecting = undefined
  }
}

async function listTools (client: Client, timeoutMs: number): Promise<Map<string, ToolDescriptor>> {
  const tools = new Map<string, ToolDescriptor>()
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs })
    for (const tool of page.tools) {
      if (tools.size >= MAX_TOOLS) return tools
      tools.set(tool.name, {
        name: tool.name,
        title: tool.title,
        description: tool.description ?? '',
        inputSchema: plain(tool.inputSchema),
        outputSchema: tool.outputSchema === undefined ? undefined : plain(tool.outputSchema)
      })
    }
    cursor = page.nextCursor
  } while (cursor !== undefined && ++pages < MAX_PAGES)
  return tools
}

/** JSON as it came over the wire: no undefined fields, so it hashes the same on every machine. */
export function plain<T> (value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
