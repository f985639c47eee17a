import type { Command } from 'commander'
import { UsageError } from '../../api/errors.ts'
import { runTestnet } from '../testnet/orchestrator.ts'
import { ADVERSARY_KINDS, type AdversaryKind } from '../testnet/adversaries/kinds.ts'
import { log, report } from '../output.ts'
import type { Runner } from '../context.ts'

export function testnetCommand (program: Command, run: Runner): void {
  program.command('testnet')
    .description('run N real peers on 127.0.0.1 and measure bodyless gossip against a full-body broadcast baseline')
    .option('--nodes <n>', 'how many peers (separate processes)', '30')
    .option('--churn <fraction>', 'fraction of peers killed and restarted during the run', '0')
    .option('--announcements <m>', 'how many announcements to make', '60')
    .option('--interval <ms>', 'time between announcements', '500')
    .option('--seed <n>', 'random seed for announcers, topics and churn', '1')
    .option('--tasks <k>', 'after discovery settles, run K delegations between random peers (bodyless run)', '0')
    .option('--adversaries <kinds>', `hostile peers joined to the bodyless run, one process per kind, comma-separated: ${ADVERSARY_KINDS.join(',')}`)
    .action(run(async (opts) => {
      const nodes = Number(opts.nodes)
      const churn = Number(opts.churn)
      const announcements = Number(opts.announcements)
      if (!Number.isInteger(nodes) || nodes < 2 || nodes > 200) throw new UsageError('--nodes must be an integer from 2 to 200')
      if (!(churn >= 0 && churn < 1)) throw new UsageError('--churn must be a fraction from 0 to below 1')
      if (!Number.isInteger(announcements) || announcements < 1) throw new UsageError('--announcements must be a positive integer')
      const tasks = Number(opts.tasks)
      if (!Number.isInteger(tasks) || tasks < 0) throw new UsageError('--tasks must be a whole number of delegations, 0 or more')
      const adversaries = adversaryKinds(opts.adversaries as string | undefined)
      const result = await runTestnet({ nodes, churn, announcements, seed: Number(opts.seed), intervalMs: Number(opts.interval), tasks, adversaries, log })
      report(opts, result, r => [
        `testnet: ${r.nodes} nodes, churn ${r.churn}, ${r.announcements} announcements`,
        `  bodyless   delivery ${r.bodyless.delivery} (${r.bodyless.delivery_eventual} by the end)  bytes/announcement/node ${r.bodyless.bytes_per_announcement}  p50 ${r.bodyless.p50_ms} ms  p95 ${r.bodyless.p95_ms} ms  cores ${r.bodyless.cores}`,
        `  full-body  delivery ${r.full_body.delivery} (${r.full_body.delivery_eventual} by the end)  bytes/announcement/node ${r.full_body.bytes_per_announcement}  p50 ${r.full_body.p50_ms} ms  p95 ${r.full_body.p95_ms} ms  cores ${r.full_body.cores}`,
        `  bytes ratio bodyless / full-body ${(r.bodyless.bytes_per_announcement / Math.max(1, r.full_body.bytes_per_announcement)).toFixed(3)}`,
        ...(r.tasks === undefined ? [] : [`  tasks      ${r.tasks.completed}/${r.tasks.requested} completed, ${r.tasks.with_receipt} with both-signed receipts, p50 ${r.tasks.p50_ms} ms, p95 ${r.tasks.p95_ms} ms`]),
        ...(r.attack === undefined ? [] : [`  attack     forged accepted ${r.attack.forged_accepted}, replayed accepted ${r.attack.replayed_accepted}, honest delivery ${r.attack.honest_delivery} (${r.attack.honest_delivery_eventual} by the end of the run; ${r.attack.honest_delivery_unattacked} without the adversaries), offenders penalised ${r.attack.offenders_penalised} (escaped: ${r.attack.offenders_escaped.join(', ') || 'none'}; no evidence against: ${r.attack.offenders_unwitnessed.join(', ') || 'none'}), honest peers scored below 0 ${r.attack.honest_penalised}, honest max RSS ${r.attack.honest_max_rss_mb} MB`, `             cores of ${r.attack.machine_cores}: honest daemons ${r.attack.honest_cores} (${r.attack.honest_cores_unattacked} without the adversaries), adversaries ${r.attack.adversary_cores}`])
      ].join('\n'))
    }))
}

/** `--adversaries sybil,forger,…`: known kinds, each once. */
function adversaryKinds (list: string | undefined): AdversaryKind[] {
  if (list === undefined) return []
  const kinds = [...new Set(list.split(',').map(k => k.trim()).filter(k => k.length > 0))]
  const unknown = kinds.filter(k => !(ADVERSARY_KINDS as readonly string[]).includes(k))
  if (unknown.length > 0 || kinds.length === 0) throw new UsageError(`--adversaries takes a comma-separated list of ${ADVERSARY_KINDS.join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`)
  return kinds as AdversaryKind[]
}
