import type { CapabilityView, LlmEndpoint } from '../api/app.ts'
import type { DataClass } from '../api/policy.ts'
import { loadAgentConfig } from '../common/config.ts'
import { OpenAiCompatibleEmbeddings, type EmbeddingProvider } from '../discovery/embeddings.ts'
import { capabilitiesFromMcp, type CapabilityConfig } from '../discovery/own-capabilities.ts'
import type { Host, Network } from '../host.ts'
import type { Attributor } from '../negotiation/attribution.ts'
import { LlmAttributor } from '../negotiation/llm-attributor.ts'
import type { AppContext, Handlers } from './context.ts'
import type { SettingsStore, StoredLlmEndpoint } from './settings-store.ts'
import { transaction } from '../store/database.ts'

// My agent: what it offers and under which constraints, approval modes and daily limits; privacy rules; the LLM endpoint.

export interface AgentDeps extends Pick<AppContext, 'dataDir' | 'host' | 'network' | 'record'> {
  readonly settings: () => SettingsStore
  /** The endpoint changed: the running network picks it up. */
  readonly llmChanged: () => Promise<void>
}

const ANY = '*'

export function agentHandlers (deps: AgentDeps): Handlers {
  const policy = (): Host['policy'] => deps.host().policy
  const endpoint = async (): Promise<LlmEndpoint | null> => {
    const stored = deps.settings().llmEndpoint()
    return stored === undefined ? null : { ...stored, hasApiKey: await deps.host().keystore.llmApiKey() !== undefined }
  }
  return {
    'agent.capabilities': async () => {
      const offered = await offeredCapabilities(deps.dataDir, deps.network())
      return { capabilities: offered.map(({ capability, source }) => capabilityView(deps.host(), capability, source)) }
    },
    'agent.constraints.set': async ({ capability, topic, constraints }) => {
      const scope = topic === undefined ? { capability } : { capability, topic }
      policy().cooperation.set(scope, constraints)
      deps.record({ kind: 'settings', summary: `constraints of ${capability}${topic === undefined ? '' : ` in ${topic}`} changed`, ref: capability })
      return policy().cooperation.constraints(capability, topic ?? ANY)
    },
    'agent.approval.set': async ({ capability, topic, mode }) => {
      policy().approvals.setRule({ direction: 'serve', capability, ...(topic === undefined ? {} : { topic }), mode })
      deps.record({ kind: 'settings', summary: `requests for ${capability}${topic === undefined ? '' : ` in ${topic}`}: ${mode === 'ask' ? 'ask me' : mode === 'allow' ? 'always allow' : 'always deny'}`, ref: capability })
      return { mode }
    },
    'agent.dailyLimit.set': async ({ capability, limit }) => {
      const dailyLimit = policy().serving.setDailyLimit(capability, limit)
      deps.record({ kind: 'settings', summary: dailyLimit === undefined ? `daily limit of ${capability} removed` : `daily limit of ${capability} set to ${dailyLimit}`, ref: capability })
      return dailyLimit === undefined ? {} : { dailyLimit }
    },
    'agent.privacy.get': async () => policy().privacy.rules(),
    'agent.privacy.set': async ({ classes, marked }) => {
      const entries = Object.entries(classes) as Array<[DataClass, 'allow' | 'redact' | 'block']>
      const privacy = policy().privacy
      const changes: string[] = entries.map(([c, a]) => `${c} → ${a}`)
      // A path the policy plane refuses leaves every other change of the same request undone.
      transaction(deps.host().db, () => {
        for (const [dataClass, action] of entries) privacy.setAction(dataClass, action)
        for (const m of marked?.add ?? []) { privacy.mark(m); changes.push(`${m.path} marked ${m.dataClass}`) }
        for (const path of marked?.remove ?? []) if (privacy.unmark(path)) changes.push(`${path} unmarked`)
      })
      if (changes.length > 0) deps.record({ kind: 'settings', summary: `privacy: ${changes.join(', ')}` })
      return privacy.rules()
    },
    'agent.llm.get': async () => ({ endpoint: await endpoint() }),
    'agent.llm.set': async params => {
      if ('clear' in params) {
        deps.settings().setLlmEndpoint(undefined)
        await deps.host().keystore.setLlmApiKey(undefined)
        deps.record({ kind: 'settings', summary: 'LLM endpoint removed' })
      } else {
        const { apiKey, ...stored } = params
        deps.settings().setLlmEndpoint(stored)
        if (apiKey !== undefined) await deps.host().keystore.setLlmApiKey(apiKey)
        deps.record({ kind: 'settings', summary: `LLM endpoint set to ${stored.baseUrl}` })
      }
      await deps.llmChanged()
      return { endpoint: await endpoint() }
    }
  }
}

/** The capabilities this agent offers: config.json's, and the tools of its MCP servers while they run. */
async function offeredCapabilities (dataDir: string, network: Network | undefined): Promise<Array<{ capability: CapabilityConfig, source: string }>> {
  const config = loadAgentConfig(dataDir)
  const own = config.capabilities.map(capability => ({ capability, source: 'config' }))
  if (network === undefined) return own
  const fromMcp = await Promise.all(config.mcpServers.map(async server => {
    try {
      return capabilitiesFromMcp(server, await network.tools.mcp.toolsOf(server.id)).map(capability => ({ capability, source: server.id }))
    } catch {
      // A server that does not start offers nothing now; the daemon already warned about it.
      return []
    }
  }))
  return [...own, ...fromMcp.flat()]
}

function capabilityView (host: Host, capability: CapabilityConfig, source: string): CapabilityView {
  const topic = capability.topics[0] ?? ANY
  const price = (capability as { constraints?: { price?: unknown } }).constraints?.price
  const dailyLimit = host.policy.serving.dailyLimit(capability.id)
  return {
    id: capability.id,
    name: capability.name,
    description: capability.description,
    topics: capability.topics,
    price: typeof price === 'number' && price >= 0 ? price : 1,
    source,
    approval: host.policy.approvals.grantStore.closestRule('serve', capability.id, topic) ?? 'ask',
    constraints: host.policy.cooperation.constraints(capability.id, topic),
    servedToday: host.policy.serving.servedToday(capability.id),
    ...(dailyLimit === undefined ? {} : { dailyLimit })
  }
}

/** The OpenAI-compatible clients take the server root: a base URL given as `…/v1` loses that suffix. */
export function serverRoot (baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')
}

/** The person's endpoint as discovery's embeddings and negotiation's attributor, each only when its model is set. */
export function llmClients (endpoint: StoredLlmEndpoint | undefined, apiKey: string | undefined): { embeddings?: EmbeddingProvider, attributor?: Attributor } {
  if (endpoint === undefined) return {}
  const base = { baseUrl: serverRoot(endpoint.baseUrl), ...(apiKey === undefined ? {} : { apiKey }) }
  return {
    ...(endpoint.embeddingModel === undefined ? {} : { embeddings: new OpenAiCompatibleEmbeddings({ ...base, model: endpoint.embeddingModel }) }),
    ...(endpoint.chatModel === undefined ? {} : { attributor: new LlmAttributor({ ...base, model: endpoint.chatModel }) })
  }
}
