// The realistic descriptor and intent generator lives with the testnet that also uses it.
export { agentDescriptor, makeDescriptor, makeIntent, type Intent, type Topic } from '../../core/daemon/testnet/workload.ts'
