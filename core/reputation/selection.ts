import { endorsed, standing, type TopicTrust } from './mg-eigentrust.ts'
import type { PeerIndex } from './trust-graph.ts'

// Whom a person gives a task to among the candidates offered: the most endorsed peer it knows, else the unknown with the least against it.

export interface SelectionEvidence {
  /** The candidate whose result the person just rejected (a failed check): not offered the same task again. */
  readonly rejected?: PeerIndex
  /**
   * Decayed weight of the verified fraud proofs standing against each peer (FraudLedger.against), below the slashing threshold or not.
   * Anyone can check a proof, so it speaks even about peers nobody this person trusts has rated.
   */
  readonly proofsAgainst?: (peer: PeerIndex) => number
}

/**
 * The candidates the person would pick from, best first tier only: drop those below its selection threshold (`standing`); take the
 * ones with the most endorsed trust, if above what a fresh identity gets (`newcomerLevel`: a chain of credible ratings from its own
 * seed set, or a bridge, vouches for them); only when no candidate is vouched for, explore among the unknowns with the least evidence against them — fewest standing fraud proofs, then
 * established identities before declared newcomers (pseudonyms are cheap: a fresh identity is where a caught cheat comes back).
 * Every unknown stays selectable; the order only spends exploration where the evidence says it is safest.
 */
export function preferredCandidates (view: TopicTrust, candidates: readonly PeerIndex[], evidence: SelectionEvidence = {}): PeerIndex[] {
  let best = 0
  let known: PeerIndex[] = []
  const unknown: PeerIndex[] = []
  for (const c of candidates) {
    if (c === evidence.rejected || standing(view, c) !== 'selectable') continue
    // Vouched for less than one fresh identity gets is not known: colluders' tiny chains of praise stay in exploration, where proofs order them.
    const score = endorsed(view, c)
    if (score <= view.newcomerLevel * (1 + 1e-9)) { unknown.push(c); continue }
    if (score > best) { best = score; known = [c] } else if (score === best) known.push(c)
  }
  if (known.length > 0 || unknown.length === 0) return known
  // Lexicographic: the least proof weight first (verified failures), then established before fresh (a prior about cheap identities).
  const against = evidence.proofsAgainst
  let pool = unknown
  if (against !== undefined) {
    let least = Infinity
    for (const c of pool) least = Math.min(least, against(c))
    pool = pool.filter(c => against(c) === least)
  }
  const fresh = new Set<PeerIndex>()
  for (let x = 0; x < view.newcomers.length; x++) fresh.add(view.newcomers[x] as number)
  const established = pool.filter(c => !fresh.has(c))
  return established.length > 0 ? established : pool
}
