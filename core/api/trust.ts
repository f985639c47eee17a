// What the person and the UI see of reputation: scores, standings and their reasons. Peers are named by BAID id (`baid:z…`):
// their stable identity across agent-key rotations.

/** Whether a peer may be offered work in a topic, and if not, why. */
export type PeerStanding = 'slashed' | 'blocked' | 'known-bad' | 'below-threshold' | 'selectable'

/**
 * One contribution to a score. Peers and topics are named as the reader needs: BAID ids and topic names here, the engine's
 * dense indexes inside reputation (`BreakdownPart`).
 */
export type TrustPart<Peer = string, Topic = string> =
  /** Trust flowing along a receipt-backed rating: (1−a) · c_ij · t_i. */
  | { readonly kind: 'rating', readonly from: Peer, readonly satisfied: number, readonly unsatisfied: number, readonly credibility: number, readonly raterTrust: number, readonly amount: number }
  /** The person's own pre-trust (a contact, or a peer they were satisfied with). */
  | { readonly kind: 'seed', readonly amount: number }
  /** Trust bridged from a similar topic, after the consistency gate. */
  | { readonly kind: 'bridge', readonly fromTopic: Topic, readonly similarity: number, readonly gate: number, readonly sourceTrust: number, readonly amount: number }
  /** A share of the fixed newcomer budget. */
  | { readonly kind: 'newcomer', readonly amount: number }

export type TrustPenalty<Peer = string, Topic = string> =
  /** A verified fraud proof: zero in every topic, ratings void. */
  | { readonly kind: 'slashed' }
  /** The person's own receipts with the peer here are net bad (or the person blocked it): zero for this person. */
  | { readonly kind: 'vetoed' }
  /** Verified failures (failed canaries, disputed receipts; decayed) that stand out among the tasks credible raters gave the peer: known bad. */
  | { readonly kind: 'failures', readonly failures: number, readonly tasks: number }
  /** Bridged trust cut because the peer behaves worse here than in the source topic. */
  | { readonly kind: 'gate', readonly fromTopic: Topic, readonly gate: number }
  /** A rating whose unsatisfied weight cancels its satisfied weight: it carries no trust. */
  | { readonly kind: 'negative-evidence', readonly from: Peer, readonly satisfied: number, readonly unsatisfied: number }
  /** A rater that vouched for peers later proven fraudulent, or whose ratings contradict the person's own receipts: its ratings count less. */
  | { readonly kind: 'discredited-rater', readonly from: Peer, readonly credibility: number }

export interface TopicTrustView {
  readonly topic: string
  /** The peer's share of this person's trust in the topic (the engine's vector entry; all peers sum to 1). */
  readonly score: number
  /**
   * Endorsed trust (the score less what came from the newcomer prior) over the best-endorsed peer's in the topic, 0–1: what
   * thresholds and ranking use. The newcomer budget lets a fresh peer be tried; it never makes one trusted.
   */
  readonly relative: number
  readonly standing: PeerStanding
  readonly threshold?: number
  /** Contributions that sum to `score`. */
  readonly parts: readonly TrustPart[]
  readonly penalties: readonly TrustPenalty[]
}

/** A peer as shown: its stable BAID id, and its current PeerId when known here. */
export interface PeerName {
  readonly baidId: string
  readonly peerId?: string
}

export interface PeerTrust {
  readonly contact: boolean
  readonly blocked: boolean
  readonly slashed: boolean
  readonly topics: readonly TopicTrustView[]
}
