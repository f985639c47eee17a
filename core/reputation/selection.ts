import { endorsed, standing, type TopicTrust } from './mg-eigentrust.ts'
import type { PeerIndex } from './trust-graph.ts'

// How a person ranks the candidates for work in a topic — one rule for the app (discovery's ranking, the requester's choice among
// offers, through Reputation.trustFor) and for the simulator (preferredCandidates): the known peer with the most endorsed trust first;
// after every known peer, the unknowns, those with the least evidence against them first; never one below the selection threshold.

export interface SelectionEvidence {
  /** The person itself: left out of what "the best-trusted peer" means. */
  readonly self?: PeerIndex
  /** Candidates whose results the person just rejected for this task (failed checks): not offered the same task again. */
  readonly rejected?: readonly PeerIndex[]
  /**
   * Decayed weight of the verified fraud proofs standing against each peer (FraudLedger.against), below the slashing threshold or not.
   * Anyone can check a proof, so it speaks even about peers nobody this person trusts has rated.
   */
  readonly proofsAgainst?: (peer: PeerIndex) => number
  /** The person's threshold for the topic: a peer with less relative trust is not offered work there. */
  readonly minRelative?: number
}

/** An unknown peer's selection trust is at most this, and below every known peer's. */
export const EXPLORATION_CEILING = 0.01
/** A fresh identity explores like an established one with one standing proof against it: pseudonyms are cheap, and where a caught cheat comes back. */
const FRESH_WEIGHT = 0.5

interface TopicScale {
  readonly self: PeerIndex | undefined
  /** The highest endorsed trust of anyone but the person: relative trust 1. */
  readonly top: number
  /** Unknown peers' selection trust is at most this: under every known peer's relative trust. */
  readonly ceiling: number
}

const scales = new WeakMap<TopicTrust, TopicScale>()

/** Known: endorsed trust above what one fresh identity gets from the newcomer prior (a chain of credible ratings or a bridge vouches for it). */
const isKnown = (view: TopicTrust, peer: PeerIndex): boolean => endorsed(view, peer) > view.newcomerLevel * (1 + 1e-9)

function scaleOf (view: TopicTrust, self: PeerIndex | undefined): TopicScale {
  const held = scales.get(view)
  if (held !== undefined && held.self === self) return held
  let top = 0
  for (let j = 0; j < view.endorsedTrust.length; j++) if (j !== self) top = Math.max(top, endorsed(view, j))
  let weakest = 1
  for (let j = 0; j < view.endorsedTrust.length; j++) if (j !== self && isKnown(view, j)) weakest = Math.min(weakest, endorsed(view, j) / top)
  const scale = { self, top, ceiling: Math.min(EXPLORATION_CEILING, weakest / 2) }
  scales.set(view, scale)
  return scale
}

/** The highest endorsed trust in a topic other than the person's own: what "fully trusted" means there. */
export function topEndorsed (view: TopicTrust, self?: PeerIndex): number {
  return scaleOf(view, self).top
}

/** A peer's endorsed trust against the best-endorsed peer's, 0–1: what thresholds read and the Trust view shows. */
export function relativeTrust (view: TopicTrust, peer: PeerIndex, self?: PeerIndex): number {
  const known = endorsed(view, peer)
  const top = topEndorsed(view, self)
  return known > 0 && top > 0 ? Math.min(1, known / top) : 0
}

/**
 * The trust a person ranks a candidate by, 0–1, or undefined when the candidate must not get the work: below the selection
 * threshold (`standing`: slashed, blocked, vetoed, known bad), under the person's threshold for the topic, or just rejected.
 * A known peer's is its relative trust. An unknown's is an exploration weight under every known peer's: highest with no fraud proof
 * standing against it, halved for a declared newcomer (a fresh identity) and divided by one plus the proofs against it.
 */
export function selectionTrust (view: TopicTrust, peer: PeerIndex, evidence: SelectionEvidence = {}): number | undefined {
  if (evidence.rejected?.includes(peer) === true || standing(view, peer) !== 'selectable') return undefined
  const relative = relativeTrust(view, peer, evidence.self)
  if (evidence.minRelative !== undefined && relative < evidence.minRelative) return undefined
  // Vouched for less than one fresh identity gets is not known: colluders' tiny chains of praise stay in exploration, where proofs order them.
  if (isKnown(view, peer)) return relative
  let fresh = false
  for (let x = 0; x < view.newcomers.length && !fresh; x++) fresh = view.newcomers[x] === peer
  return explorationTrust(view, { fresh, against: evidence.proofsAgainst?.(peer) ?? 0, self: evidence.self })
}

/** An unknown peer's selection trust: `fresh` for a declared newcomer, or one the person has never indexed. */
export function explorationTrust (view: TopicTrust, peer: { readonly fresh: boolean, readonly against: number, readonly self?: PeerIndex | undefined }): number {
  return scaleOf(view, peer.self).ceiling * (peer.fresh ? FRESH_WEIGHT : 1) / (1 + peer.against)
}

/**
 * The candidates the person would pick from: those with the highest `selectionTrust` (uniformly among them). Empty when every
 * candidate is below the threshold. Every unknown stays selectable; the order only spends exploration where the evidence says it is safest.
 */
export function preferredCandidates (view: TopicTrust, candidates: readonly PeerIndex[], evidence: SelectionEvidence = {}): PeerIndex[] {
  let best = -1
  let pool: PeerIndex[] = []
  for (const c of candidates) {
    const trust = selectionTrust(view, c, evidence)
    if (trust === undefined) continue
    if (trust > best) { best = trust; pool = [c] } else if (trust === best) pool.push(c)
  }
  return pool
}
