import { createRandom, streamSeed } from '../../common/random.ts'
import { migrations } from '../../migrations.ts'
import { RuleAttributor, type Attributor } from '../../negotiation/attribution.ts'
import { termsFor, type Mechanism } from '../../negotiation/mechanism.ts'
import { RegressionSuite } from '../../negotiation/regression.ts'
import { TraceStore } from '../../negotiation/trace-store.ts'
import { closeDatabase, openDatabase } from '../../store/database.ts'
import { answer, makeFollowers, type Answer } from './followers.ts'
import { bestWelfare, runTask, type Draws, type TaskSetting } from './run-task.ts'
import { INITIAL_MECHANISM, WORLD, type MechanismScenario } from './scenario.ts'

// Stackelberg rounds between one leader and strategic followers, through the app's own selection, best response,
// attribution, repair and SQLite regression suite. Per round: IC violations (a follower that misreported and gained by it
// against its truthful counterfactual, same luck), IR violations (a follower that worked honestly and ended below zero),
// system loss (welfare short of the best single honest provider, as a share of that) and the regression pass rate (stored
// traces, this round's included, that do not recur under this round's mechanism).

export interface RoundReport {
  readonly round: number
  readonly ic_violations: number
  readonly ir_violations: number
  readonly system_loss: number
  readonly regression_pass_rate: number
  readonly traces: number
  readonly repair: 'accepted' | 'rejected' | 'none'
  readonly clauses: string[]
}

export interface MechanismSimResult {
  readonly rounds: RoundReport[]
  readonly summary: Record<string, unknown>
}

const TOPIC = 'code_generation'
const ROUND_MS = 3_600_000

export async function simulateMechanism (scenario: MechanismScenario, attributor: Attributor = new RuleAttributor(), log: (line: string) => void = () => {}): Promise<MechanismSimResult> {
  const db = openDatabase(':memory:', migrations)
  try {
    const store = new TraceStore(db)
    const suite = new RegressionSuite(store, TOPIC)
    const followers = makeFollowers(scenario.providers, scenario.seed)
    const evidence = followers.map(() => ({ good: 0, bad: 0 }))
    let mechanism: Mechanism = INITIAL_MECHANISM
    store.adopt(TOPIC, mechanism, 'initial', 0)
    const rounds: RoundReport[] = []
    for (let round = 1; round <= scenario.rounds; round++) {
      const trust = evidence.map(e => (e.good + 1) / (e.good + e.bad + 2))
      let ic = 0
      let ir = 0
      let welfare = 0
      let best = 0
      let traces = 0
      for (let task = 0; task < scenario.tasks; task++) {
        const setting = settingFor(scenario, round, task, mechanism, followers, trust)
        const classes = setting.personal ? ['public', 'personal'] : ['public']
        const answers = followers.map(f => answer(f, setting.terms, setting.now, mechanism.windowMs, classes))
        const outcome = runTask(setting, answers)
        ic += icViolations(setting, answers, outcome.utility, classes)
        ir += outcome.irViolations
        welfare += outcome.welfare
        best += bestWelfare(setting)
        for (const t of outcome.traces) suite.record(t)
        traces += outcome.traces.length
        for (const [i, ok] of outcome.verdicts) evidence[i]![ok ? 'good' : 'bad']++
      }
      const passRate = suite.check(mechanism).passRate
      const repair = await suite.repair(mechanism, attributor)
      if (repair.accepted) {
        mechanism = repair.mechanism
        store.adopt(TOPIC, mechanism, `repaired ${repair.clauses.join(', ')}`, round * ROUND_MS)
      }
      const report: RoundReport = {
        round,
        ic_violations: ic,
        ir_violations: ir,
        system_loss: round4(best > 0 ? Math.max(0, best - welfare) / best : 0),
        regression_pass_rate: round4(passRate),
        traces,
        repair: repair.accepted ? 'accepted' : repair.check.failing.length > 0 ? 'rejected' : 'none',
        clauses: [...repair.clauses]
      }
      rounds.push(report)
      log(`round ${round}: ic ${ic}, ir ${ir}, loss ${report.system_loss}, pass ${report.regression_pass_rate}, traces ${traces}, repair ${report.repair} ${report.clauses.join(',')}`)
    }
    return { rounds, summary: summarize(scenario, rounds, mechanism, store.count(TOPIC)) }
  } finally {
    closeDatabase(db)
  }
}

function settingFor (scenario: MechanismScenario, round: number, task: number, mechanism: Mechanism, followers: TaskSetting['followers'], trust: number[]): TaskSetting {
  const now = round * ROUND_MS + task * 60_000
  const luck = createRandom(streamSeed(scenario.seed, round, task))
  const personal = luck() < WORLD.personalShare
  const draws: Draws[] = followers.map(f => {
    const r = createRandom(streamSeed(scenario.seed, round, task, f.index + 1))
    return { time: 1 - f.profile.etaSpread + 2 * f.profile.etaSpread * r(), fail: r(), catch: r(), notice: r() }
  })
  return { topic: TOPIC, task: `r${round}-t${task}`, mechanism, terms: termsFor(mechanism, now), now, personal, followers, trust, draws }
}

/** Deviating followers that did better than their truthful answer would have, all else (others' offers, luck) the same. */
function icViolations (s: TaskSetting, answers: readonly Answer[], utility: readonly number[], classes: readonly string[]): number {
  let violations = 0
  answers.forEach((a, i) => {
    if (!a.deviates) return
    const f = s.followers[i]!
    const truthful = answer({ ...f, strategy: 'honest' }, s.terms, s.now, s.mechanism.windowMs, classes)
    const counterfactual = runTask(s, answers.map((other, j) => j === i ? truthful : other)).utility[i]!
    if (utility[i]! > counterfactual + 1e-9) violations++
  })
  return violations
}

function summarize (scenario: MechanismScenario, rounds: readonly RoundReport[], mechanism: Mechanism, stored: number): Record<string, unknown> {
  const half = Math.max(1, Math.floor(rounds.length / 2))
  const early = rounds.slice(0, half)
  const late = rounds.length > 1 ? rounds.slice(half) : rounds
  const sum = (rs: readonly RoundReport[], key: 'ic_violations' | 'ir_violations'): number => rs.reduce((n, r) => n + r[key], 0)
  const meanLoss = (rs: readonly RoundReport[]): number => round4(rs.reduce((n, r) => n + r.system_loss, 0) / rs.length)
  return {
    rounds: scenario.rounds,
    providers: scenario.providers,
    tasks_per_round: scenario.tasks,
    seed: scenario.seed,
    ic_violations_first_half: sum(early, 'ic_violations'),
    ic_violations_second_half: sum(late, 'ic_violations'),
    ir_violations_first_half: sum(early, 'ir_violations'),
    ir_violations_second_half: sum(late, 'ir_violations'),
    system_loss_first_half: meanLoss(early),
    system_loss_second_half: meanLoss(late),
    final_regression_pass_rate: rounds.at(-1)?.regression_pass_rate ?? 1,
    repairs_accepted: rounds.filter(r => r.repair === 'accepted').length,
    repairs_rejected: rounds.filter(r => r.repair === 'rejected').length,
    traces_stored: stored,
    final_mechanism: mechanism,
    world: WORLD
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000
