import { availableParallelism } from 'node:os'
import { startWorker } from '../../common/worker.ts'
import { DEFAULT_SLASHING_POLICY } from '../../reputation/slashing.ts'
import { summarise, type RunMetrics } from './metrics.ts'
import { trustMethod, type MethodName } from './methods.ts'
import { MAX_ATTEMPTS, runMethod } from './query-cycle.ts'
import { topicNames, WORLD, type TrustScenario } from './scenario.ts'
import { threatModel } from './threat-models.ts'
import { createWorld } from './world.ts'

// `hearth sim trust`: every method on the same worlds and the same random streams, seed after seed, summarised.

export interface TrustSimResult {
  readonly scenario: Record<string, unknown>
  readonly methods: Record<MethodName, Record<string, number>>
}

/** One run: a method on a seed's world (the world is rebuilt from the seed alike for every method). Runs in a worker thread, or in process. */
export function runUnit (scenario: TrustScenario, seed: number, name: MethodName, progress: (line: string) => void = () => {}): RunMetrics {
  const t0 = performance.now()
  const metrics = runMethod(createWorld(scenario, seed), trustMethod(name))
  progress(`seed ${seed}/${scenario.seeds} ${name}: attack ${metrics.attack_success.toFixed(4)} fp ${metrics.false_positive_rate.toFixed(3)} honest ${metrics.honest_success.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  return metrics
}

/** In process, seed after seed (tests, and where worker threads cannot load the sources). */
export function simulateTrust (scenario: TrustScenario, progress: (line: string) => void = () => {}): TrustSimResult {
  const started = performance.now()
  const perSeed: Record<string, RunMetrics>[] = []
  for (let seed = 1; seed <= scenario.seeds; seed++) {
    perSeed.push(Object.fromEntries(scenario.methods.map(name => [name, runUnit(scenario, seed, name, progress)])))
  }
  return summariseSeeds(scenario, perSeed, started, 1)
}

/**
 * Runs — one method on one seed each — spread over worker threads (one per core, at most one per run), the costliest methods first
 * so the cheap ones fill the last gaps; falls back to in process if a worker cannot start.
 */
export async function simulateTrustParallel (scenario: TrustScenario, progress: (line: string) => void = () => {}, threads = availableParallelism()): Promise<TrustSimResult> {
  const units = [...scenario.methods].sort((x, y) => RELATIVE_COST[y] - RELATIVE_COST[x]).flatMap(name =>
    Array.from({ length: scenario.seeds }, (_, s) => ({ seed: s + 1, name })))
  const workers = Math.min(threads, units.length)
  if (workers <= 1) return simulateTrust(scenario, progress)
  const started = performance.now()
  const perSeed: Record<string, RunMetrics>[] = Array.from({ length: scenario.seeds }, () => ({}))
  let next = 0
  try {
    await Promise.all(Array.from({ length: workers }, async () => {
      const worker = startWorker(import.meta.url, 'seed-worker')
      try {
        while (next < units.length) {
          const { seed, name } = units[next++] as { seed: number, name: MethodName }
          ;(perSeed[seed - 1] as Record<string, RunMetrics>)[name] = await new Promise<RunMetrics>((resolve, reject) => {
            const onMessage = (message: { kind: 'progress', line: string } | { kind: 'done', metrics: RunMetrics }): void => {
              if (message.kind === 'progress') { progress(message.line); return }
              worker.off('message', onMessage)
              worker.off('error', reject)
              resolve(message.metrics)
            }
            worker.on('message', onMessage)
            worker.once('error', reject)
            worker.postMessage({ scenario, seed, name })
          })
        }
      } finally {
        await worker.terminate()
      }
    }))
  } catch (error) {
    progress(`worker threads unavailable (${(error as Error).message}); running in process`)
    return simulateTrust(scenario, progress)
  }
  return summariseSeeds(scenario, perSeed, started, workers)
}

/** Rough cost of one run per method, measured at 500 nodes / 10 topics / 100 epochs: the order runs are handed out in. */
const RELATIVE_COST: Record<MethodName, number> = { flattened: 3, mg: 2, mg_no_slashing: 2, mg_no_gate: 2, mg_no_semantic: 2, per_topic: 1.5, random: 0.05 }

function summariseSeeds (scenario: TrustScenario, perSeed: readonly Record<string, RunMetrics>[], started: number, threads: number): TrustSimResult {
  const methods = Object.fromEntries(scenario.methods.map(name => [name, summarise(perSeed.map(run => run[name] as RunMetrics))])) as Record<MethodName, Record<string, number>>
  return {
    scenario: {
      ...scenario,
      topic_names: topicNames(scenario.topics),
      effective_camouflage: threatModel(scenario.model).camouflage(scenario.camouflage),
      models: 'A: individuals that defect and rate inverted; B: a collective, each member vouching (co-signed receipts) for one fellow in a cycle and badmouthing the rest; C: a collective vouching for all fellows, rating honest providers truthfully, camouflaging services (0.3 unless --camouflage); D: spies that always serve well and vouch for defectors; disguise: builds trust in code_generation, defects elsewhere, with spies; --camouflage is the chance a would-be defection is a good service instead, in every model',
      views: 'personal, never shared: each honest requester runs the engine with its own seed set (itself, its contacts, peers it was satisfied with), and for mg its own receipts (veto, rater credibility judged against its own and its contacts\' receipts); a topic is recomputed when the requester next queries it in a new epoch, warm-started, bridging from its latest vectors of other topics; end-of-run penalties judged by the fresh views of sampled honest observers',
      selection: 'each honest requester ranks the candidates by selectionTrust() in core/reputation/selection.ts, the function behind the app\'s Reputation.trustFor (discovery\'s ranking and the requester\'s choice among offers), and takes one of those ranked highest (preferredCandidates()), uniformly among equals. A candidate below the selection threshold gets nothing (standing() in core/reputation/mg-eigentrust.ts: slashed; vetoed by the requester\'s own net-bad receipts in the topic (mg only); its verified failures standing out among the tasks credible raters gave it, in the topic or, proved by several reporters, summed over the topics they happened in (mg only); or its bridged trust cut by the consistency gate and its endorsed trust below the newcomer level, i.e. what one fresh identity gets from the newcomer prior). A known candidate (endorsed trust above the newcomer level) ranks by its relative trust; every unknown ranks after every known one, by an exploration weight: halved for a fresh identity and divided by one plus the verified failure proofs standing against it (public, so every requester weighs them; each reporter counts at most once; mg family with slashing only). Endorsed trust (endorsed() there) is the score less everything that came from the newcomer prior, directly or passed on along ratings, and exactly zero where no chain of credible ratings leads from the requester\'s seeds or a bridge: the newcomer budget is for exploring and never makes a peer known, so colluding fresh identities that praise each other stay unknown',
      verification: `mg family only (the app's verification tiers): every first task a requester gives a provider in a topic carries a canary, and so does a random ${WORLD.canary_rate} of all tasks; a defection fails a canary with probability ${WORLD.canary_catch}, an honest provider with ${WORLD.honest_canary_failure}. A failed canary, or a bad result disputed with evidence (${WORLD.dispute_rate} of those not caught), is a failure proof naming its reporter (gossiped; unless slashing is ablated). Failures slash — zero in every topic, ratings void, attackers whitewash — only once, in some topic, at least ${DEFAULT_SLASHING_POLICY.minReporters} distinct reporters stand behind them and the Wilson lower bound (z ${DEFAULT_SLASHING_POLICY.confidence}) of their share of the receipts naming the peer provider there exceeds ${DEFAULT_SLASHING_POLICY.maxFailureRate}; decided afresh every epoch from the decayed proofs and receipts, so an honest freeze thaws. A failed canary's result is rejected unused, so it is NOT counted as a successful attack; the query then goes to the next candidate in the requester's order (the app fails over along its ranked offers until the deadline), at most ${MAX_ATTEMPTS} tasks per query; the last outcome counts. Baselines: canaries at ${WORLD.canary_rate} only, nothing rejected`,
      penalised: 'a node is penalised when it was slashed at least once, or (honest: in some topic where its services to honest requesters were mostly good; malicious: in every topic where it defected, honest mistakes aside) a majority of the observers holding any evidence about it there (trusted raters, own receipts, veto, gate, public failure proofs) have it below their selection threshold; an unknown or merely badmouthed peer is not penalised (a bad rating takes no trust away)',
      alpha: 'EigenTrust restart weight a: 0.15 for flattened and per_topic (plain EigenTrust), 0.5 for mg variants (personal trust stays close to the person\'s own seed set)',
      queries_counted: 'queries issued by honest requesters; attackers also issue queries (random choice, dishonest ratings) that are not counted',
      attack_success: 'queries of honest requesters whose accepted result came from a malicious provider that defected, over all such queries',
      attacker_roi: '(defections − investment) / investment, investment = good services attackers gave honest requesters + identities burned',
      control_entries: 'ratings (one per co-signed receipt, collusion receipts included) and fraud proofs published per epoch',
      ...WORLD,
      threads,
      seconds: Math.round((performance.now() - started) / 100) / 10
    },
    methods
  }
}
