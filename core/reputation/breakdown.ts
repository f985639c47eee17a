import type { TrustPart, TrustPenalty } from '../api/trust.ts'
import { consistencyGate, endorsed, type FailureRecord, type TopicTrust } from './mg-eigentrust.ts'
import type { PeerIndex, TopicIndex } from './trust-graph.ts'

// Why a peer has its score in a topic: every contribution, from whom, and which gate or penalty applied. The parts sum to the score.

export type BreakdownPart = TrustPart<PeerIndex, TopicIndex>
export type Penalty = TrustPenalty<PeerIndex, TopicIndex>

export interface TrustBreakdown {
  readonly peer: PeerIndex
  readonly topic: TopicIndex
  readonly score: number
  /** The part of the score not owed to the newcomer prior (directly or passed on along ratings): what makes a peer known (`endorsed`). */
  readonly endorsed: number
  readonly parts: readonly BreakdownPart[]
  readonly penalties: readonly Penalty[]
}

/** Explain one score of a computed topic; O(edges) — meant for the UI, not for ranking loops. */
export function explainTrust (result: TopicTrust, peer: PeerIndex, failures?: FailureRecord): TrustBreakdown {
  const { matrix, previous } = result
  const keep = 1 - result.alpha
  const parts: BreakdownPart[] = []
  const penalties: Penalty[] = []
  if (result.slashed[peer] === 1) penalties.push({ kind: 'slashed' })
  const vetoed = result.blocked[peer] === 1
  if (vetoed) penalties.push({ kind: 'vetoed' })
  if (result.failing[peer] === 1) penalties.push({ kind: 'failures', failures: failures?.failuresIn(peer, result.topic) ?? 0, tasks: result.witnessedTasks.get(peer) ?? 0 })
  for (let i = 0; i < matrix.peers; i++) {
    const end = matrix.rowStart[i + 1] as number
    for (let e = matrix.rowStart[i] as number; e < end; e++) {
      if (matrix.ratee[e] !== peer) continue
      const satisfied = matrix.satisfied[e] as number
      const unsatisfied = matrix.unsatisfied[e] as number
      const credibility = (matrix.credibility[i] ?? 1) * (result.raterCredibility[i] as number)
      if (satisfied - unsatisfied <= 0) penalties.push({ kind: 'negative-evidence', from: i, satisfied, unsatisfied })
      else if (credibility < 1) penalties.push({ kind: 'discredited-rater', from: i, credibility })
      const raterTrust = previous[i] as number
      // Flow into a vetoed peer went back to pre-trust (it is in fallbackMass), so it is no part of this peer's score.
      const amount = vetoed ? 0 : keep * (matrix.weight[e] as number) * (result.raterCredibility[i] as number) * raterTrust
      if (amount > 0) parts.push({ kind: 'rating', from: i, satisfied, unsatisfied, credibility, raterTrust, amount })
    }
  }
  const fallback = result.fallbackMass
  const seed = fallback * result.mix.seed * (result.seedShare[peer] as number)
  if (seed > 0) parts.push({ kind: 'seed', amount: seed })
  if (result.bridgeTotal > 0 && result.slashed[peer] === 0 && !vetoed) {
    for (const source of result.bridges) {
      const sourceTrust = source.vector[peer] as number
      if (sourceTrust === 0) continue
      const gate = result.gateEnabled ? consistencyGate(result.gateVerdict[peer] as number, result.gateWeight[peer] as number) : 1
      if (gate < 1) penalties.push({ kind: 'gate', fromTopic: source.topic, gate })
      const amount = fallback * result.mix.bridge * source.similarity * gate * sourceTrust / result.bridgeTotal
      if (amount > 0) parts.push({ kind: 'bridge', fromTopic: source.topic, similarity: source.similarity, gate, sourceTrust, amount })
    }
  }
  let newcomerCount = 0
  for (let x = 0; x < result.newcomers.length; x++) if (result.newcomers[x] === peer && result.slashed[peer] === 0) newcomerCount++
  if (newcomerCount > 0 && result.mix.newcomer > 0) parts.push({ kind: 'newcomer', amount: fallback * result.mix.newcomer * result.newcomerShare * newcomerCount })
  return { peer, topic: result.topic, score: result.vector[peer] as number, endorsed: endorsed(result, peer), parts, penalties }
}
