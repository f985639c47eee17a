import type { Command } from 'commander'
import type { PeerName, PeerTrust } from '../../api/trust.ts'
import { ActivityLog } from '../../app/activity.ts'
import { asControlHandlers } from '../../app/dispatch.ts'
import { trustChoiceHandlers } from '../../app/trust-choices.ts'
import { openReputation } from '../../host.ts'
import { viaDaemonOrDatabase } from '../local.ts'
import type { GlobalOptions, Runner } from '../context.ts'
import { report } from '../output.ts'

// `hearth trust …`: the person's seed set, blocks and thresholds, and why a peer has its score. The running daemon answers
// when there is one (one writer); otherwise the command works on the data directory's database directly.

type ChoiceView = PeerName & { readonly addedAt: number }
export type PeerTrustView = PeerName & PeerTrust
type Thresholds = Record<string, number>

/** Ask the daemon; with none running, open the database and answer here. */
async function invoke (opts: GlobalOptions, method: string, params: unknown = {}): Promise<unknown> {
  return await viaDaemonOrDatabase(opts, method, params, db => {
    const reputation = openReputation(db)
    // No UI listens here; the audit log still gets its line.
    const activity = new ActivityLog(db, Date.now)
    const handlers = trustChoiceHandlers({ reputation: () => reputation, db: () => db, changed: (summary, ref) => { activity.append({ kind: 'trust', summary, ...(ref === undefined ? {} : { ref }) }) } })
    return { handlers: asControlHandlers(handlers), close: () => { reputation.stop() } }
  })
}

const named = (p: PeerName): string => p.peerId === undefined ? p.baidId : `${p.peerId} (${p.baidId})`

export function trustCommand (program: Command, run: Runner): void {
  const trust = program.command('trust').description('who you trust: contacts, blocks, thresholds, and why a peer has its score')

  const contacts = trust.command('contacts').description('your seed set: peers whose judgement you start from')
  contacts.command('add <peer>').description('trust a peer (PeerId or BAID id) as a contact')
    .action(run(async (opts, peer) => {
      const r = await invoke(opts, 'trust.contacts.add', { peer }) as { peer: PeerName, changed: boolean }
      report(opts, r, v => v.changed ? `added ${named(v.peer)} to your contacts` : `${named(v.peer)} already is a contact`)
    }))
  contacts.command('remove <peer>').description('no longer start from this peer\'s judgement')
    .action(run(async (opts, peer) => {
      const r = await invoke(opts, 'trust.contacts.remove', { peer }) as { peer: PeerName, changed: boolean }
      report(opts, r, v => v.changed ? `removed ${named(v.peer)} from your contacts` : `${named(v.peer)} was not a contact`)
    }))
  contacts.command('list').description('your contacts')
    .action(run(async (opts) => {
      const r = await invoke(opts, 'trust.contacts.list') as { contacts: ChoiceView[] }
      report(opts, r, v => v.contacts.length === 0 ? 'no contacts' : v.contacts.map(named).join('\n'))
    }))

  trust.command('block <peer>').description('never offer work to or take work from this peer, in any topic')
    .action(run(async (opts, peer) => {
      const r = await invoke(opts, 'trust.block', { peer }) as { peer: PeerName, changed: boolean }
      report(opts, r, v => v.changed ? `blocked ${named(v.peer)}` : `${named(v.peer)} already is blocked`)
    }))
  trust.command('unblock <peer>').description('lift a block')
    .action(run(async (opts, peer) => {
      const r = await invoke(opts, 'trust.unblock', { peer }) as { peer: PeerName, changed: boolean }
      report(opts, r, v => v.changed ? `unblocked ${named(v.peer)}` : `${named(v.peer)} was not blocked`)
    }))
  trust.command('blocks').description('the peers you blocked')
    .action(run(async (opts) => {
      const r = await invoke(opts, 'trust.blocks.list') as { blocks: ChoiceView[] }
      report(opts, r, v => v.blocks.length === 0 ? 'no blocks' : v.blocks.map(named).join('\n'))
    }))

  trust.command('show <peer>').description('a peer\'s score and standing per topic, and the evidence behind it')
    .option('--topic <domain>', 'only this semantic domain')
    .action(run(async (opts, peer) => {
      const r = await invoke(opts, 'trust.show', { peer, ...(opts.topic === undefined ? {} : { topic: String(opts.topic) }) }) as PeerTrustView
      report(opts, r, describe)
    }))

  const threshold = trust.command('threshold').description('the lowest relative trust (0–1) a peer needs to be offered in a topic')
  threshold.command('set <topic> <min>').description('set a topic\'s threshold')
    .action(run(async (opts, topic, min) => {
      const r = await invoke(opts, 'trust.threshold.set', { topic, minTrust: Number(min) }) as { thresholds: Thresholds }
      report(opts, thresholdList(r.thresholds), listThresholds)
    }))
  threshold.command('clear <topic>').description('remove a topic\'s threshold')
    .action(run(async (opts, topic) => {
      const r = await invoke(opts, 'trust.threshold.clear', { topic }) as { thresholds: Thresholds }
      report(opts, thresholdList(r.thresholds), listThresholds)
    }))
  threshold.command('list').description('every threshold set')
    .action(run(async (opts) => {
      const r = await invoke(opts, 'trust.threshold.list') as { thresholds: Thresholds }
      report(opts, thresholdList(r.thresholds), listThresholds)
    }))
}

/** The CLI prints thresholds as a list (`topic`, `minTrust`), as it always has; the contract carries a map. */
function thresholdList (thresholds: Thresholds): { thresholds: Array<{ topic: string, minTrust: number }> } {
  return { thresholds: Object.entries(thresholds).map(([topic, minTrust]) => ({ topic, minTrust })) }
}

function listThresholds (r: { thresholds: Array<{ topic: string, minTrust: number }> }): string {
  return r.thresholds.length === 0 ? 'no thresholds: every peer that is not blocked or slashed may be offered' : r.thresholds.map(t => `${t.topic}: ${t.minTrust}`).join('\n')
}

function describe (v: PeerTrustView): string {
  const flags = [v.contact ? 'contact' : '', v.blocked ? 'blocked' : '', v.slashed ? 'slashed (verified fraud)' : ''].filter(f => f !== '')
  const lines = [`${named(v)}${flags.length === 0 ? '' : ` — ${flags.join(', ')}`}`]
  for (const t of v.topics) {
    lines.push(`  ${t.topic}: ${t.standing}, relative trust ${t.relative.toFixed(2)} (score ${t.score.toExponential(2)})${t.threshold === undefined ? '' : `, threshold ${t.threshold}`}`)
    for (const part of t.parts) {
      const from = part.kind === 'rating' ? ` from ${part.from} (${part.satisfied.toFixed(1)} good, ${part.unsatisfied.toFixed(1)} bad)` : part.kind === 'bridge' ? ` from ${part.fromTopic} (gate ${part.gate})` : ''
      lines.push(`    + ${part.kind}${from}: ${part.amount.toExponential(2)}`)
    }
    for (const penalty of t.penalties) lines.push(`    − ${penalty.kind}${'from' in penalty ? ` (${penalty.from})` : ''}${'fromTopic' in penalty ? ` (${penalty.fromTopic})` : ''}`)
  }
  return lines.join('\n')
}
