import { resolve } from 'node:path'
import { Option, type Command } from 'commander'
import type { GossipMode } from '../../discovery/gossip.ts'
import { SocketMeter } from '../testnet/meter.ts'
import { testnetHandlers } from '../testnet/node-control.ts'
import { API_METHODS, type CandidateView } from '../../api/app.ts'
import { NotOnlineError, UsageError } from '../../api/errors.ts'
import { bundledBootstrap, createAppCore, type AppCore } from '../../app/index.ts'
import { loadAgentConfig } from '../../common/config.ts'
import type { Identity } from '../../identity/identity.ts'
import { TaskStore } from '../../negotiation/task-store.ts'
import { DEFAULT_A2A_PORT, negotiationDelegator, ownAgentCard, startA2aEndpoint, type A2aEndpoint } from '../../interop/index.ts'
import { defaultDataDir } from '../../common/paths.ts'
import type { Network, NetworkInit } from '../../host.ts'
import { callControl, controlPath, serveControl, type ControlHandler } from '../control.ts'
import { startDaemonUi } from '../ui/daemon-ui.ts'
import { DEFAULT_UI_PORT } from '../ui/server.ts'
import { log, report } from '../output.ts'
import { keystoreKind, type GlobalOptions, type Runner } from '../context.ts'
import { passphraseFrom } from '../prompt.ts'
import { delegateHandlers } from './tasks.ts'

// `hearth daemon` runs the peer; `peers`, `announce` and `discover` ask the running daemon of the same data directory.

