import type { Command } from 'commander'
import { z } from 'zod'
import { UsageError } from '../../api/errors.ts'
import type { PeerName, PeerTrust } from '../../api/trust.ts'
import { domainName } from '../../common/schema.ts'
import { openReputation } from '../../host.ts'
import { IdentityStore } from '../../identity/identity-store.ts'
import { agentKeyOf, baidIdOf, genesisHashOf, peerIdOf } from '../../identity/ids.ts'
import type { Reputation } from '../../reputation/service.ts'
import type { Database } from '../../store/database.ts'
import type { ControlHandler } from '../control.ts'
import { viaDaemonOrDatabase } from '../local.ts'
import type { GlobalOptions, Runner } from '../context.ts'
import { report } from '../output.ts'

// `hearth trust …`: the person's seed set, blocks and thresholds, and why a peer has its score. The running daemon answers
// when there is one (one writer); otherwise the command works on the data directory's database directly.

const PEER_NAME = 'a peer is a BAID id (baid:z…) or a PeerId (12D3KooW…)'
const MIN_TRUST = 'a threshold is a relative trust from 0 to 1, such as 0.3'
const PeerParam = z.object({ peer: z.string(PEER_NAME).min(1, PEER_NAME).max(128, PEER_NAME) }).strict()
const ShowParams = PeerParam.extend({ topic: domainName().optional() }).strict()
const ThresholdParams = z.object({ topic: domainName(), minTrust: z.number(MIN_TRUST).min(0, MIN_TRUST).max(1, MIN_TRUST) }).strict()
const TopicParam = z.object({ topic: domainName() }).strict()

/** Bad input is the person's to fix: one UsageError saying what is wrong, whether the daemon or this process answers. */
function parse<T> (schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params)
  if (!parsed.success) throw new UsageError([...new Set(parsed.error.issues.map(i => i.message))].join('; '))
  return parsed.data
}

type ChoiceView = PeerName & { readonly addedAt: number }
export type PeerTrustView = PeerName & PeerTrust

/** The trust commands as the daemon's control handlers; the CLI runs the same ones in-process when no daemon is up. */
export function trustHandlers (reputation: Reputation, db: Database): Record<string, ControlHandler> {
  const names = new PeerNames(db)
  const choices = (list: ReturnType<Reputation['contacts']>): ChoiceView[] => list.map(c => ({ ...names.describe(c.peer), addedAt: c.addedAt }))
  const onPeer = (change: (peer: Uint8Array) => boolean) => async (params: unknown) => {
    const peer = names.resolve(parse(PeerParam, params).peer)
    return { peer: names.describe(peer), changed: change(peer) }
  }
  return {
    'trust.contacts.add': onPeer(peer => reputation.addContact(peer)),
    'trust.contacts.remove': onPeer(peer => reputation.removeContact(peer)),
    'trust.contacts.list': async () => ({ contacts: choices(reputation.contacts()) }),
    'trust.block': onPeer(peer => reputation.block(peer)),
    'trust.unblock': onPeer(peer => reputation.unblock(peer)),
    'trust.blocks.list': async () => ({ blocks: choices(reputation.blocks()) }),
    'trust.show': async (params: unknown): Promise<PeerTrustView> => {
      const { peer, topic } = parse(ShowParams, params)
      const key = names.resolve(peer)
      return { ...names.describe(key), ...reputation.show(key, topic) }
    },
    'trust.threshold.set': async (params: unknown) => {
      const { topic, minTrust } = parse(ThresholdParams, params)
      reputation.setThreshold(topic, minTrust)
      return { thresholds: reputation.thresholds() }
    },
    'trust.threshold.clear': async (params: unknown) => {
      reputation.removeThreshold(parse(TopicParam, params).topic)
      return { thresholds: reputation.thresholds() }
    },
    'trust.threshold.list': async () => ({ thresholds: reputation.thresholds() })
  }
}

/** Peers as people name them: a BAID id always works; a PeerId works once its BAID is known here. */
export class PeerNames {
  private readonly identities: IdentityStore

  constructor (db: Database) {
    this.identities = new IdentityStore(db)
  }

  resolve (name: string): Uint8Array {
    if (name.startsWith('baid:')) return genesisHashOf(name)
    const baidId = this.identities.baidOfAgent(agentKeyOf(name))
    if (baidId === undefined) throw new UsageError(`no BAID is known here for ${name}`, { hint: 'use their BAID id (baid:z…, from `hearth id show`), or wait until their announcements arrive' })
    return genesisHashOf(baidId)
  }

  describe (genesisHash: Uint8Array): PeerName {
    const baidId = baidIdOf(genesisHash)
    const agent = this.identities.agentOf(baidId)
    return agent === undefined ? { baidId } : { baidId, peerId: peerIdOf(agent) }
  }
}

/** Ask the daemon; with none running, open the database and answer here. */
async function invoke (opts: GlobalOptions, method: string, params: unknown = {}): Promise<unknown> {
  return await viaDaemonOrDatabase(opts, method, params, db => {
    const reputation = openReputation(db)
    return { handlers: trustHandlers(reputation, db), close: () => { reputation.stop() } }
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
      const r = await invoke(opts, 'trust.threshold.set', { topic, minTrust: Number(min) }) as { thresholds: Array<{ topic: string, minTrust: number }> }
      report(opts, r, listThresholds)
    }))
  threshold.command('clear <topic>').description('remove a topic\'s threshold')
    .action(run(async (opts, topic) => {
      const r = await invoke(opts, 'trust.threshold.clear', { topic }) as { thresholds: Array<{ topic: string, minTrust: number }> }
      report(opts, r, listThresholds)
    }))
  threshold.command('list').description('every threshold set')
    .action(run(async (opts) => {
      const r = await invoke(opts, 'trust.threshold.list') as { thresholds: Array<{ topic: string, minTrust: number }> }
      report(opts, r, listThresholds)
    }))
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
