import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { ApiBackend, ApiEvent, ApiEventName, ApiEvents, ApiMethod, AppStatus, ParamsOf, ResultOf } from '../api/app.ts'
import { API_VERSION } from '../api/app.ts'
import { DemoUnavailableError, NotOnlineError, toErrorInfo, UsageError } from '../api/errors.ts'
import { TERMINAL_STATES } from '../api/negotiation.ts'
import { APP_ROOT } from '../common/paths.ts'
import { createHost, DATABASE_FILE, type Host, type HostInit, type Network, type NetworkInit } from '../host.ts'
import { KEY_FILE, KEYSTORE_RECORD_FILE } from '../identity/secret-store/open.ts'
import type { SecretStoreKind } from '../identity/secret-store/secret-store.ts'
import { ActivityLog } from './activity.ts'
import { agentHandlers, llmClients } from './agent.ts'
import type { AppContext, Emit, Handlers } from './context.ts'
import { diagnosticsText, type LogBuffer, logBuffer } from './diagnostics.ts'
import { dispatch } from './dispatch.ts'
import { inboxHandlers, watchInbox } from './inbox.ts'
import { networkHandlers, watchNetwork } from './network.ts'
import { PeerNames } from './peer-names.ts'
import { SettingsStore } from './settings-store.ts'
import { taskHandlers, watchTasks } from './tasks.ts'
import { trustChoiceHandlers } from './trust-choices.ts'
import { trustViewDeps, trustViewHandlers, watchTrust } from './trust.ts'

// The app core: one implementation of the contract (core/api/app.ts) behind every face — Electron's IPC, the daemon's web
// bridge and the CLI's control socket. It owns the host, joins the network once an identity exists and the person has not
// taken the agent offline, and pushes what changes as events.

export interface AppCoreInit extends Omit<HostInit, 'keystore'> {
  /** Where a new data directory keeps its keys (identity.create may choose too); an existing one keeps what it recorded. */
  readonly keystore?: SecretStoreKind
  /** How to join the network; default: every interface on a free port, and the bundled bootstrap peers. */
  readonly network?: NetworkInit
  /** Where progress lines go (the daemon's stderr); they are also kept for diagnostics. */
  readonly log?: (line: string) => void
}

export interface AppCore extends ApiBackend {
  /** Any face's request: the method must be the contract's and the params pass its schema, else a UsageError. */
  call (method: string, params: unknown): Promise<unknown>
  /** The same, typed, for in-process callers. */
  request<M extends ApiMethod> (method: M, params: ParamsOf<M>): Promise<ResultOf<M>>
  subscribe (listener: (event: ApiEvent) => void): () => void
  host (): Host
  network (): Network | undefined
  status (): Promise<AppStatus>
  stop (): Promise<void>
}

const CONFIG_FILE = 'config.json'

