import type { ThreatModelName } from './scenario.ts'

// Who the attackers are and what they do: EigenTrust's models A–D and the paper's cross-topic disguise.

/**
 * honest: truthful provider and rater. individual (A): defects, rates inverted (values bad service), acts alone.
 * chain (B): a collective whose members each vouch for one fellow (EigenTrust's "trust 1 to another malicious peer"),
 *   badmouth everyone else, and defect. camouflaged (C): a collective whose members vouch for all fellows, camouflage their
 *   services, and also rate honest providers truthfully so their ratings look credible. defector (D): vouched for by spies.
 * disguiser: builds reputation honestly in the build topic, defects in every other topic.
 * spy (D, disguise): serves well everywhere to earn trust, and spends it vouching for colluders.
 */
export type Role = 'honest' | 'individual' | 'chain' | 'camouflaged' | 'defector' | 'disguiser' | 'spy'

/** code_generation: where disguisers build their reputation. */
export const BUILD_TOPIC = 0

export interface ThreatModel {
  readonly name: ThreatModelName
  /** Collective attackers make receipts with each other to praise each other. */
  readonly colludes: boolean
  /** Roles of the malicious nodes, in order. */
  roles (malicious: number): Role[]
  /** Probability that a would-be defection is a good service instead (--camouflage, honoured as given). */
  camouflage (configured: number): number
  /**
   * Whom a colluder vouches for with co-signed receipts, given the collective in roster order (`members`, index `at`):
   * B a single fellow (the next one in a cycle), C and disguise every fellow, D the defectors.
   */
  vouchesFor (members: readonly number[], at: number, roles: readonly Role[]): number[]
}

const next = (members: readonly number[], at: number): number[] => members.length > 1 ? [members[(at + 1) % members.length] as number] : []
const allBut = (members: readonly number[], at: number, keep: (slot: number) => boolean): number[] =>
  members.filter((slot, x) => x !== at && keep(slot))

export function threatModel (name: ThreatModelName): ThreatModel {
  const given = (c: number): number => c
  switch (name) {
    case 'A': return { name, colludes: false, roles: m => Array<Role>(m).fill('individual'), camouflage: given, vouchesFor: () => [] }
    case 'B': return { name, colludes: true, roles: m => Array<Role>(m).fill('chain'), camouflage: given, vouchesFor: next }
    // C camouflages by definition: with --camouflage 0 (the default) it uses EigenTrust's usual 0.3; any other value as given.
    case 'C': return { name, colludes: true, roles: m => Array<Role>(m).fill('camouflaged'), camouflage: c => c > 0 ? c : 0.3, vouchesFor: (m, at) => allBut(m, at, () => true) }
    case 'D': return {
      name,
      colludes: true,
      roles: m => Array.from({ length: m }, (_, x) => x % 2 === 0 ? 'spy' : 'defector'),
      camouflage: given,
      vouchesFor: (m, at, roles) => allBut(m, at, slot => roles[slot] === 'defector')
    }
    case 'disguise': return {
      name,
      colludes: true,
      roles: m => Array.from({ length: m }, (_, x) => x % 4 === 3 ? 'spy' : 'disguiser'),
      camouflage: given,
      vouchesFor: (m, at, roles) => allBut(m, at, slot => roles[slot] === 'disguiser' || roles[slot] === 'spy')
    }
  }
}

export const isMalicious = (role: Role): boolean => role !== 'honest'

/** Does this provider mean to defect on this task? (Honest mistakes are drawn separately.) */
export function intendsToDefect (role: Role, topic: number, requesterRole: Role, camouflage: number, draw: number): boolean {
  if (role === 'honest' || role === 'spy') return false
  if (role !== 'individual' && requesterRole !== 'honest') return false // colluders do not cheat each other
  if (role === 'disguiser' && topic === BUILD_TOPIC) return false
  return draw >= camouflage
}

/** What the requester writes in its rating of a task whose result was good or bad. */
export function rates (requester: Role, provider: Role, good: boolean): boolean {
  if (requester === 'honest') return good
  if (requester === 'individual') return !good
  // Camouflaged raters are truthful about honest providers (their ratings agree with everyone's), and praise their own.
  if (requester === 'camouflaged') return isMalicious(provider) || good
  return isMalicious(provider) // other collectives praise their own and badmouth everyone else
}
