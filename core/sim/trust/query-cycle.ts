import { createRandom, randomInt, streamSeed, type Random } from '../../common/random.ts'
import { PersonalTrust, standing, type TopicTrust, type TrustNetwork } from '../../reputation/mg-eigentrust.ts'
import { preferredCandidates } from '../../reputation/selection.ts'
import { DEFAULT_SLASHING_POLICY, FraudLedger, VouchingRecord } from '../../reputation/slashing.ts'
import type { TopicSimilarity } from '../../reputation/topic-similarity.ts'
import { buildTrustMatrix, EvidenceLedger } from '../../reputation/trust-graph.ts'
import { RunCounters, runMetrics, type RunMetrics } from './metrics.ts'
import type { TrustMethod } from './methods.ts'
import { topicNames, WORLD } from './scenario.ts'
import { intendsToDefect, isMalicious, rates, type Role } from './threat-models.ts'
import type { World } from './world.ts'

// One method in one world: epochs of query cycles — choose by trust, serve, rate, prove fraud, slash, whitewash — then the end-of-run penalties.

/** One task's luck: whether a would-be defection is camouflaged, an honest mistake, a canary and its outcome, a dispute. */
interface TaskDraws { tie: number, camouflage: number, error: number, canary: number, canaryCatch: number, canaryFailure: number, dispute: number }
/** Per-query draws, keyed by (seed, epoch, topic, query) so every method sees the same requester, candidates and luck. */
interface QueryDraws { requester: number, candidates: number[], tasks: TaskDraws[] }

/** Tasks one query may take: the first, then the next candidates in the failover order after rejected results (the app's deadline bounds it). */
export const MAX_ATTEMPTS = 3

const taskDraws = (random: Random): TaskDraws =>
  ({ tie: random(), camouflage: random(), error: random(), canary: random(), canaryCatch: random(), canaryFailure: random(), dispute: random() })

function drawQuery (random: Random, active: readonly number[], offering: readonly number[], candidates: number): QueryDraws | undefined {
  if (active.length === 0) return undefined
  const requester = active[randomInt(random, active.length)] as number
  const pool = offering.filter(slot => slot !== requester)
  const chosen: number[] = []
  for (let x = 0; x < Math.min(candidates, pool.length); x++) {
    const at = x + randomInt(random, pool.length - x)
    const swap = pool[x] as number
    pool[x] = pool[at] as number
    pool[at] = swap
    chosen.push(pool[x] as number)
  }
  return { requester, candidates: chosen, tasks: Array.from({ length: MAX_ATTEMPTS }, () => taskDraws(random)) }
}

/** What one simulated person keeps: their trust engine, and their own receipts per topic: [good, bad] per provider. */
interface Person {
  trust: PersonalTrust | undefined
  readonly experience: Map<number, [number, number]>[]
  readonly computedAt: Int32Array
}

/**
 * The app's selection rule for one requester (`preferredCandidates`, the rule behind the app's `trustFor`): the candidates with the
 * highest selection trust — the most endorsed known one, else the unknowns with the least evidence against them — uniformly among
 * equals. If every candidate is below the threshold, any one not slashed (the query must go somewhere).
 */
function choose (view: TopicTrust, candidates: readonly number[], self: number, rejected: readonly number[], tie: number, proofsAgainst?: (peer: number) => number): number {
  let pool = preferredCandidates(view, candidates, { self, rejected, ...(proofsAgainst === undefined ? {} : { proofsAgainst }) })
  if (pool.length === 0) pool = candidates.filter(c => !rejected.includes(c) && view.slashed[c] === 0)
  return pool.length > 0 ? pool[Math.floor(tie * pool.length)] as number : -1
}

