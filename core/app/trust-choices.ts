import type { PeerName } from '../api/trust.ts'
import type { Reputation } from '../reputation/service.ts'
import type { Database } from '../store/database.ts'
import type { Handlers } from './context.ts'
import { PeerNames } from './peer-names.ts'

// The person's own trust choices: contacts (the seed set), blocks and per-topic thresholds, and why a peer has its score.
// The daemon, the UI and the CLI without a daemon all answer with these.

export interface TrustChoiceDeps {
  readonly reputation: () => Reputation
  readonly db: () => Database
  /** Told of every change, for the audit log. */
  readonly changed?: (summary: string, ref?: string) => void
}

const named = (p: PeerName): string => p.peerId === undefined ? p.baidId : `${p.peerId} (${p.baidId})`

export function trustChoiceHandlers (deps: TrustChoiceDeps): Handlers {
  const names = (): PeerNames => new PeerNames(deps.db())
  const choices = (list: ReturnType<Reputation['contacts']>): Array<PeerName & { addedAt: number }> => {
    const n = names()
    return list.map(c => ({ ...n.describe(c.peer), addedAt: c.addedAt }))
  }
  const onPeer = (change: (peer: Uint8Array) => boolean, what: string) => async ({ peer }: { peer: string }) => {
    const n = names()
    const key = n.resolve(peer)
    const result = { peer: n.describe(key), changed: change(key) }
    if (result.changed) deps.changed?.(`${what} ${named(result.peer)}`, result.peer.baidId)
    return result
  }
  return {
    'trust.contacts.add': onPeer(peer => deps.reputation().addContact(peer), 'added a contact:'),
    'trust.contacts.remove': onPeer(peer => deps.reputation().removeContact(peer), 'removed a contact:'),
    'trust.contacts.list': async () => ({ contacts: choices(deps.reputation().contacts()) }),
    'trust.block': onPeer(peer => deps.reputation().block(peer), 'blocked'),
    'trust.unblock': onPeer(peer => deps.reputation().unblock(peer), 'unblocked'),
    'trust.blocks.list': async () => ({ blocks: choices(deps.reputation().blocks()) }),
    'trust.show': async ({ peer, topic }) => {
      const n = names()
      const key = n.resolve(peer)
      return { ...n.describe(key), ...deps.reputation().show(key, topic) }
    },
    'trust.threshold.set': async ({ topic, minTrust }) => {
      deps.reputation().setThreshold(topic, minTrust)
      deps.changed?.(`threshold in ${topic} set to ${minTrust}`, topic)
      return { thresholds: thresholdMap(deps.reputation()) }
    },
    'trust.threshold.clear': async ({ topic }) => {
      deps.reputation().removeThreshold(topic)
      deps.changed?.(`threshold in ${topic} cleared`, topic)
      return { thresholds: thresholdMap(deps.reputation()) }
    },
    'trust.threshold.list': async () => ({ thresholds: thresholdMap(deps.reputation()) })
  }
}

/** Topic → minimum relative trust, as the contract carries thresholds. */
function thresholdMap (reputation: Reputation): Record<string, number> {
  return Object.fromEntries(reputation.thresholds().map(t => [t.topic, t.minTrust]))
}
