import type { Host } from '../../core/host.ts'
import type { CapabilityDescriptor } from '../../core/discovery/descriptor.ts'
import { makeDescriptor } from '../../core/daemon/testnet/workload.ts'

// The realistic descriptor and intent generator lives with the testnet that also uses it.
export { makeDescriptor, makeIntent, type Intent, type Topic } from '../../core/daemon/testnet/workload.ts'

/** Generated descriptor `i` on `topic`, as the agent of `host` announces it: its key, BAID and config digest. */
export function agentDescriptor (host: Host, i: number, topic: string): CapabilityDescriptor {
  const head = host.identity.chain().head.record
  const info = host.identity.info()
  return { ...makeDescriptor(i, { agent: head.agent, topic }), baidId: info.baidId, baidVersion: info.baidVersion, configDigest: head.configDigest }
}
