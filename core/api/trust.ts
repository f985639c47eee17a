// What the person and the UI see of reputation: scores, standings and their reasons. Peers are named by BAID id (`baid:z…`):
// their stable identity across agent-key rotations.

/** Whether a peer may be offered work in a topic, and if not, why. */
export type PeerStanding = 'slashed' | 'blocked' | 'known-bad' | 'below-threshold' | 'selectable'

export type TrustPart =
  /** Trust flowing along a receipt-backed rating. */
  | { readonly kind: 'rating', readonly from: string, readonly satisfied: number, readonly unsatisfied: number, readonly credibility: number, readonly raterTrust: number, readonly amount: number }
  /** The person's own pre-trust (a contact, or a peer they were satisfied with). */
  | { readonly kind: 'seed', readonly amount: number }
  /** Trust bridged from a similar topic, after the consistency gate. */
  | { readonly kind: 'bridge', readonly fromTopic: string, readonly similarity: number, readonly gate: number, readonly sourceTrust: number, readonly amount: number }
  /** A share of the fixed newcomer budget. */
  | { readonly kind: 'newcomer', readonly amount: number }

export type TrustPenalty =
  | { readonly kind: 'slashed' }
  | { readonly kind: 'vetoed' }
  | { readonly kind: 'gate', readonly fromTopic: string, readonly gate: number }
  | { readonly kind: 'negative-evidence', readonly from: string, readonly satisfied: number, readonly unsatisfied: number }
  | { readonly kind: 'discredited-rater', readonly from: string, readonly credibility: number }

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
