import type { AgentCard, AgentSkill } from '@a2a-js/sdk'
import type { CapabilityDescriptor } from '../discovery/descriptor.ts'

// The agent as an A2A AgentCard (A2A 1.0): one skill per capability descriptor, plus delegation to the network.

/** The card's extension naming its BAID; verification pins the card to this BAID's current agent key. */
export const BAID_EXTENSION = 'urn:hearth:a2a:baid:1'
/** The skill the local endpoint serves: any intent, negotiated on the network. */
export const DELEGATE_SKILL = 'hearth/delegate'
/** Where `hearth daemon --a2a` listens when no port is given. */
export const DEFAULT_A2A_PORT = 4711
export const A2A_PATH = '/a2a'

const MODES = ['text/plain', 'application/json']

export interface CardIdentity {
  readonly baidId: string
  readonly peerId: string
  readonly baidVersion: number
}

export interface AgentCardInput {
  readonly name: string
  readonly identity: CardIdentity
  /** The JSON-RPC interface A2A clients call. */
  readonly url: string
  /** Hearth's version. */
  readonly version: string
  readonly descriptors: readonly CapabilityDescriptor[]
  readonly streaming?: boolean
}

export function defaultA2aUrl (port = DEFAULT_A2A_PORT): string {
  return `http://127.0.0.1:${port}${A2A_PATH}`
}

export function buildAgentCard (input: AgentCardInput): AgentCard {
  const { identity } = input
  return {
    name: input.name,
    description: `${input.name}: a Hearth agent (${identity.baidId}). Tasks sent here are delegated to peers on the Hearth network.`,
    supportedInterfaces: [{ url: input.url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    version: input.version,
    capabilities: {
      streaming: input.streaming ?? true,
      pushNotifications: false,
      extensions: [{
        uri: BAID_EXTENSION,
        description: 'The BAID this card is signed under; verify the card against that BAID\'s current agent key.',
        required: false,
        params: { baidId: identity.baidId, peerId: identity.peerId, baidVersion: identity.baidVersion }
      }]
    },
    // No securitySchemes: the SDK drops oneof fields when it canonicalizes, so they would not be covered by the signature.
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: MODES,
    defaultOutputModes: MODES,
    skills: [delegateSkill(), ...input.descriptors.map(skillOf)],
    signatures: []
  }
}

function delegateSkill (): AgentSkill {
  return {
    id: DELEGATE_SKILL,
    name: 'Delegate to the Hearth network',
    description: 'Say what you need in text; put the input in a data part and the semantic domain in metadata.topic. Hearth finds, negotiates with and verifies a provider.',
    tags: ['delegation', 'p2p'],
    examples: [],
    inputModes: MODES,
    outputModes: ['application/json'],
    securityRequirements: []
  }
}

function skillOf (d: CapabilityDescriptor): AgentSkill {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    tags: [...new Set([...d.topics, ...d.tags])],
    examples: d.examples.map(e => e.input),
    inputModes: ['application/json'],
    outputModes: ['application/json'],
    securityRequirements: []
  }
}