export async function createAppCore (init: AppCoreInit): Promise<AppCore> {
  const now = init.now ?? Date.now
  const logs: LogBuffer = logBuffer()
  const log = (line: string): void => { logs.push(line); init.log?.(line) }
  const listeners = new Set<(event: ApiEvent) => void>()
  const emit: Emit = <E extends ApiEventName>(event: E, data: ApiEvents[E]) => {
    for (const listener of listeners) {
      try {
        listener({ event, data } as ApiEvent)
      } catch (err) {
        log(`warning: an event listener failed: ${toErrorInfo(err).message}`)
      }
    }
  }

  const openHost = async (keystore: SecretStoreKind | undefined): Promise<Host> => await createHost({ ...init, ...(keystore === undefined ? {} : { keystore }) })
  let host = await openHost(init.keystore)
  let network: Network | undefined
  let demo: { peers: ResultOf<'demo.start'>['peers'], stop: () => Promise<void> } | undefined
  let hostOffs: Array<() => void> = []
  let netOffs: Array<() => void> = []
  let stopped = false
  // Lifecycle steps (connect, disconnect, identity changes, delete) run one at a time.
  let lifecycle: Promise<unknown> = Promise.resolve()
  const serially = async <T>(step: () => Promise<T>): Promise<T> => {
    const next = lifecycle.then(step, step)
    lifecycle = next.catch(() => {})
    return await next
  }

  const activity = (): ActivityLog => new ActivityLog(host.db, now)
  const settings = (): SettingsStore => new SettingsStore(host.db)
  const record: AppContext['record'] = entry => { emit('activity:added', activity().append(entry)) }

  const status = async (): Promise<AppStatus> => ({
    apiVersion: API_VERSION,
    identity: host.identity.exists() ? host.identity.info() : undefined,
    keyBackend: await host.keyBackend(),
    network: {
      online: network !== undefined,
      peers: network?.peer.getPeers().length ?? 0,
      addrs: network?.peer.getMultiaddrs().map(String) ?? []
    },
    serving: host.policy.serving.state(),
    pending: host.policy.approvals.pendingCount(),
    demo: demo !== undefined
  })
  const statusChanged = (): void => {
    if (stopped) return
    status().then(s => { emit('status:changed', s) }, (err: unknown) => { log(`warning: status: ${toErrorInfo(err).message}`) })
  }

  const ctx: AppContext = {
    dataDir: init.dataDir,
    host: () => host,
    network: () => network,
    requireNetwork: () => {
      if (network !== undefined) return network
      if (!host.identity.exists()) throw new NotOnlineError('the agent has no identity yet, so it is not on the network', { hint: 'create an identity or restore one from a backup first' })
      throw new NotOnlineError('the agent is offline', { hint: 'turn serving on (My agent) to join the network again' })
    },
    emit,
    record
  }

  const inboxDeps = { emit, db: () => host.db, policy: () => host.policy, activity }
  const wireHost = (): void => {
    hostOffs = [
      watchInbox(inboxDeps, statusChanged),
      watchTrust(ctx, host.reputation),
      host.policy.ledger.events.on('ledger:recorded', entry => { emit('ledger:changed', { entry }) })
    ]
  }
  const unwire = (offs: Array<() => void>): void => { for (const off of offs) off() }

  /** Join the network when there is an identity and the person wants the agent online. */
  const goOnline = async (): Promise<void> => {
    if (stopped || network !== undefined || !host.identity.exists() || host.policy.serving.state() === 'offline') return
    const started = await host.start()
    if (started.reissued !== undefined) log(`BAID version ${started.identity.baidVersion} issued (${started.reissued} changed)`)
    const llm = llmClients(settings().llmEndpoint(), await host.keystore.llmApiKey())
    const joined = await host.connect({ ...defaultNetwork(init), ...init.network, ...llm, onWarning: init.network?.onWarning ?? (message => log(`warning: ${message}`)) })
    network = joined
    const peersChanged = (): void => statusChanged()
    joined.peer.addEventListener('peer:connect', peersChanged)
    joined.peer.addEventListener('peer:disconnect', peersChanged)
    netOffs = [
      watchTasks(ctx, joined, host.db),
      watchNetwork(ctx, joined, host.db),
      joined.negotiation.events.on('task:entry', ({ task, entry }) => {
        if (entry.kind === 'state' && (TERMINAL_STATES as readonly string[]).includes(entry.to)) record({ kind: 'task', summary: `task ${entry.to}: ${entry.reason}`, ref: task })
      }),
      () => {
        joined.peer.removeEventListener('peer:connect', peersChanged)
        joined.peer.removeEventListener('peer:disconnect', peersChanged)
      }
    ]
    statusChanged()
  }

  const goOffline = async (): Promise<void> => {
    if (demo !== undefined) await stopDemo()
    unwire(netOffs)
    netOffs = []
    network = undefined
    await host.disconnect()
    statusChanged()
  }

  const stopDemo = async (): Promise<number> => {
    const running = demo
    demo = undefined
    if (running === undefined) return 0
    await running.stop()
    statusChanged()
    return running.peers.length
  }

  /** Close the host and open it again (another keystore, or a data directory just emptied). */
  const reopen = async (keystore: SecretStoreKind | undefined): Promise<void> => {
    await goOffline()
    unwire(hostOffs)
    await host.stop()
    host = await openHost(keystore)
    wireHost()
  }

  const own: Handlers = {
    'app.status': async () => await status(),
    'identity.show': async () => host.identity.info(),
    'identity.create': async ({ keystore }) => await serially(async () => {
      if (keystore !== undefined && keystore !== host.keystore.kind && !host.identity.exists()) await reopen(keystore)
      const info = await host.identity.create(host.digests())
      record({ kind: 'identity', summary: `created identity ${info.baidId}`, ref: info.baidId })
      await goOnline()
      statusChanged()
      return info
    }),
    'identity.restore': async ({ backup, passphrase }) => await serially(async () => {
      const info = await host.identity.restore(new Uint8Array(Buffer.from(backup, 'base64')), passphrase)
      record({ kind: 'identity', summary: `restored identity ${info.baidId} from a backup`, ref: info.baidId })
      await goOnline()
      statusChanged()
      return host.identity.info()
    }),
    'identity.backup': async ({ passphrase }) => {
      const info = host.identity.info()
      const sealed = await host.identity.backup(passphrase, init.kdfCost)
      record({ kind: 'identity', summary: 'made an encrypted backup of the identity', ref: info.baidId })
      return { backup: Buffer.from(sealed).toString('base64'), fileName: `hearth-${info.peerId.slice(-8)}.hearthbackup` }
    },
    'identity.rotate': async () => await serially(async () => {
      // The network runs under the agent key: it rejoins under the new one.
      const wasOnline = network !== undefined
      if (wasOnline) await goOffline()
      const info = await host.identity.rotate(host.digests())
      record({ kind: 'identity', summary: `rotated the agent key (BAID version ${info.baidVersion})`, ref: info.baidId })
      if (wasOnline) await goOnline()
      statusChanged()
      return info
    }),
    'agent.serving.set': async ({ serving }) => await serially(async () => {
      const before = host.policy.serving.state()
      host.policy.serving.setState(serving)
      if (serving !== before) record({ kind: 'settings', summary: `serving ${serving === 'on' ? 'turned on' : serving === 'paused' ? 'paused' : 'off: the agent went offline'}` })
      if (serving === 'offline') await goOffline()
      else await goOnline()
      statusChanged()
      return await status()
    }),
    'ledger.summary': async () => ({ totals: host.policy.ledger.totals(), peers: host.policy.ledger.balances() }),
    'ledger.entries': async ({ peer, task, limit }) => ({
      entries: host.policy.ledger.entries({
        ...(peer === undefined ? {} : { peer: new PeerNames(host.db).resolve(peer) }),
        ...(task === undefined ? {} : { task }),
        limit: limit ?? 200
      })
    }),
    'activity.list': async ({ limit, before }) => ({ entries: activity().list({ ...(limit === undefined ? {} : { limit }), ...(before === undefined ? {} : { before }) }) }),
    'settings.get': async () => settings().settings(),
    'settings.set': async change => {
      const next = settings().setSettings(change)
      const said = Object.entries(change).map(([k, v]) => `${k} ${v === true ? 'on' : 'off'}`)
      if (said.length > 0) record({ kind: 'settings', summary: `settings: ${said.join(', ')}` })
      return next
    },
    'diagnostics.export': async () => ({
      fileName: `hearth-diagnostics-${new Date(now()).toISOString().replace(/[:.]/g, '-')}.txt`,
      text: diagnosticsText({ status: await status(), settings: settings().settings(), llm: settings().llmEndpoint(), activity: activity().list({ limit: 50 }), logs: logs.lines(), secrets: [await host.keystore.llmApiKey().catch(() => undefined)] })
    }),
    'data.deleteAll': async () => await serially(async () => {
      await goOffline()
      const agent = host.identity.exists() ? host.identity.chain().head.record.agent : undefined
      await host.keystore.forget(agent)
      unwire(hostOffs)
      await host.stop()
      for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, KEYSTORE_RECORD_FILE, KEY_FILE, CONFIG_FILE]) rmSync(join(init.dataDir, file), { force: true })
      logs.clear()
      host = await openHost(init.keystore)
      wireHost()
      statusChanged()
      return { deleted: true as const }
    }),
    'demo.start': async ({ peers }) => await serially(async () => {
      if (demo !== undefined) throw new DemoUnavailableError('the demo is already running', { hint: 'stop it first' })
      const joined = ctx.requireNetwork()
      const info = host.identity.info()
      const { startDemo } = await import('../demo/index.ts')
      const started = await startDemo({
        target: { multiaddrs: joined.peer.getMultiaddrs().map(String), peerId: info.peerId, baidId: info.baidId, dataDir: init.dataDir },
        ...(peers === undefined ? {} : { count: peers }),
        log
      })
      demo = { peers: started.peers, stop: async () => { await started.stop() } }
      statusChanged()
      return { peers: started.peers }
    }),
    'demo.stop': async () => await serially(async () => ({ stopped: await stopDemo() }))
  }

  const handlers: Handlers = {
    ...inboxHandlers(inboxDeps),
    ...trustChoiceHandlers({ reputation: () => host.reputation, db: () => host.db, changed: (summary, ref) => { record({ kind: 'trust', summary, ...(ref === undefined ? {} : { ref }) }) } }),
    ...trustViewHandlers(trustViewDeps(ctx)),
    ...taskHandlers(ctx),
    ...networkHandlers(ctx),
    ...agentHandlers({
      ...ctx,
      settings,
      // The endpoint is wired in when the network starts: an online agent rejoins with the new one.
      llmChanged: async () => await serially(async () => { if (network !== undefined) { await goOffline(); await goOnline() } })
    }),
    ...own
  }

  wireHost()
  try {
    await serially(goOnline)
  } catch (err) {
    unwire(hostOffs)
    await host.stop()
    throw err
  }

  return {
    call: async (method, params) => await dispatch(handlers, method, params),
    request: async (method, params) => await dispatch(handlers, method, params) as never,
    subscribe (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    host: () => host,
    network: () => network,
    status,
    async stop () {
      if (stopped) return
      await serially(async () => {
        await stopDemo().catch(() => 0)
        stopped = true
        unwire(netOffs)
        unwire(hostOffs)
        network = undefined
        listeners.clear()
        await host.stop()
      })
    }
  }
}

/** Listen on every interface on a port the system picks, and join through the bundled bootstrap peers. */
function defaultNetwork (init: AppCoreInit): NetworkInit {
  return { listen: ['/ip4/0.0.0.0/tcp/0'], bootstrap: bundledBootstrap(init.appRoot ?? APP_ROOT) }
}

/** resources/bootstrap.json's peers. */
export function bundledBootstrap (appRoot: string = APP_ROOT): string[] {
  try {
    return (JSON.parse(readFileSync(join(appRoot, 'resources', 'bootstrap.json'), 'utf8')) as { peers: string[] }).peers
  } catch (err) {
    throw new UsageError(`resources/bootstrap.json is unreadable: ${(err as Error).message}`)
  }
}
