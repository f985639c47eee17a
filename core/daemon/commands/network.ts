import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import type { GossipMode } from '../../discovery/gossip.ts'
import { SocketMeter } from '../testnet/meter.ts'
import { testnetHandlers } from '../testnet/node-control.ts'
import { z } from 'zod'
import { UsageError } from '../../api/errors.ts'
import { loadAgentConfig } from '../../common/config.ts'
import type { Identity } from '../../identity/identity.ts'
import { DEFAULT_A2A_PORT, negotiationDelegator, ownAgentCard, startA2aEndpoint, type A2aEndpoint } from '../../interop/index.ts'
import { APP_ROOT, defaultDataDir } from '../../common/paths.ts'
import type { Candidate } from '../../discovery/matcher.ts'
import { peerIdOf } from '../../identity/ids.ts'
import type { Network } from '../../host.ts'
import { callControl, controlPath, serveControl } from '../control.ts'
import { log, report } from '../output.ts'
import { withHost, type GlobalOptions, type Runner } from '../context.ts'
import { delegateHandlers, policyHandlers } from './tasks.ts'
import { PeerNames, trustHandlers } from './trust.ts'

// `hearth daemon` runs the peer; `peers`, `announce` and `discover` ask the running daemon of the same data directory.

const DiscoverParams = z.object({
  intent: z.string().min(1).max(2048),
  topic: z.string().max(64).optional(),
  maxPrice: z.number().min(0).optional(),
  limit: z.number().int().min(1).max(100).optional()
}).strict()

