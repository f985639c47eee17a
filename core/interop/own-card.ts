import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AgentCard } from '@a2a-js/sdk'
import { APP_ROOT } from '../common/paths.ts'
import { ownDescriptors, type CapabilityConfig } from '../discovery/own-capabilities.ts'
import type { Identity } from '../identity/identity.ts'
import { peerIdOf } from '../identity/ids.ts'
import { buildAgentCard, type CardIdentity } from './agent-card.ts'
import { signAgentCard } from './sign-card.ts'

// This agent's own card, signed now: what `hearth id agent-card` writes and the A2A endpoint serves.

export interface OwnCardInit {
  /** The agent's name (config.json `name`). */
  readonly name: string
  /** Its configured capabilities (and, where the host has listed them, its MCP tools). */
  readonly capabilities: readonly CapabilityConfig[]
  /** The JSON-RPC interface the card names. */
  readonly url: string
  readonly streaming?: boolean
  readonly now?: number
  readonly appRoot?: string
}

/** Descriptors are built only to be read as skills here, so their soft-state lifetime is irrelevant. */
const UNUSED_TTL_MS = 60_000

export async function ownAgentCard (identity: Pick<Identity, 'chain' | 'agentSigner'>, init: OwnCardInit): Promise<AgentCard> {
  const chain = identity.chain()
  const head = chain.head.record
  const who: CardIdentity = { baidId: chain.baidId, peerId: peerIdOf(head.agent), baidVersion: head.version }
  const descriptors = ownDescriptors(init.capabilities, { ...who, agent: head.agent, configDigest: head.configDigest }, init.now ?? Date.now(), UNUSED_TTL_MS)
  const card = buildAgentCard({
    name: init.name,
    identity: who,
    url: init.url,
    version: appVersion(init.appRoot ?? APP_ROOT),
    descriptors,
    ...(init.streaming === undefined ? {} : { streaming: init.streaming })
  })
  return signAgentCard(card, await identity.agentSigner(), who)
}

function appVersion (appRoot: string): string {
  return (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version
}