export function runMethod (world: World, method: TrustMethod): RunMetrics {
  const { scenario, roles, offers, contacts, joinEpoch } = world
  const n = scenario.nodes
  const topics = scenario.topics
  const engineTopics = method.kind === 'flattened' ? 1 : topics
  const names = topicNames(topics)
  const similarity: TopicSimilarity = method.similarity(method.kind === 'flattened' ? names.slice(0, 1) : names)
  const decay = 2 ** (-1 / WORLD.half_life_epochs)
  const ledger = new EvidenceLedger(n, topics, 4096)
  const fraud = new FraudLedger(n, topics)
  const vouching = new VouchingRecord(n, topics)
  const slashed = new Uint8Array(n)
  // Fraud proofs are public and verifiable by anyone: with slashing on, every requester weighs those standing below the threshold too.
  const proofsAgainst = (peer: number): number => fraud.against(peer)
  const slashedEver = new Uint8Array(n)
  const identityBorn = new Int32Array(joinEpoch)
  const counters = new RunCounters()
  // What each provider did to honest requesters under its current identity, per topic: good and bad services.
  const servedGood = new Float64Array(n * topics)
  const servedBad = new Float64Array(n * topics)
  // Defections (meant, not honest mistakes) per topic: where a malicious identity must stand penalised to count as detected.
  const defected = new Float64Array(n * topics)
  const people: Person[] = Array.from({ length: n }, () => ({ trust: undefined, experience: Array.from({ length: topics }, () => new Map<number, [number, number]>()), computedAt: new Int32Array(engineTopics).fill(-1) }))

  const seedsOf = (slot: number, topic: number): { peers: number[] } => {
    // Pre-trust: the person, their contacts, and the peers they were satisfied with (in this topic; in any topic when flattened).
    const peers = [slot, ...(contacts[slot] as number[])]
    const person = people[slot] as Person
    const maps = method.kind === 'flattened' ? person.experience : [person.experience[topic] as Map<number, [number, number]>]
    for (const map of maps) for (const [peer, [good, bad]] of map) if (good > bad) peers.push(peer)
    return { peers }
  }
  let currentEpoch = 0
  const newcomersOf = (topic: number): number[] => {
    // Fresh identities (late joiners and whitewashed ones alike) offering the topic, for a few epochs after they appear.
    const out: number[] = []
    for (let slot = 0; slot < n; slot++) {
      const born = identityBorn[slot] as number
      if (born <= currentEpoch && currentEpoch - born < 5 && (method.kind === 'flattened' || offers[slot * topics + topic] === 1)) out.push(slot)
    }
    return out
  }
  const newcomerCache = new Map<number, number[]>()
  const trustOf = (slot: number): PersonalTrust => {
    const person = people[slot] as Person
    person.trust ??= new PersonalTrust({
      seeds: topic => seedsOf(slot, topic),
      // Ours only: the person's own receipts veto providers that failed them and judge the raters (the baselines are plain EigenTrust).
      ...(method.kind === 'mg'
        ? {
            referees: () => contacts[slot] as number[],
            experience: (topic: number) => {
              const map = person.experience[topic] as Map<number, [number, number]>
              const peers: number[] = []
              const verdicts: number[] = []
              for (const [peer, [good, bad]] of map) { peers.push(peer); verdicts.push((good - bad) / (good + bad)) }
              return { peers, verdicts }
            }
          }
        : {}),
      newcomers: topic => {
        let cached = newcomerCache.get(topic)
        if (cached === undefined) { cached = newcomersOf(topic); newcomerCache.set(topic, cached) }
        return cached
      }
    }, method.options)
    return person.trust
  }

  let network: TrustNetwork | undefined
  const buildNetwork = (): TrustNetwork => {
    const matrices = method.kind === 'flattened'
      ? [buildTrustMatrix(ledger, Array.from({ length: topics }, (_, k) => k), { excluded: slashed })]
      : Array.from({ length: topics }, (_, k) => buildTrustMatrix(ledger, [k], {
        excluded: slashed,
        ...(method.slashing ? { credibility: vouching.credibility(ledger, k, DEFAULT_SLASHING_POLICY.vouchingPenalty) } : {})
      }))
    return { peers: n, matrices, similarity, slashed, ...(method.kind === 'mg' ? { failures: fraud } : {}) }
  }
  const viewOf = (slot: number, topic: number, epoch: number): TopicTrust => {
    const person = people[slot] as Person
    const trust = trustOf(slot)
    const k = method.kind === 'flattened' ? 0 : topic
    if (person.computedAt[k] !== epoch) {
      // The app recomputes every topic when it starts; afterwards a topic is recomputed when it is used and evidence has changed.
      if (person.computedAt.every(at => at < 0)) { trust.computeAll(network as TrustNetwork); person.computedAt.fill(epoch) } else {
        trust.compute(network as TrustNetwork, k)
        person.computedAt[k] = epoch
      }
    }
    return trust.topic(k) as TopicTrust
  }

  const whitewash = (slot: number, epoch: number): void => {
    // A fresh identity: same operator, nothing remembered about it by anyone.
    ledger.forgetPeer(slot)
    fraud.forgetPeer(slot)
    vouching.forgetPeer(slot)
    for (const person of people) {
      person.trust?.forgetPeer(slot)
      for (const map of person.experience) map.delete(slot)
    }
    servedGood.fill(0, slot * topics, (slot + 1) * topics)
    servedBad.fill(0, slot * topics, (slot + 1) * topics)
    defected.fill(0, slot * topics, (slot + 1) * topics)
    identityBorn[slot] = epoch + 1
    counters.identitiesBurned++
  }

  let newcomerScore = 0
  let newcomerProbed = false
  const probeEpoch = Math.min(scenario.epochs - 1, Math.floor(scenario.epochs / 2) + WORLD.newcomer_probe_epochs - 1)

  for (let epoch = 0; epoch < scenario.epochs; epoch++) {
    currentEpoch = epoch
    newcomerCache.clear()
    if (method.kind !== 'none') network = buildNetwork()
    const active: number[] = []
    for (let slot = 0; slot < n; slot++) if ((joinEpoch[slot] as number) <= epoch) active.push(slot)
    for (let topic = 0; topic < topics; topic++) {
      const offering = active.filter(slot => offers[slot * topics + topic] === 1)
      for (let q = 0; q < scenario.queries; q++) {
        const draws = drawQuery(createRandom(streamSeed(world.seed, epoch, topic, q)), active, offering, scenario.candidates)
        if (draws === undefined || draws.candidates.length === 0) continue
        const requester = draws.requester
        const requesterRole = roles[requester] as Role
        const honestRequester = requesterRole === 'honest'
        if (!honestRequester) {
          // Attackers pick at random (their own trust is not the point) and rate as their model says.
          const task = draws.tasks[0] as TaskDraws
          const provider = draws.candidates[Math.floor(task.tie * draws.candidates.length)] as number
          const good = !intendsToDefect(roles[provider] as Role, topic, requesterRole, world.camouflage, task.camouflage) && task.error >= WORLD.honest_error_rate
          const satisfied = rates(requesterRole, roles[provider] as Role, good)
          ledger.addRating(requester, provider, topic, satisfied ? 1 : 0, satisfied ? 0 : 1)
          counters.controlEntries++
          continue
        }
        counters.honestQueries++
        const experience = (people[requester] as Person).experience[topic] as Map<number, [number, number]>
        const rejected: number[] = []
        for (const task of draws.tasks) {
          const provider = method.kind === 'none'
            ? draws.candidates[Math.floor(task.tie * draws.candidates.length)] as number
            : choose(viewOf(requester, topic, epoch), draws.candidates, requester, rejected, task.tie, method.slashing ? proofsAgainst : undefined)
          if (provider < 0) break
          const providerRole = roles[provider] as Role
          const defects = intendsToDefect(providerRole, topic, requesterRole, world.camouflage, task.camouflage)
          const good = !defects && task.error >= WORLD.honest_error_rate
          // Verification tiers (ours): a first task with a provider carries a canary; so does a share of all tasks. A failed canary
          // is a fraud proof with its transcript, and the result is rejected, unused: the query goes to the next candidate (MAX_ATTEMPTS).
          const firstContact = !experience.has(provider)
          const canaried = task.canary < WORLD.canary_rate || (method.verifies && firstContact)
          const failedCanary = canaried && (defects ? task.canaryCatch < WORLD.canary_catch : task.canaryFailure < WORLD.honest_canary_failure)
          const disputed = !failedCanary && !good && task.dispute < WORLD.dispute_rate

          // A receipt both sides signed, and the requester's rating of it.
          ledger.addRating(requester, provider, topic, good ? 1 : 0, good ? 0 : 1)
          counters.controlEntries++
          const mine = experience.get(provider) ?? [0, 0]
          mine[good ? 0 : 1]++
          experience.set(provider, mine)
          if (good) servedGood[provider * topics + topic] = (servedGood[provider * topics + topic] as number) + 1
          else servedBad[provider * topics + topic] = (servedBad[provider * topics + topic] as number) + 1
          if (defects) defected[provider * topics + topic] = (defected[provider * topics + topic] as number) + 1
          if (failedCanary || disputed) {
            counters.controlEntries++
            if (method.slashing) fraud.record({ kind: failedCanary ? 'failed-canary' : 'disputed-receipt', offender: provider, topic, reporter: requester })
          }
          if (method.verifies && failedCanary) {
            if (defects) counters.defectionsCaught++
            rejected.push(provider)
            continue
          }
          if (good) counters.honestServedWell++
          if (defects) counters.defections++
          else if (isMalicious(providerRole)) counters.maliciousGoodServices++
          break
        }
      }
    }

    // Collectives make real, co-signed receipts among themselves to vouch for each other, as their model says.
    if (world.model.colludes) {
      const members = active.filter(slot => isMalicious(roles[slot] as Role))
      const random = createRandom(streamSeed(world.seed, epoch, 0xc011))
      for (let topic = 0; topic < topics; topic++) {
        for (let at = 0; at < members.length; at++) {
          const targets = world.model.vouchesFor(members, at, roles)
          if (targets.length === 0) continue
          const rater = members[at] as number
          for (let x = 0; x < WORLD.collusion_tasks; x++) {
            const target = targets[randomInt(random, targets.length)] as number
            ledger.addRating(rater, target, topic, 1, 0)
            counters.controlEntries++
          }
        }
      }
    }

    if (epoch === probeEpoch && method.kind !== 'none') {
      newcomerScore = probeNewcomers(world, epoch)
      newcomerProbed = true
    }

    if (method.slashing) {
      // Decided afresh every epoch from the decayed proofs and receipts, as the app does: an honest peer's freeze thaws once its
      // failures no longer stand out. Attackers come back under a fresh identity at once (Sybil whitewashing).
      const served = ledger.servedTasks()
      for (const slot of active) {
        const slash = fraud.shouldSlash(slot, served)
        if (!slash) { slashed[slot] = 0; continue }
        if (slashed[slot] === 1) continue
        vouching.noteSlashed(ledger, slot)
        slashedEver[slot] = 1
        if (isMalicious(roles[slot] as Role)) whitewash(slot, epoch)
        else slashed[slot] = 1
      }
    }
    ledger.decay(decay)
    fraud.decay(decay)
    vouching.decay(decay)
  }

  // End of run: fresh views of the observers decide who stands penalised.
  let detection = 0
  let falsePositive = 0
  if (method.kind !== 'none') {
    network = buildNetwork()
    currentEpoch = scenario.epochs
    newcomerCache.clear()
    const views = world.observers.map(observer => {
      const trust = trustOf(observer)
      const results = trust.computeAll(network as TrustNetwork)
      return { observer, results }
    })
    // Penalised in a topic: below the selection threshold (slashed, vetoed by the observer's own receipts, verified failures standing
    // out, or reported net bad by the credible raters it trusts) in most views of the observers who hold any evidence about the peer
    // there, public failure proofs included. Unknown is not penalised.
    const belowInMost = (slot: number, topic: number): boolean => {
      const k = method.kind === 'flattened' ? 0 : topic
      let below = 0
      let counted = 0
      for (const view of views) {
        const result = view.results[k] as TopicTrust
        if (view.observer === slot) continue
        const informed = (result.verdictWeight[slot] as number) > 0 || result.blocked[slot] === 1 || result.slashed[slot] === 1 || result.gateCut[slot] === 1 ||
          fraud.failuresIn(slot, topic) > 0
        if (!informed) continue
        counted++
        if (standing(result, slot) !== 'selectable') below++
      }
      return counted > 0 && below * 2 > counted
    }
    let honestCount = 0
    let maliciousCount = 0
    for (let slot = 0; slot < n; slot++) {
      const role = roles[slot] as Role
      if ((joinEpoch[slot] as number) >= scenario.epochs) continue
      if (isMalicious(role)) {
        maliciousCount++
        // Penalised: slashed at least once, or below the threshold in most views in every topic where it defected (meant to, not an honest mistake).
        let defectedSomewhere = false
        let penalisedEverywhere = true
        for (let k = 0; k < topics; k++) {
          if ((defected[slot * topics + k] as number) === 0) continue
          defectedSomewhere = true
          if (!belowInMost(slot, k)) penalisedEverywhere = false
        }
        if (slashedEver[slot] === 1 || (defectedSomewhere && penalisedEverywhere)) detection++
      } else {
        honestCount++
        // Penalised: slashed, or below the threshold in most views in a topic where it served honest requesters well.
        let penalised = slashedEver[slot] === 1
        for (let k = 0; k < topics && !penalised; k++) {
          const goodCount = servedGood[slot * topics + k] as number
          if (goodCount > 0 && goodCount >= (servedBad[slot * topics + k] as number) && belowInMost(slot, k)) penalised = true
        }
        if (penalised) falsePositive++
      }
    }
    detection = maliciousCount > 0 ? detection / maliciousCount : 0
    falsePositive = honestCount > 0 ? falsePositive / honestCount : 0
  }
  if (!newcomerProbed) newcomerScore = 0
  return runMetrics(counters, scenario.epochs, { detection, falsePositive, newcomer: newcomerScore }, method.kind !== 'none')

  /** Mean score of the late joiners, in the topics they offer, in the observers' views a few epochs after they joined. */
  function probeNewcomers (w: World, epoch: number): number {
    currentEpoch = epoch
    newcomerCache.clear()
    const probeNetwork = buildNetwork()
    let total = 0
    let count = 0
    for (const observer of w.observers) {
      const results = trustOf(observer).computeAll(probeNetwork)
      for (const slot of w.lateJoiners) {
        for (let k = 0; k < topics; k++) {
          if (offers[slot * topics + k] !== 1) continue
          total += ((results[method.kind === 'flattened' ? 0 : k] as { vector: Float64Array }).vector[slot] as number)
          count++
        }
      }
    }
    return count > 0 ? total / count : 0
  }
}
