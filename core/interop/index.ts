// The interop plane's public face: the agent's signed A2A AgentCard and the local A2A endpoint that delegates to the network.

export { A2A_PATH, BAID_EXTENSION, buildAgentCard, DEFAULT_A2A_PORT, defaultA2aUrl, DELEGATE_SKILL, type AgentCardInput, type CardIdentity } from './agent-card.ts'
export { signAgentCard } from './sign-card.ts'
export { verifyAgentCard, type VerifiedCard } from './verify-card.ts'
export { cardToJson, MAX_CARD_BYTES, parseAgentCard } from './card-file.ts'
export { checkAgentCard } from './check-card.ts'
export { ownAgentCard, type OwnCardInit } from './own-card.ts'
export { startA2aEndpoint, type A2aEndpoint, type A2aEndpointInit } from './a2a-endpoint.ts'
export { fromA2aState, toA2aState } from './task-states.ts'
export { negotiationDelegator, type A2aDelegateOptions, type A2aDelegator, type NegotiationLike } from './negotiation-delegator.ts'
export { A2A_ORIGIN, a2aOrigin, A2aTaskStore, DEFAULT_A2A_TASKS_IN_MEMORY, taskOf, type DelegationRecords } from './a2a-task-store.ts'
