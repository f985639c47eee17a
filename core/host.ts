import { join } from 'node:path'
import { encode } from './common/codec.ts'
import type { Database } from 'better-sqlite3'
import type { KeyBackendStatus } from './api/app.ts'
import type { IdentityInfo } from './api/identity.ts'
import { toErrorInfo } from './api/errors.ts'
import { loadAgentConfig, type McpServerConfig } from './common/config.ts'
import { capabilitiesFromMcp, type CapabilityConfig } from './discovery/own-capabilities.ts'
import { APP_ROOT } from './common/paths.ts'
import { digestsOf } from './identity/digests.ts'
import { Identity, type Digests, type ReissueReason } from './identity/identity.ts'
import { IdentityStore } from './identity/identity-store.ts'
import { Keystore } from './identity/keystore.ts'
import type { KdfCost } from './identity/passphrase-box.ts'
import { keyBackendStatus, openSecretStore } from './identity/secret-store/open.ts'
import type { PassphraseSource, SecretStoreKind } from './identity/secret-store/secret-store.ts'
import type { SafeStorageCipher } from './identity/secret-store/safe-storage.ts'
import { BaidVerifier } from './identity/verifier.ts'
import { migrations } from './migrations.ts'
import { closeDatabase, openDatabase } from './store/database.ts'
import { TOPICS } from './discovery/descriptor.ts'
import type { GossipMode } from './discovery/gossip.ts'
import type { SignedLogEntry } from './discovery/log-entry.ts'
import { Discovery } from './discovery/service.ts'
import { OpenAiCompatibleEmbeddings, type EmbeddingProvider } from './discovery/embeddings.ts'
import type { Attributor } from './negotiation/attribution.ts'
import { cutOffShunned } from './net/cut-off.ts'
import { createPeer, type HearthPeer, type PeerInit } from './net/peer.ts'
import { announceTopic, BROADCAST_TOPIC } from './net/protocols.ts'
import { onStreamAbuse } from './net/stream-abuse.ts'
import { Reputation, type RecordedReceipt } from './reputation/service.ts'
import { genesisHashOf, hex, peerIdOf } from './identity/ids.ts'
import { ToolExecutor } from './execution/tool-executor.ts'
import { Negotiation, type NegotiationInit } from './negotiation/service.ts'
import { Policy, type PolicyInit } from './policy/service.ts'

// The only place the planes are wired together.

export interface HostInit {
  readonly dataDir: string
  /** Which SecretStore holds the keys; omitted = what this data directory recorded, else the OS keychain. */
  readonly keystore?: SecretStoreKind
  readonly passphrase: PassphraseSource
  readonly kdfCost?: KdfCost
  /** Electron's safeStorage, passed only by the desktop app (a new data directory then keeps its keys there). */
  readonly safeStorage?: SafeStorageCipher
  readonly now?: () => number
  readonly appRoot?: string
  /**
   * Whether a person is attached to answer approval requests now (the app, or a daemon started with --interactive). When
   * false the agent is headless: a request no grant or rule answers is denied, never approved.
   */
  readonly interactive?: () => boolean
  readonly policy?: Omit<PolicyInit, 'now'>
  readonly negotiation?: Omit<NegotiationInit, 'now'>
}

/** How this agent joins the network: the peer's reachability options, plus how it gossips. */
export interface NetworkInit extends Pick<PeerInit, 'listen' | 'bootstrap' | 'mdns' | 'upnp' | 'relayServer' | 'dhtServer' | 'inboundConnectionsPerSecond'> {
  readonly mode?: GossipMode
  readonly ttlMs?: number
  /** Told about what did not stop the agent but the person should know (an MCP server that did not start). */
  readonly onWarning?: (message: string) => void
  /** The person's LLM endpoint for discovery's embeddings, instead of config.json's `embeddings`. */
  readonly embeddings?: EmbeddingProvider
  /** The person's LLM endpoint as negotiation's attributor, instead of the rule-based one. */
  readonly attributor?: Attributor
}

/** The tools of every configured MCP server, as capabilities; a server that fails is reported and skipped. */
async function mcpCapabilities (servers: readonly McpServerConfig[], tools: ToolExecutor, warn: ((message: string) => void) | undefined): Promise<CapabilityConfig[]> {
  const lists = await Promise.all(servers.map(async server => {
    try {
      return capabilitiesFromMcp(server, await tools.mcp.toolsOf(server.id))
    } catch (err) {
      warn?.((err as Error).message)
      return []
    }
  }))
  return lists.flat()
}

/** A capability's price in credits: what its config says, else one credit. */
function priceOf (capability: CapabilityConfig): number {
  const price = (capability as { constraints?: { price?: unknown } }).constraints?.price
  return typeof price === 'number' && price >= 0 ? price : 1
}

export interface Network {
  readonly peer: HearthPeer
  readonly discovery: Discovery
  /** Tasks: served over /hearth/task/1.0.0 and delegated as the leader. */
  readonly negotiation: Negotiation
  /** The built-in tools and the person's MCP servers, which the capabilities this agent offers run on. */
  readonly tools: ToolExecutor
  /** Keep the co-signed receipt of one of our tasks; as its requester, gossip our rating of the provider. */
  recordReceipt (bytes: Uint8Array): Promise<RecordedReceipt>
}

