import type { TrustGraph, TrustTopicScores } from '../api/app.ts'
import type { PeerName } from '../api/trust.ts'
import { IdentityStore } from '../identity/identity-store.ts'
import { genesisHashOf, hex } from '../identity/ids.ts'
import type { Reputation } from '../reputation/service.ts'
import type { RatingTuple } from '../reputation/store.ts'
import type { AppContext, Handlers } from './context.ts'
import { PeerNames } from './peer-names.ts'

// The Trust view's data (issue 6 §3): every topic with its threshold and the peers' standing, a peer's relative trust over
// time, and who rated whom in a topic from the stored receipt-backed ratings; `trust:changed` when scores are recomputed.
// Contacts, blocks, thresholds and `trust.show` are the person's choices, answered in trust-choices.ts.

export interface TrustViewDeps {
  readonly reputation: () => Reputation
  readonly names: () => PeerNames
  /** This person's BAID (genesis hash), once they have an identity. */
  readonly self: () => Uint8Array | undefined
}

/** The graph drawn at most: beyond it, the best-trusted peers (and the person) stay. */
export const MAX_GRAPH_NODES = 150

/**
 * Who rated whom in a topic: one edge per rater → ratee, weighted by the satisfied share of its receipts; the person is
 * always a node. Past `maxNodes`, the peers with the highest scores (then the most ratings) are kept, with the edges among them.
 */
export function buildTrustGraph (topic: string, tuples: Iterable<RatingTuple>, g: {
  readonly self: Uint8Array | undefined
  readonly score: (peer: Uint8Array) => number
  readonly name: (peer: Uint8Array) => PeerName
  readonly maxNodes?: number
}): TrustGraph {
  const peers = new Map<string, { key: Uint8Array, degree: number }>()
  const touch = (key: Uint8Array): string => {
    const id = hex(key)
    const held = peers.get(id)
    if (held === undefined) peers.set(id, { key, degree: 1 })
    else held.degree++
    return id
  }
  const edges: Array<{ from: string, to: string, weight: number }> = []
  for (const t of tuples) {
    const total = t.satisfied + t.unsatisfied
    if (!(total > 0)) continue
    edges.push({ from: touch(t.rater), to: touch(t.ratee), weight: t.satisfied / total })
  }
  const selfId = g.self === undefined ? undefined : hex(g.self)
  if (g.self !== undefined && selfId !== undefined && !peers.has(selfId)) peers.set(selfId, { key: g.self, degree: 0 })
  const scored = [...peers.entries()].map(([id, p]) => ({ id, key: p.key, degree: p.degree, score: g.score(p.key) }))
  const maxNodes = Math.max(1, g.maxNodes ?? MAX_GRAPH_NODES)
  const kept = scored
    .sort((a, b) => Number(b.id === selfId) - Number(a.id === selfId) || b.score - a.score || b.degree - a.degree || (a.id < b.id ? -1 : 1))
    .slice(0, maxNodes)
  const names = new Map(kept.map(n => [n.id, g.name(n.key)]))
  return {
    topic,
    nodes: kept.map(n => ({ ...names.get(n.id)!, self: n.id === selfId, score: n.score })),
    edges: edges.filter(e => names.has(e.from) && names.has(e.to)).map(e => ({ from: names.get(e.from)!.baidId, to: names.get(e.to)!.baidId, weight: e.weight }))
  }
}

export function trustViewHandlers (deps: TrustViewDeps): Handlers {
  return {
    'trust.topics': async () => {
      const reputation = deps.reputation()
      const names = deps.names()
      const thresholds = new Map(reputation.thresholds().map(t => [t.topic, t.minTrust]))
      const topics: TrustTopicScores[] = reputation.topics().map(topic => {
        const threshold = thresholds.get(topic)
        return {
          topic,
          ...(threshold === undefined ? {} : { threshold }),
          peers: reputation.scores(topic).map(s => ({ ...names.describe(s.peer), score: s.score, relative: s.relative, standing: s.standing }))
        }
      })
      return { topics }
    },
    'trust.history': async ({ peer, topic }) => {
      const points = deps.reputation().trustHistory(deps.names().resolve(peer), topic)
      return { points: points.map(p => ({ at: p.at, relative: p.relative })) }
    },
    'trust.graph': async ({ topic }) => {
      const reputation = deps.reputation()
      reputation.flush()
      const names = deps.names()
      // Read whole before scoring: the store's connection is busy while its iterator is open.
      const tuples = [...reputation.store.ratingsByTopic(topic)]
      return buildTrustGraph(topic, tuples, { self: deps.self(), score: peer => reputation.store.trustOf(peer, topic) ?? 0, name: peer => names.describe(peer) })
    }
  }
}

/** Deps as the app context gives them. */
export function trustViewDeps (ctx: Pick<AppContext, 'host'>): TrustViewDeps {
  return {
    reputation: () => ctx.host().reputation,
    names: () => new PeerNames(ctx.host().db),
    self: () => {
      const baidId = new IdentityStore(ctx.host().db).self()?.baidId
      return baidId === undefined ? undefined : genesisHashOf(baidId)
    }
  }
}

/** Push `trust:changed` whenever scores are recomputed; returns the unsubscribe function. */
export function watchTrust (ctx: Pick<AppContext, 'emit'>, reputation: Pick<Reputation, 'events'>): () => void {
  return reputation.events.on('trust:updated', ({ topics }) => { ctx.emit('trust:changed', { topics }) })
}
