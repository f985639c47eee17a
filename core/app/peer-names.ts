import { UsageError } from '../api/errors.ts'
import type { PeerName } from '../api/trust.ts'
import { IdentityStore } from '../identity/identity-store.ts'
import { agentKeyOf, baidIdOf, genesisHashOf, peerIdOf } from '../identity/ids.ts'
import type { Database } from '../store/database.ts'

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
