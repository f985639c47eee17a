import type { CandidateView, PeerView, PinnedDescriptorView } from '../api/app.ts'
import { UsageError } from '../api/errors.ts'
import type { Candidate } from '../discovery/matcher.ts'
import type { Discovery } from '../discovery/service.ts'
import type { Drift, Pin } from '../discovery/pins.ts'
import type { Network } from '../host.ts'
import { agentKeyOf, peerIdOf } from '../identity/ids.ts'
import type { Database } from '../store/database.ts'
import type { AppContext, Handlers } from './context.ts'
import { agentNamer, type AgentNamer } from './tasks.ts'

// The Network view (issue 6 §3): peers and their connections, capabilities found by intent, pinned descriptors and their
// drift; `peers:changed` on every connect and disconnect, `descriptor:drift` when a pinned capability changes.

export type NetworkViewDeps = Pick<AppContext, 'host' | 'requireNetwork' | 'emit'>

/** One connection as libp2p reports it: what the peer list is built from. */
export interface ConnectionFacts {
  readonly peerId: string
  readonly addr: string
  readonly direction: 'inbound' | 'outbound'
  readonly openedAt: number
}

/** One view per peer: its connections' addresses together, the first connection's direction and time. */
export function peerViews (connections: readonly ConnectionFacts[], name: (peerId: string) => PeerView['baidId'], announced: (peerId: string) => string | undefined): PeerView[] {
  const byPeer = new Map<string, { peerId: string, addrs: string[], direction: PeerView['direction'], openedAt: number }>()
  for (const c of [...connections].sort((a, b) => a.openedAt - b.openedAt)) {
    const held = byPeer.get(c.peerId)
    if (held === undefined) byPeer.set(c.peerId, { peerId: c.peerId, addrs: [c.addr], direction: c.direction, openedAt: c.openedAt })
    else if (!held.addrs.includes(c.addr)) held.addrs.push(c.addr)
  }
  return [...byPeer.values()].map(p => {
    const label = announced(p.peerId)
    return { baidId: name(p.peerId), peerId: p.peerId, ...(label === undefined ? {} : { name: label }), addrs: p.addrs, direction: p.direction, openedAt: p.openedAt }
  })
}

export function candidateView (c: Candidate, name: AgentNamer): CandidateView {
  const d = c.descriptor
  const { baidId } = name(d.agent)
  return {
    peerId: peerIdOf(d.agent),
    ...(baidId === '' ? {} : { baidId }),
    capability: d.id,
    name: d.name,
    description: d.description,
    topics: d.topics,
    price: d.constraints.price,
    score: c.score,
    relevance: c.relevance,
    trust: c.trust,
    qos: c.qos,
    reasons: c.reasons
  }
}

export function pinnedView (pin: Pin, discovery: Pick<Discovery, 'index'> | undefined, name: AgentNamer): PinnedDescriptorView {
  return {
    peer: name(pin.agent),
    capability: pin.capability,
    // The pin keeps digests only: the name comes from the descriptor while it is held.
    name: discovery?.index.get(pin.agent, pin.capability)?.name ?? pin.capability,
    pinnedAt: pin.pinnedAt,
    ...(pin.drift === undefined ? {} : { drift: pin.drift })
  }
}

/** The BAID id of a connected peer's agent, or '' for a peer that is no Hearth agent or whose BAID is not known here. */
function baidIdOfPeer (name: AgentNamer, peerId: string): string {
  try {
    return name(agentKeyOf(peerId)).baidId
  } catch (err) {
    if (err instanceof UsageError) return ''
    throw err
  }
}

/** What a peer announces itself as: Hearth agents announce capabilities, not a name, so their names stand for it. */
function announcedName (discovery: Pick<Discovery, 'index'>, peerId: string): string | undefined {
  let agent: Uint8Array
  try {
    agent = agentKeyOf(peerId)
  } catch (err) {
    if (err instanceof UsageError) return undefined
    throw err
  }
  const names = [...new Set(discovery.index.ofAgent(agent).map(d => d.name))].sort()
  if (names.length === 0) return undefined
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`
}

export function networkHandlers (ctx: NetworkViewDeps): Handlers {
  const name = (): AgentNamer => agentNamer(ctx.host().db)
  return {
    'peers.list': async () => {
      const { peer, discovery } = ctx.requireNetwork()
      const namer = name()
      const connections = peer.getConnections().map(c => ({ peerId: c.remotePeer.toString(), addr: c.remoteAddr.toString(), direction: c.direction, openedAt: c.timeline.open }))
      return { peers: peerViews(connections, peerId => baidIdOfPeer(namer, peerId), peerId => announcedName(discovery, peerId)) }
    },
    'discovery.discover': async ({ intent, limit, ...constraints }) => {
      const { discovery } = ctx.requireNetwork()
      const namer = name()
      return { candidates: (await discovery.discover(intent, constraints, { limit: limit ?? 10 })).map(c => candidateView(c, namer)) }
    },
    'discovery.announce': async () => ({ announced: (await ctx.requireNetwork().discovery.announce()).map(d => d.id) }),
    'discovery.pinned': async () => {
      const { discovery } = ctx.requireNetwork()
      const namer = name()
      return { pinned: discovery.pins.pinned().map(pin => pinnedView(pin, discovery, namer)) }
    }
  }
}

/** Push `peers:changed` on every connect and disconnect and `descriptor:drift` for each drift; returns the unsubscribe function. */
export function watchNetwork (ctx: Pick<AppContext, 'emit'>, network: Pick<Network, 'peer' | 'discovery'>, db: Database): () => void {
  const { peer, discovery } = network
  const name = agentNamer(db)
  const changed = (): void => { ctx.emit('peers:changed', { peers: peer.getPeers().length }) }
  peer.addEventListener('peer:connect', changed)
  peer.addEventListener('peer:disconnect', changed)
  const offDrift = discovery.events.on('descriptor:drift', (drift: Drift) => {
    const pin = discovery.pins.pinned().find(p => p.capability === drift.capability && Buffer.compare(Buffer.from(p.agent), Buffer.from(drift.agent)) === 0)
    const base: Pin = pin ?? { agent: drift.agent, capability: drift.capability, pinnedAt: drift.detectedAt }
    ctx.emit('descriptor:drift', pinnedView({ ...base, drift: { what: drift.what, at: drift.detectedAt } }, discovery, name))
  })
  return () => {
    peer.removeEventListener('peer:connect', changed)
    peer.removeEventListener('peer:disconnect', changed)
    offDrift()
  }
}