/** The person's reputation plane over a data directory's database: usable without keys or a network. */
export function openReputation (db: Database, now: () => number = Date.now): Reputation {
  const identities = new IdentityStore(db)
  const baid = (id: string | undefined): Uint8Array | undefined => id === undefined ? undefined : genesisHashOf(id)
  return new Reputation({
    db,
    self: () => baid(identities.self()?.baidId),
    baidOf: agent => baid(identities.baidOfAgent(agent))
  }, { topics: TOPICS, now })
}

export interface Host {
  readonly dataDir: string
  readonly db: Database
  readonly verifier: BaidVerifier
  readonly identity: Identity
  /** The only holder of secrets: the identity keys and the LLM API key. */
  readonly keystore: Keystore
  readonly reputation: Reputation
  /** Constraints, privacy, the credit ledger and the approval queue (reloaded from the database: it survives restarts). */
  readonly policy: Policy
  /** Join the network as this agent (its libp2p key is the agent key) and start announcing and discovering. */
  connect (init: NetworkInit): Promise<Network>
  /** Leave the network (the person took the agent offline, or is deleting everything); the database stays open. */
  disconnect (): Promise<void>
  /** What this agent runs now: the digests its BAID record should commit to. */
  digests (): Digests
  /** How the keys rest (kind, platform detail) and, when they cannot be used, why: app.status's `keyBackend`. */
  keyBackend (): Promise<KeyBackendStatus>
  /** Bring the agent up: issue a new BAID version if code, config or expiry call for it. */
  start (): Promise<{ identity: IdentityInfo, reissued: ReissueReason | undefined }>
  stop (): Promise<void>
}

export const DATABASE_FILE = 'hearth.sqlite'