export function networkCommands (program: Command, run: Runner): void {
  program.command('daemon')
    .description('run this agent as a long-lived peer: join the network, announce, discover')
    .option('--listen <addrs...>', 'multiaddrs to listen on', ['/ip4/0.0.0.0/tcp/4701'])
    .option('--bootstrap <addrs...>', 'peers to join through (default: resources/bootstrap.json)')
    .option('--relay', 'also serve as a relay, DHT server and bootstrap node for others')
    .option('--dht-server', 'serve the DHT even without a public address (a bootstrap node on a LAN or on loopback)')
    .option('--no-mdns', 'do not look for peers on the local network')
    .option('--upnp', 'ask the router to forward a port (UPnP), where it allows')
    .option('--ttl <seconds>', 'lifetime of announced descriptors (refreshed at half of it)', '600')
    .option('--a2a [port]', `also serve a local A2A endpoint on 127.0.0.1 (port ${DEFAULT_A2A_PORT} unless given) through which A2A clients delegate tasks to the network`)
    .option('--ui [port]', `also serve the web UI on 127.0.0.1 (port ${DEFAULT_UI_PORT} unless given; 0 picks a free one), at the printed URL with its token`)
    .option('--interactive', 'you answer requests to serve tasks with `hearth inbox`; without it, a request no grant or rule allows is declined')
    .addOption(new Option('--testnet', 'answer the testnet orchestrator (hearth testnet)').hideHelp())
    .addOption(new Option('--gossip <mode>', 'bodyless, or the full-body baseline').choices(['bodyless', 'full-body']).default('bodyless').hideHelp())
    .addOption(new Option('--exit-with-parent', 'stop when stdin closes: the process that started this one (the app, for a demo peer) has gone, even if killed').hideHelp())
    .action(run(async (opts) => {
      const meter = new SocketMeter()
      if (opts.testnet === true) meter.start()
      const app = await openAppCore(opts, {
        listen: opts.listen as string[],
        bootstrap: (opts.bootstrap as string[] | undefined) ?? bundledBootstrap(),
        mdns: opts.mdns !== false,
        upnp: opts.upnp === true,
        relayServer: opts.relay === true,
        ttlMs: Number(opts.ttl) * 1000,
        mode: opts.gossip as GossipMode,
        dhtServer: opts.dhtServer === true ? true : undefined,
        // Every testnet peer dials from 127.0.0.1: the per-address rate limit meant for strangers would throttle them.
        inboundConnectionsPerSecond: opts.testnet === true ? 1000 : undefined,
        onWarning: message => log(`warning: ${message}`)
      })
      try {
        const host = app.host()
        // Without the web UI there is no way to create an identity from here: say so, as before.
        const identity = opts.ui === undefined || host.identity.exists() ? host.identity.info() : undefined
        const network = app.network()
        // One implementation for the CLI and the UI: the control socket serves the app core, plus what only the CLI needs.
        const commands = {
          ...asControlCommands(app),
          // Looked up per call: the network is a new one after the person takes the agent offline and back, or rotates its key.
          'task.delegate': async (params: unknown) => await delegateHandlers(requireOnline(app))['task.delegate']!(params),
          ...(opts.testnet === true && network !== undefined ? testnetHandlers(network, host.identity, meter, host) : {})
        }
        const control = await serveControl(controlPath(host.dataDir), commands)
        const a2a = opts.a2a === undefined || network === undefined ? undefined : await startA2a(host.dataDir, host.identity, app, opts.a2a as true | string)
        const ui = opts.ui === undefined ? undefined : await startDaemonUi(opts.ui as true | string, app, log)
        const addrs = network?.peer.getMultiaddrs().map(String) ?? []
        log(identity === undefined ? 'Hearth daemon up with no identity yet: create or restore one in the web UI' : `Hearth daemon up as ${identity.peerId}\n${addrs.map(a => `  listening on ${a}`).join('\n')}`)
        if (a2a !== undefined) log(`A2A endpoint ${a2a.url} (send Authorization: Bearer ${a2a.token}); card at ${a2a.baseUrl}/.well-known/agent-card.json`)
        if (ui !== undefined) log(`Hearth web UI: ${ui.url}`)
        const a2aReport = a2a === undefined ? {} : { a2a: { baseUrl: a2a.baseUrl, url: a2a.url, token: a2a.token } }
        const uiReport = ui === undefined ? {} : { ui: { url: ui.url, port: ui.port, token: ui.token } }
        const idReport = identity === undefined ? {} : { peerId: identity.peerId, baidId: identity.baidId, baidVersion: identity.baidVersion }
        report(opts, { ...idReport, addrs, ...a2aReport, ...uiReport }, r => `ready ${r.peerId ?? '(no identity yet)'}`)
        await new Promise<void>(resolve => {
          process.once('SIGINT', resolve)
          process.once('SIGTERM', resolve)
          // The parent holds our stdin's other end: when it dies, however it died, the pipe closes.
          if (opts.exitWithParent === true) process.stdin.once('close', resolve).resume()
        })
        log('Hearth daemon stopping…')
        // Before the network stops: it aborts delegations still running for A2A clients.
        await a2a?.close()
        await ui?.close()
        await new Promise<void>(resolve => control.close(() => resolve()))
      } finally {
        await app.stop()
      }
    }))

  program.command('peers')
    .description('peers the running daemon is connected to')
    .action(run(async (opts) => {
      const { peers } = await callControl(dataDirOf(opts), 'peers.list') as { peers: Array<{ peerId: string, addrs: string[] }> }
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

/** The daemon's app core: the data directory, keystore and passphrase as for every command, and how to join the network. */
async function openAppCore (opts: GlobalOptions, network: NetworkInit): Promise<AppCore> {
  const kind = keystoreKind(opts.keystore)
  return await createAppCore({
    dataDir: dataDirOf(opts),
    passphrase: passphraseFrom('HEARTH_PASSPHRASE', 'keystore passphrase'),
    ...(kind === undefined ? {} : { keystore: kind }),
    // A person who started the daemon with --interactive answers approvals through `hearth inbox`, or in the web UI.
    ...(opts.interactive === true || opts.ui !== undefined ? { interactive: () => true } : {}),
    network,
    log
  })
}

function requireOnline (app: AppCore): Network {
  const network = app.network()
  if (network === undefined) throw new NotOnlineError('the agent is offline', { hint: 'turn serving on in the web UI, or restart the daemon' })
  return network
}

/** Every contract method, answered by the app core (which validates the params). */
function asControlCommands (app: AppCore): Record<string, ControlHandler> {
  return Object.fromEntries(API_METHODS.map(method => [method, async (params: unknown) => await app.call(method, params)]))
}

function dataDirOf (opts: GlobalOptions): string {
  return resolve(opts.dataDir ?? defaultDataDir())
}

/** The local A2A endpoint: the agent's signed card, and tasks handed to the network through the negotiation plane. */
async function startA2a (dataDir: string, identity: Identity, app: AppCore, port: true | string): Promise<A2aEndpoint> {
  const portNumber = port === true ? DEFAULT_A2A_PORT : Number(port)
  if (!Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65_535) throw new UsageError(`--a2a takes a port number, not ${String(port)}`)
  const config = loadAgentConfig(dataDir)
  return await startA2aEndpoint({
    port: portNumber,
    card: async url => await ownAgentCard(identity, { name: config.name, capabilities: config.capabilities, url }),
    // Each task goes to the network the app has now (offline and back makes a new one); tasks are read back from the database.
    delegator: negotiationDelegator(() => app.network()?.negotiation),
    records: new TaskStore(app.host().db)
  })
}
