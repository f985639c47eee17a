import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { UsageError } from '../api/errors.ts'
import { domainName } from './schema.ts'
import { APP_ROOT } from './paths.ts'

// The agent's configuration: the defaults in resources/, overridden by config.json in the data directory.

export const CapabilityConfigSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(256),
  description: z.string().max(4096).default(''),
  topics: z.array(domainName()).max(8).default([]),
  tags: z.array(z.string().max(64)).max(64).default([])
}).passthrough()

/** An MCP server the person runs for their agent (stdio); its tools become announced capabilities. */
export const McpServerConfigSchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  command: z.string().min(1).max(1024),
  args: z.array(z.string().max(4096)).max(64).default([]),
  env: z.record(z.string(), z.string()).optional(),
  /** The semantic domains its tools serve. */
  topics: z.array(domainName()).min(1).max(8),
  price: z.number().min(0).default(1)
}).strict()
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>

export const AgentConfigSchema = z.object({
  name: z.string().max(128).default('My agent'),
  model: z.string().max(256).nullable().default(null),
  promptTemplate: z.string().max(64 * 1024).nullable().default(null),
  capabilities: z.array(CapabilityConfigSchema).max(256).default([]),
  mcpServers: z.array(McpServerConfigSchema).max(32).default([]),
  /** An OpenAI-compatible embeddings endpoint (e.g. a local Ollama) that adds semantic similarity to discovery. */
  embeddings: z.object({ baseUrl: z.string().url(), model: z.string().min(1).max(256) }).strict().nullable().default(null),
  /** Semantic domains to hear announcements from (narrowcast); not part of the BAID's config digest. */
  interests: z.array(domainName()).max(16).default(['code_generation', 'code_review_security', 'devops_tool_execution', 'data_analysis', 'creative_writing'])
})
export type AgentConfig = z.infer<typeof AgentConfigSchema>

export const DEFAULT_CONFIG_PATH = join(APP_ROOT, 'resources', 'default-config.json')

export function loadAgentConfig (dataDir: string): AgentConfig {
  const defaults = readJson(DEFAULT_CONFIG_PATH)
  const ownPath = join(dataDir, 'config.json')
  const own = existsSync(ownPath) ? readJson(ownPath) : {}
  const parsed = AgentConfigSchema.safeParse({ ...defaults, ...own })
  if (!parsed.success) throw new UsageError(`${ownPath} is not a valid Hearth config: ${z.prettifyError(parsed.error)}`, { hint: 'fix the file or remove it to use the defaults' })
  return parsed.data
}

function readJson (path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, { hint: 'fix the JSON or remove the file' })
  }
}
