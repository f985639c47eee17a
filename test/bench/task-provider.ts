import '../../core/common/polyfills.ts'
import { parentPort, workerData } from 'node:worker_threads'
import { genesisHashOf } from '../../core/identity/ids.ts'
import { ECHO, startAgent, TOPIC } from './task-agent.ts'

// The task bench's provider in its own thread, as it would be in its own process: its work after answering (recording the
// receipt, taking in the requester's gossiped rating) runs beside the requester's next task, not inside its round trip.

const { root, mcpServer } = workerData as { root: string, mcpServer: Record<string, unknown> }
const provider = await startAgent(root, 'provider', { mcpServers: [mcpServer] })
parentPort!.postMessage({ addr: provider.net.peer.getMultiaddrs()[0]!.toString(), peerId: provider.host.identity.info().peerId })
parentPort!.on('message', (message: { requester?: string, stop?: true }) => {
  void (async () => {
    if (message.requester !== undefined) {
      // The provider's person granted the requester the echo tool, and lifted the default per-peer rate for the run.
      provider.host.policy.approvals.grant({ direction: 'serve', peer: genesisHashOf(message.requester), capability: ECHO, topic: TOPIC }, 3_600_000)
      provider.host.policy.cooperation.set({ capability: ECHO }, { perPeer: { limit: 1_000_000, windowMs: 60_000 }, overall: { limit: 1_000_000, windowMs: 86_400_000 } })
      parentPort!.postMessage({ granted: true })
    }
    if (message.stop === true) {
      await provider.host.stop()
      parentPort!.postMessage({ stopped: true })
      parentPort!.close()
    }
  })()
})
