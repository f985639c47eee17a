import { createRandom, randomInt, shuffle, streamSeed } from '../../common/random.ts'
import { WORLD, type TrustScenario } from './scenario.ts'
import { isMalicious, threatModel, type Role, type ThreatModel } from './threat-models.ts'

// The population of one seed — roles, offered topics, contacts, arrivals — identical for every method compared.

export interface World {
  readonly scenario: TrustScenario
  readonly seed: number
  readonly model: ThreatModel
  readonly camouflage: number
  readonly roles: readonly Role[]
  /** offers[slot * topics + k] = 1 when the node offers topic k. */
  readonly offers: Uint8Array
  /** Honest contacts of each node: its seed set besides itself. */
  readonly contacts: readonly (readonly number[])[]
  /** Epoch at which each node joins (late joiners at mid-run). */
  readonly joinEpoch: Int32Array
  readonly lateJoiners: readonly number[]
  /** Honest nodes whose views decide end-of-run penalties. */
  readonly observers: readonly number[]
}

export function createWorld (scenario: TrustScenario, seed: number): World {
  const random = createRandom(streamSeed(seed, 0x5eed))
  const n = scenario.nodes
  const t = scenario.topics
  const model = threatModel(scenario.model)
  const malicious = Math.round(scenario.malicious * n)
  const order = shuffle(random, Array.from({ length: n }, (_, x) => x))
  const roles: Role[] = Array<Role>(n).fill('honest')
  const maliciousRoles = model.roles(malicious)
  for (let x = 0; x < malicious; x++) roles[order[x] as number] = maliciousRoles[x] as Role
  const honest = order.slice(malicious)

  const offers = new Uint8Array(n * t)
  for (let slot = 0; slot < n; slot++) {
    // Attackers offer every topic: the most exposure to honest requesters.
    if (isMalicious(roles[slot] as Role)) { offers.fill(1, slot * t, (slot + 1) * t); continue }
    let any = false
    for (let k = 0; k < t; k++) if (random() < WORLD.provider_share) { offers[slot * t + k] = 1; any = true }
    if (!any) offers[slot * t + randomInt(random, t)] = 1
  }

  const late = Math.max(1, Math.round(WORLD.late_joiners * honest.length))
  const lateJoiners = honest.slice(honest.length - late)
  const joinEpoch = new Int32Array(n)
  const midRun = Math.floor(scenario.epochs / 2)
  for (const slot of lateJoiners) joinEpoch[slot] = midRun
  const founders = honest.filter(slot => joinEpoch[slot] === 0)

  const contacts = Array.from({ length: n }, (_, slot) => {
    const pool = founders.filter(other => other !== slot)
    return shuffle(random, pool).slice(0, Math.min(WORLD.contacts, pool.length))
  })
  const observers = shuffle(random, [...founders]).slice(0, Math.min(WORLD.observers, founders.length))
  return { scenario, seed, model, camouflage: model.camouflage(scenario.camouflage), roles, offers, contacts, joinEpoch, lateJoiners, observers }
}
