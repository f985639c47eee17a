import { readdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { z } from 'zod'
import { hex } from '../../identity/ids.ts'
import type { Identity } from '../../identity/identity.ts'
import type { Host, Network } from '../../host.ts'
import { TOPICS } from '../../discovery/descriptor.ts'
import { announceTopic, BROADCAST_TOPIC } from '../../net/protocols.ts'
import { agentDescriptor } from './workload.ts'
import { SocketMeter } from './meter.ts'
import { attackHandlers } from './adversaries/observer.ts'

// What a daemon started with --testnet answers besides its usual commands: announce on cue, and report what it saw.

const ProfileParams = z.object({ dir: z.string().min(1) }).strict()
const AnnounceParams = z.object({ i: z.number().int().min(0), topic: z.enum(TOPICS) }).strict()
const InspectParams = z.object({ headers: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(10_000) }).strict()

export function testnetHandlers (network: Network, identity: Identity, meter: SocketMeter, host: Pick<Host, 'reputation' | 'db' | 'verifier'>) {
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const received: Array<{ agent: string, id: string, at: number }> = []
  const rejected: Record<string, number> = {}
  network.discovery.events.on('descriptor:added', d => received.push({ agent: hex(d.agent), id: d.id, at: Date.now() }))
  network.discovery.events.on('descriptor:rejected', r => { const why = r.reason.split(':')[0]!; rejected[why] = (rejected[why] ?? 0) + 1 })
  const waitedForBaid: Record<string, number> = {}
  network.discovery.events.on('descriptor:waiting', ({ baid }) => { waitedForBaid[baid] = (waitedForBaid[baid] ?? 0) + 1 })
  let profiler: Session | undefined
  return {
    /** What this node made of the adversaries of `hearth testnet --adversaries`. */
    ...attackHandlers(network, host),
    /** A V8 CPU profile of the measured window only (start-up excluded): HEARTH_TESTNET_CPU_PROF. */
    'testnet.profile.start': async () => {
      profiler ??= new Session()
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
      return {}
    },
    'testnet.profile.stop': async (params: unknown) => {
      const { dir } = ProfileParams.parse(params)
      if (profiler === undefined) return {}
      const { profile } = await profiler.post('Profiler.stop')
      profiler.disconnect()
      profiler = undefined
      writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(profile))
      return {}
    },
    'testnet.status': async () => ({
      agent: hex(identity.chain().head.record.agent),
      peers: network.peer.getPeers().length,
      topicPeers: Object.fromEntries(TOPICS.map(t => [t, network.peer.services.pubsub.getSubscribers(announceTopic(t)).length])),
      broadcastPeers: network.peer.services.pubsub.getSubscribers(BROADCAST_TOPIC).length
    }),
    'testnet.announce': async (params: unknown) => {
      const { i, topic } = AnnounceParams.parse(params)
      const descriptor = agentDescriptor({ identity }, i, topic)
      const at = Date.now()
      const signed = await network.discovery.publish(descriptor)
      return { agent: hex(descriptor.agent), id: descriptor.id, topics: descriptor.topics, at, header: hex(signed.hash), publishMs: Date.now() - at }
    },
    /** For each announcement's header: when it reached this node, and whether its body did. */
    'testnet.inspect': async (params: unknown) => {
      const { headers } = InspectParams.parse(params)
      const { logs } = network.discovery
      return { headers: headers.map(h => Buffer.from(h, 'hex')).map(h => ({ receivedAt: logs.receivedAt(h) ?? null, body: logs.hasBodyOf(h) })), waitedForBaid }
    },
    'testnet.received': async () => ({ received, rejected, bodiesMissing: network.discovery.interests.reduce((sum, topic) => sum + network.discovery.logs.missingBodies({ topic, limit: 10_000 }).length, 0) }),
    /** Memory after a full collection (when started with --expose-gc) and what the process holds open: the soak samples this. */
    'testnet.health': async () => {
      const gc = (globalThis as { gc?: () => void }).gc
      gc?.()
      const memory = process.memoryUsage()
      return { heapUsed: memory.heapUsed, rss: memory.rss, handles: process.getActiveResourcesInfo().length, fds: openFds(), gc: gc !== undefined }
    },
    'testnet.usage': async () => {
      const cpu = process.cpuUsage()
      const usage = { bytes: meter.bytesWritten(), cpuMs: (cpu.user + cpu.system) / 1000, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 }
      lag.reset()
      return usage
    }
  }
}

/** Open file descriptors (Linux: /proc/self/fd, less the one reading it); null where there is no /proc. */
function openFds (): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1
  } catch {
    return null
  }
}
