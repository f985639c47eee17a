import type { Command } from 'commander'
import { markdownTable as mechanismTable } from '../../sim/mechanism/markdown.ts'
import { parseScenario as parseMechanismScenario } from '../../sim/mechanism/scenario.ts'
import { simulateMechanism } from '../../sim/mechanism/simulate.ts'
import { markdownTable } from '../../sim/trust/markdown.ts'
import { parseScenario } from '../../sim/trust/scenario.ts'
import { simulateTrustParallel } from '../../sim/trust/simulate.ts'
import type { Runner } from '../context.ts'
import { log, report } from '../output.ts'

// `hearth sim …`: simulations that run the app's own engines on synthetic worlds.

export function simCommand (program: Command, run: Runner): void {
  const sim = program.command('sim').description('simulations that run the same engines the app runs')
  sim.command('trust')
    .description('query-cycle simulation of reputation methods under collusion, disguise and Sybil whitewashing')
    .option('--nodes <n>', 'peers in the network', '100')
    .option('--topics <n>', 'topics (the paper\'s five first)', '5')
    .option('--epochs <n>', 'epochs per run', '50')
    .option('--queries <n>', 'queries per topic per epoch', '50')
    .option('--candidates <n>', 'candidates offered per query', '8')
    .option('--seeds <n>', 'independent runs averaged', '30')
    .option('--malicious <fraction>', 'share of malicious peers', '0.2')
    .option('--camouflage <fraction>', 'probability a would-be defection is a good service instead', '0.0')
    .option('--model <name>', 'threat model: disguise, A, B, C or D', 'disguise')
    .option('--methods <list>', 'comma-separated methods to run (default: all)')
    .option('--markdown', 'print the comparison as a markdown table')
    .action(run(async (opts) => {
      const scenario = parseScenario(opts)
      const result = await simulateTrustParallel(scenario, log)
      if (opts.markdown === true && opts.json === true) process.stdout.write(`${markdownTable(result)}\n`)
      report(opts, result, markdownTable)
    }))
  sim.command('mechanism')
    .description('Stackelberg rounds between a leader and strategic followers, with attribution feedback and a regression suite')
    .option('--rounds <n>', 'rounds the leader plays', '20')
    .option('--providers <n>', 'followers, honest and strategic', '20')
    .option('--tasks <n>', 'tasks the leader posts per round', '10')
    .option('--seed <n>', 'random seed: the same seed gives the same run', '1')
    .option('--markdown', 'print the rounds as a markdown table')
    .action(run(async (opts) => {
      const result = await simulateMechanism(parseMechanismScenario(opts), undefined, log)
      if (opts.markdown === true && opts.json === true) process.stdout.write(`${mechanismTable(result)}\n`)
      report(opts, result, mechanismTable)
    }))
}
