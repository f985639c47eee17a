import type { z } from 'zod'
import type { CapabilityConfigSchema, McpServerConfig } from '../common/config.ts'
import { CapabilityDescriptorSchema, type CapabilityDescriptor } from './descriptor.ts'

// The agent's own capabilities, as configured, turned into descriptors it can sign and announce.

export type CapabilityConfig = z.infer<typeof CapabilityConfigSchema>

export interface Announcer {
  readonly agent: Uint8Array
  readonly baidId: string
  readonly baidVersion: number
  readonly configDigest: Uint8Array
}

/** What a capability offers when its config says nothing more: cautious terms a person can loosen. */
const DEFAULTS = {
  inputSchema: { type: 'object' },
  outputSchema: { type: 'object' },
  examples: [],
  constraints: { maxInputBytes: 64 * 1024, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 10, price: 1 },
  qos: { p50LatencyMs: 2000, successRate: 0.9 },
  verification: { tiersOffered: [0, 1] },
  state: { available: true, load: 0 }
}

export function ownDescriptors (capabilities: readonly CapabilityConfig[], who: Announcer, now: number, ttlMs: number): CapabilityDescriptor[] {
  return capabilities.map(capability => CapabilityDescriptorSchema.parse({
    ...DEFAULTS,
    ...capability,
    topics: capability.topics.length > 0 ? capability.topics : ['general'],
    v: 1,
    agent: who.agent,
    baidId: who.baidId,
    baidVersion: who.baidVersion,
    configDigest: who.configDigest,
    issuedAt: now,
    ttlMs
  }))
}

/** What an MCP server's `tools/list` gives, reduced to what a capability needs. */
export interface ListedTool {
  readonly name: string
  readonly title: string | undefined
  readonly description: string
  readonly inputSchema: Record<string, unknown>
  readonly outputSchema: Record<string, unknown> | undefined
}

/** Each tool of a configured MCP server becomes one capability, under the server's topics and price. */
export function capabilitiesFromMcp (server: McpServerConfig, tools: readonly ListedTool[]): CapabilityConfig[] {
  return tools.map(tool => ({
    id: `${server.id}/${tool.name}`.slice(0, 128),
    name: (tool.title ?? tool.name).slice(0, 256),
    description: tool.description.slice(0, 4096),
    topics: server.topics,
    tags: [server.id, 'mcp', tool.name.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 64)].filter(t => t.length > 0),
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema ?? { type: 'object' },
    constraints: { maxInputBytes: 64 * 1024, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 10, price: server.price }
  }))
}
