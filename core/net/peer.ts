import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping, type Ping } from '@libp2p/ping'
import { uPnPNAT } from '@libp2p/upnp-nat'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p, type Libp2pOptions, type ServiceFactoryMap } from 'libp2p'
import { selectBaidRecord, validateBaidRecord } from './dht-records.ts'
import { coalescingTcp } from './coalescing-tcp.ts'
import { gossipOptions, type GossipHardening } from './gossip-config.ts'
import { DHT_BAID_PREFIX } from './protocols.ts'
import { skipKnownProtocolMerges } from './protocol-memo.ts'
import { serveTopicPeers } from './rendezvous.ts'
import { grantCreditByHalves } from './yamux-credit.ts'

// The libp2p node, created from the agent key: TCP + Noise + Yamux, identify, ping, Kademlia, mDNS, bootstrap,
// gossipsub, and reachability for people at home (AutoNAT, circuit relay v2 + DCUtR, UPnP).

export interface PeerInit extends GossipHardening {
  readonly privateKey: Ed25519PrivateKey
  /** Listen addresses; a relayed-only peer passes ['/p2p-circuit']. */
  readonly listen: readonly string[]
  readonly bootstrap?: readonly string[]
  /** LAN discovery; off for testnets and tests. */
  readonly mdns?: boolean
  /** Ask the router for a port mapping; off for testnets and tests. */
  readonly upnp?: boolean
  /** Serve as a relay (and DHT server) for others; off by default on desktops. */
  readonly relayServer?: boolean
  /** Act as a DHT server even without a public address (bootstrap nodes, loopback testnets). */
  readonly dhtServer?: boolean
  readonly maxConnections?: number
  /** New inbound connections accepted per second from one IP address (a testnet has every peer on 127.0.0.1). */
  readonly inboundConnectionsPerSecond?: number
  /** Peers never to connect to, either way (the person's block list; a testnet's topology). */
  readonly denyPeer?: (peerId: string) => boolean
}

export interface PeerServices {
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
  [service: string]: unknown
}

export type HearthPeer = Libp2p<PeerServices>

export async function createPeer (init: PeerInit): Promise<HearthPeer> {
  grantCreditByHalves()
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if ((init.bootstrap ?? []).length > 0) peerDiscovery.push(bootstrap({ list: [...init.bootstrap!], timeout: 100 }))
  if (init.mdns === true) peerDiscovery.push(mdns())

  const services: Record<string, unknown> = {
    identify: identify(),
    ping: ping(),
    dht: kadDHT({
      protocol: '/hearth/kad/1.0.0',
      clientMode: init.dhtServer === true || init.relayServer === true ? false : undefined,
      peerInfoMapper: passthroughMapper,
      validators: { [DHT_BAID_PREFIX]: validateBaidRecord },
      selectors: { [DHT_BAID_PREFIX]: selectBaidRecord }
    }),
    pubsub: gossipsub(gossipOptions(init)),
    autoNAT: autoNAT(),
    dcutr: dcutr()
  }
  if (init.relayServer === true) services.relay = circuitRelayServer({ reservations: { maxReservations: 128 } })
  if (init.upnp === true) services.upnp = uPnPNAT()

  const node = await createLibp2p<PeerServices>({
    privateKey: init.privateKey,
    addresses: { listen: [...init.listen] },
    transports: [coalescingTcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: init.maxConnections ?? 128,
      maxIncomingPendingConnections: Math.max(16, init.inboundConnectionsPerSecond ?? 0),
      inboundConnectionThreshold: init.inboundConnectionsPerSecond ?? 20
    },
    peerDiscovery,
    // No ping stream per connection: the monitor only measured round trips (it never hangs up on a slow answer: a busy
    // machine is not a dead peer), and a stream a minute on each of 30 connections was a third of an idle peer's CPU.
    // Yamux's keep-alive frames still cross every connection, and a dead one fails the next write.
    connectionMonitor: { enabled: false },
    connectionGater: {
      denyDialPeer: peerId => init.denyPeer?.(peerId.toString()) ?? false,
      denyInboundEncryptedConnection: peerId => init.denyPeer?.(peerId.toString()) ?? false
    },
    services: services as ServiceFactoryMap<PeerServices>
  })
  skipKnownProtocolMerges(node)
  // Every peer helps its neighbours meet the subscribers of a topic, whatever it follows itself.
  await serveTopicPeers(node)
  keepJoined(node, init.bootstrap ?? [])
  return node
}

const REJOIN_INTERVAL_MS = 10_000

/**
 * A peer that lost every connection dials its bootstrap peers again (libp2p dials them only once, at start). So does one
 * whose connections carry no gossip: a connection whose identify exchange failed never gets a gossipsub stream, and if
 * it is the only one, the peer hears nothing while looking connected.
 */
function keepJoined (node: HearthPeer, bootstrapAddrs: readonly string[]): void {
  if (bootstrapAddrs.length === 0) return
  const addrs = bootstrapAddrs.map(a => multiaddr(a))
  let deaf = false
  const timer = setInterval(() => {
    if (node.status !== 'started') return
    const connected = node.getPeers()
    if (connected.length > 0 && node.services.pubsub.getPeers().length > 0) { deaf = false; return }
    // Deaf for a whole interval, not just a moment after connecting: start over with fresh connections.
    if (connected.length > 0 && !deaf) { deaf = true; return }
    deaf = false
    void Promise.all(connected.map(async p => await node.hangUp(p).catch(() => undefined))).then(() => {
      for (const addr of addrs) void node.dial(addr, { signal: AbortSignal.timeout(REJOIN_INTERVAL_MS) }).catch(() => undefined)
    })
  }, REJOIN_INTERVAL_MS)
  timer.unref()
  node.addEventListener('stop', () => clearInterval(timer), { once: true })
}