export function networkCommands (program: Command, run: Runner): void {
  program.command('daemon')
    .description('run this agent as a long-lived peer: join the network, announce, discover')
    .option('--listen <addrs...>', 'multiaddrs to listen on', ['/ip4/0.0.0.0/tcp/4701'])
    .option('--bootstrap <addrs...>', 'peers to join through (default: resources/bootstrap.json)')
    .option('--relay', 'also serve as a relay, DHT server and bootstrap node for others')
    .option('--no-mdns', 'do not look for peers on the local network')
    .option('--upnp', 'ask the router to forward a port (UPnP), where it allows')
    .option('--ttl <seconds>', 'lifetime of announced descriptors (refreshed at half of it)', '600')
    .option('--a2a [port]', `also serve a local A2A endpoint on 127.0.0.1 (port ${DEFAULT_A2A_PORT} unless given) through which A2A clients delegate tasks to the network`)
    .option('--interactive', 'you answer requests to serve tasks with `hearth inbox`; without it, a request no grant or rule allows is declined')
    .addOption(new Option('--testnet', 'answer the testnet orchestrator (hearth testnet)').hideHelp())
    .addOption(new Option('--gossip <mode>', 'bodyless, or the full-body baseline').choices(['bodyless', 'full-body']).default('bodyless').hideHelp())
    .action(run(async (opts) => withHost(opts, async host => {
      const meter = new SocketMeter()
      if (opts.testnet === true) meter.start()
      const started = await host.start()
      if (started.reissued !== undefined) log(`BAID version ${started.identity.baidVersion} issued (${started.reissued} changed)`)
      const network = await host.connect({
        listen: opts.listen as string[],
        bootstrap: (opts.bootstrap as string[] | undefined) ?? defaultBootstrap(),
        mdns: opts.mdns !== false,
        upnp: opts.upnp === true,
        relayServer: opts.relay === true,
        ttlMs: Number(opts.ttl) * 1000,
        mode: opts.gossip as GossipMode,
        dhtServer: opts.testnet === true ? true : undefined,
        // Every testnet peer dials from 127.0.0.1: the per-address rate limit meant for strangers would throttle them.
        inboundConnectionsPerSecond: opts.testnet === true ? 1000 : undefined,
        onWarning: message => log(`warning: ${message}`)
      })
      const commands = {
        ...handlers(network, host.identity.info.bind(host.identity)),
        ...trustHandlers(host.reputation, host.db),
        ...delegateHandlers(network),
        ...policyHandlers(host.policy, new PeerNames(host.db)),
        ...(opts.testnet === true ? testnetHandlers(network, host.identity, meter) : {})
      }
      const control = await serveControl(controlPath(host.dataDir), commands)
      const a2a = opts.a2a === undefined ? undefined : await startA2a(host.dataDir, host.identity, network, opts.a2a as true | string)
      const addrs = network.peer.getMultiaddrs().map(String)
      log(`Hearth daemon up as ${started.identity.peerId}\n${addrs.map(a => `  listening on ${a}`).join('\n')}`)
      if (a2a !== undefined) log(`A2A endpoint ${a2a.url} (send Authorization: Bearer ${a2a.token}); card at ${a2a.baseUrl}/.well-known/agent-card.json`)
      const a2aReport = a2a === undefined ? {} : { a2a: { baseUrl: a2a.baseUrl, url: a2a.url, token: a2a.token } }
      report(opts, { peerId: started.identity.peerId, baidId: started.identity.baidId, baidVersion: started.identity.baidVersion, addrs, ...a2aReport }, r => `ready ${r.peerId}`)
      await new Promise<void>(resolve => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      log('Hearth daemon stopping…')
      // Before the network stops: it aborts delegations still running for A2A clients.
      await a2a?.close()
      await new Promise<void>(resolve => control.close(() => resolve()))
    })))

  program.command('peers')
    .description('peers the running daemon is connected to')
    .action(run(async (opts) => {
      const peers = await callControl(dataDirOf(opts), 'peers.list') as Array<{ peerId: string, addrs: string[] }>
      report(opts, { peers }, r => r.peers.length === 0 ? 'no peers' : r.peers.map(p => `${p.peerId}  ${p.addrs.join(' ')}`).join('\n'))
    }))

  program.command('announce')
    .description('announce this agent\'s capabilities now (the daemon also refreshes them on its own)')
    .action(run(async (opts) => {
      const result = await callControl(dataDirOf(opts), 'discovery.announce') as { announced: string[] }
      report(opts, result, r => `announced ${r.announced.length} capabilities: ${r.announced.join(', ')}`)
    }))

  program.command('discover <intent>')
    .description('find capabilities on the network that match an intent, ranked')
    .option('--topic <domain>', 'only this semantic domain')
    .option('--max-price <credits>', 'only offers at or below this price')
    .option('--limit <n>', 'how many candidates', '10')
    .action(run(async (opts, intent) => {
      const params = { intent, limit: Number(opts.limit), ...(opts.topic === undefined ? {} : { topic: String(opts.topic) }), ...(opts.maxPrice === undefined ? {} : { maxPrice: Number(opts.maxPrice) }) }
      const result = await callControl(dataDirOf(opts), 'discovery.discover', params) as { candidates: CandidateView[] }
      report(opts, result, r => r.candidates.length === 0 ? 'no matching capabilities' : r.candidates.map((c, i) => `${i + 1}. ${c.name} (${c.capability}) by ${c.peerId} — score ${c.score.toFixed(3)}, price ${c.price}`).join('\n'))
    }))
}

interface CandidateView { peerId: string, capability: string, name: string, topics: string[], price: number, score: number, relevance: number, trust: number, qos: number, reasons: string[] }

function handlers (network: Network, identity: () => unknown) {
  const { peer, discovery } = network
  return {
    'identity.show': async () => identity(),
    'peers.list': async () => peer.getConnections().map(c => ({ peerId: c.remotePeer.toString(), addrs: [c.remoteAddr.toString()] })),
    'discovery.announce': async () => ({ announced: (await discovery.announce()).map(d => d.id) }),
    'discovery.discover': async (params: unknown) => {
      const { intent, limit, ...constraints } = DiscoverParams.parse(params)
      const candidates = await discovery.discover(intent, constraints, { limit: limit ?? 10 })
      return { candidates: candidates.map(view) }
    }
  }
}

function view (c: Candidate): CandidateView {
  const d = c.descriptor
  return { peerId: peerIdOf(d.agent), capability: d.id, name: d.name, topics: d.topics, price: d.constraints.price, score: c.score, relevance: c.relevance, trust: c.trust, qos: c.qos, reasons: c.reasons }
}

function dataDirOf (opts: GlobalOptions): string {
  return resolve(opts.dataDir ?? defaultDataDir())
}

function defaultBootstrap (): string[] {
  try {
    return (JSON.parse(readFileSync(join(APP_ROOT, 'resources', 'bootstrap.json'), 'utf8')) as { peers: string[] }).peers
  } catch (err) {
    throw new UsageError(`resources/bootstrap.json is unreadable: ${(err as Error).message}`)
  }
}

/** The local A2A endpoint: the agent's signed card, and tasks handed to the network through the negotiation plane. */
async function startA2a (dataDir: string, identity: Identity, network: Network, port: true | string): Promise<A2aEndpoint> {
  const portNumber = port === true ? DEFAULT_A2A_PORT : Number(port)
  if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65_535) throw new UsageError(`--a2a takes a port number, not ${String(port)}`)
  const config = loadAgentConfig(dataDir)
  return await startA2aEndpoint({
    port: portNumber,
    card: async url => await ownAgentCard(identity, { name: config.name, capabilities: config.capabilities, url }),
    delegator: negotiationDelegator(network.negotiation)
  })
}