export async function createHost (init: HostInit): Promise<Host> {
  const now = init.now ?? Date.now
  const appRoot = init.appRoot ?? APP_ROOT
  const db = openDatabase(join(init.dataDir, DATABASE_FILE), migrations)
  try {
    const secrets = await openSecretStore({
      dataDir: init.dataDir,
      passphrase: init.passphrase,
      ...(init.keystore === undefined ? {} : { kind: init.keystore }),
      ...(init.kdfCost === undefined ? {} : { cost: init.kdfCost }),
      ...(init.safeStorage === undefined ? {} : { safeStorage: init.safeStorage })
    })
    const verifier = new BaidVerifier({ now })
    const keystore = new Keystore(secrets)
    const identity = new Identity({ store: new IdentityStore(db), keystore, verifier }, { now })
    const digests = (): Digests => digestsOf(appRoot, loadAgentConfig(init.dataDir))
    const reputation = openReputation(db, now)
    const policy = new Policy({ db, interactive: init.interactive ?? (() => false) }, { ...init.policy, now })
    let stopped = false
    let network: Network | undefined
    /** Our ratings of finished tasks still being gossiped: going offline waits for them. */
    const gossiping = new Set<Promise<void>>()
    const disconnect = async (): Promise<void> => {
      const leaving = network
      network = undefined
      if (leaving === undefined) return
      await leaving.negotiation.stop()
      await Promise.allSettled([...gossiping])
      await leaving.tools.stop()
      await leaving.discovery.stop()
      await leaving.peer.stop()
    }
    return {
      dataDir: init.dataDir,
      db,
      verifier,
      identity,
      keystore,
      reputation,
      policy,
      digests,
      keyBackend: () => keyBackendStatus(secrets),
      async start () {
        const reissued = await identity.refresh(digests())
        return { identity: identity.info(), reissued }
      },
      async connect (net) {
        if (network !== undefined) return network
        const config = loadAgentConfig(init.dataDir)
        const domains = new Set([...TOPICS, ...config.interests, ...config.capabilities.flatMap(c => c.topics), ...config.mcpServers.flatMap(s => s.topics)])
        const peer = await createPeer({
          privateKey: await identity.libp2pKey(),
          listen: net.listen,
          bootstrap: net.bootstrap ?? [],
          mdns: net.mdns ?? true,
          upnp: net.upnp ?? false,
          relayServer: net.relayServer ?? false,
          dhtServer: net.dhtServer ?? net.relayServer ?? false,
          ...(net.inboundConnectionsPerSecond === undefined ? {} : { inboundConnectionsPerSecond: net.inboundConnectionsPerSecond }),
          topics: [...[...domains].map(announceTopic), BROADCAST_TOPIC],
          colocationWhitelist: ['127.0.0.1', '::1'],
          appScore: peerId => reputation.appScore(peerId),
          denyPeer: peerId => reputation.shuns(peerId)
        })
        // One session per MCP server, started here to list its tools and kept for the calls that follow.
        const tools = new ToolExecutor({ servers: config.mcpServers })
        tools.start()
        const capabilities = [...config.capabilities, ...await mcpCapabilities(config.mcpServers, tools, net.onWarning)]
        const discovery = new Discovery({ peer, db, identity, verifier }, {
          interests: config.interests,
          capabilities,
          ...(net.embeddings !== undefined ? { embeddings: net.embeddings } : config.embeddings === null ? {} : { embeddings: new OpenAiCompatibleEmbeddings(config.embeddings) }),
          ...(net.mode === undefined ? {} : { mode: net.mode }),
          ...(net.ttlMs === undefined ? {} : { ttlMs: net.ttlMs }),
          trust: (agent, topics) => reputation.trustFor(agent, topics),
          // A shunned author's news costs every peer a pull and a forward: dropped here until its standing recovers.
          refusesAuthor: agent => reputation.shuns(peerIdOf(agent)),
          // The provider of a task holds the receipt its requester's rating carries: the rating's body is not pulled.
          heldBody: hash => reputation.receiptBytes(hash),
          now
        })
        discovery.events.on('rating:received', ({ author, body }) => { reputation.ingestRating(author, body) })
        discovery.events.on('baid:imported', () => { reputation.retryPending() })
        // First-hand conduct: what a peer sent or signed that no honest peer does shuns it — graylisted in gossip (its score
        // kept, so it stays graylisted), cut off and refused new connections — until its points decay.
        discovery.events.on('peer:misconduct', ({ peerId, offence }) => { reputation.noteMisconduct(peerId, offence) })
        onStreamAbuse(peer, remote => { reputation.noteMisconduct(remote.toString(), 'stream-abuse') })
        const cutOff = cutOffShunned(peer, peerId => reputation.shuns(peerId))
        const offs = [reputation.events.on('peer:shunned', cutOff), reputation.events.on('standing:changed', cutOff)]
        peer.addEventListener('stop', () => { for (const off of offs) off() }, { once: true })
        discovery.events.on('log:equivocation', ({ proof }) => {
          reputation.recordFraudProof({ offender: proof.author, kind: 'equivocation', evidence: encode([proof.headerA, proof.headerB]) })
        })
        reputation.setAnnouncers(topic => discovery.agentsIn(topic))
        discovery.events.on('descriptor:added', () => { reputation.announcersChanged() })
        await discovery.start()
        // The receipt, its rating and the rating's log entry in one durable commit; then the rating is gossiped.
        const keepReceipt = async (bytes: Uint8Array, commit = (keep: () => void): void => { keep() }): Promise<{ recorded: RecordedReceipt, gossip: Promise<void> }> => {
          const signer = await identity.agentSigner()
          let logged: SignedLogEntry | undefined
          let recorded: RecordedReceipt | undefined
          commit(() => { recorded = reputation.recordReceipt(bytes, topic => { logged = discovery.logRating(bytes, topic, signer) }) })
          if (recorded === undefined) throw new Error('the receipt was not kept: the commit around it did not keep it')
          return { recorded, gossip: logged === undefined ? Promise.resolve() : discovery.gossipRating(logged, bytes) }
        }
        const recordReceipt = async (bytes: Uint8Array): Promise<RecordedReceipt> => {
          const { recorded, gossip } = await keepReceipt(bytes)
          await gossip
          return recorded
        }
        // A task ends once its receipt is kept: our rating goes out behind it, and a peer that misses it fetches it from our log.
        const recordTaskReceipt = async (bytes: Uint8Array, commit?: (keep: () => void) => void): Promise<RecordedReceipt> => {
          const { recorded, gossip } = await keepReceipt(bytes, commit)
          const sending: Promise<void> = gossip.catch((err: unknown) => {
            net.onWarning?.(`our rating in receipt ${hex(recorded.hash)} is kept but could not be gossiped now (${toErrorInfo(err).message}): peers fetch it from our log`)
          }).finally(() => gossiping.delete(sending))
          gossiping.add(sending)
          return recorded
        }
        const offered = new Map(capabilities.map(c => [c.id, { price: priceOf(c) }]))
        const negotiation = new Negotiation({
          node: peer,
          db,
          policy,
          tools,
          signer: async () => await identity.agentSigner(),
          baidId: () => identity.info().baidId,
          bundle: () => identity.exportBundle(),
          importBundle: bytes => identity.importBundle(bytes),
          chainOf: agent => verifier.chainOfAgent(agent),
          discover: async (intent, constraints) => await discovery.discover(intent, constraints, { limit: 50 }),
          trust: (agent, topic) => reputation.trustFor(agent, [topic]),
          recordReceipt: recordTaskReceipt,
          reportFraud: (offender, topic, evidence) => { reputation.recordFraudProof({ offender, kind: 'failed-canary', topic, evidence }) },
          offered: () => offered
        }, { ...init.negotiation, ...(net.attributor === undefined ? {} : { attributor: net.attributor }), now })
        await negotiation.start()
        network = { peer, discovery, negotiation, tools, recordReceipt }
        return network
      },
      disconnect,
      async stop () {
        if (stopped) return
        stopped = true
        policy.stop()
        await disconnect()
        // Only once the network is down: receipts and ratings still arriving while it stops schedule a recompute.
        reputation.stop()
        closeDatabase(db)
      }
    }
  } catch (err) {
    closeDatabase(db)
    throw err
  }
}
