// A peer's conduct as this node saw it first-hand: protocol violations no honest peer commits (a message it could not
// have forwarded in good faith, a stream it never finished, more capabilities than an agent may hold, a receipt with a
// forged co-signature). Points decay; they lower its gossipsub score from the first offence, and past a tolerance the peer is
// shunned (graylisted, cut off, refused) until they decay under it.

export type Misconduct =
  /** A gossiped header or body it sent that no honest relay forwards: bad signature, schema, size, topic, or its own fork. */
  | 'invalid-message'
  /** A stream request it left half-sent past the deadline, or one past its size limit or malformed. */
  | 'stream-abuse'
  /** Valid announcements beyond what one agent may hold (capabilities per agent). */
  | 'flood'
  /** A capability re-announced under the same id with another schema or config, again and again. */
  | 'drift'
  /** A rating it signed over a receipt whose other signature is not the provider's. */
  | 'forged-receipt'

/** Points per offence: what one honest mishap costs is well under the tolerance. */
export const MISCONDUCT_POINTS: Readonly<Record<Misconduct, number>> = {
  'invalid-message': 2,
  'stream-abuse': 0.5,
  flood: 0.5,
  drift: 0.5,
  'forged-receipt': 3
}

/** Points at which a peer is shunned: a few honest mishaps (a race, a timeout under load) stay below. */
export const MISCONDUCT_TOLERANCE = 3
/** Points halve over this long: a peer that stops misbehaving is welcome again within the hour. */
export const MISCONDUCT_HALF_LIFE_MS = 10 * 60 * 1000
/** Peers tracked at most; the least-offending are forgotten first, so a flood of identities cannot grow this. */
const MAX_TRACKED = 4096

interface Standing { points: number, at: number, counts: Partial<Record<Misconduct, number>> }

export interface ConductView {
  readonly points: number
  readonly shunned: boolean
  readonly counts: Partial<Record<Misconduct, number>>
}

export class ConductRecord {
  private readonly peers = new Map<string, Standing>()
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  /** Note one offence by a peer (PeerId text); true when this note made it cross the tolerance. */
  note (peerId: string, offence: Misconduct): boolean {
    const now = this.now()
    const held = this.peers.get(peerId)
    const before = held === undefined ? 0 : decayed(held, now)
    const standing: Standing = { points: before + MISCONDUCT_POINTS[offence], at: now, counts: { ...held?.counts, [offence]: (held?.counts[offence] ?? 0) + 1 } }
    this.peers.set(peerId, standing)
    if (this.peers.size > MAX_TRACKED) this.forgetMildest(now)
    return before < MISCONDUCT_TOLERANCE && standing.points >= MISCONDUCT_TOLERANCE
  }

  /** Decayed points standing against a peer now. */
  points (peerId: string): number {
    const held = this.peers.get(peerId)
    return held === undefined ? 0 : decayed(held, this.now())
  }

  shunned (peerId: string): boolean {
    return this.points(peerId) >= MISCONDUCT_TOLERANCE
  }

  view (peerId: string): ConductView {
    const points = this.points(peerId)
    return { points, shunned: points >= MISCONDUCT_TOLERANCE, counts: { ...this.peers.get(peerId)?.counts } }
  }

  /** Forget the mildest tenth at once, so a flood of identities costs a sort now and then, not a scan per offence. */
  private forgetMildest (now: number): void {
    const ranked = [...this.peers].map(([peerId, standing]) => ({ peerId, points: decayed(standing, now) })).sort((a, b) => a.points - b.points)
    for (const { peerId } of ranked.slice(0, Math.ceil(MAX_TRACKED / 10))) this.peers.delete(peerId)
  }
}

const decayed = (standing: Standing, now: number): number => standing.points * 2 ** (-Math.max(0, now - standing.at) / MISCONDUCT_HALF_LIFE_MS)
