import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { Identity } from '../../core/identity/identity.ts'
import { IdentityStore } from '../../core/identity/identity-store.ts'
import { Keystore } from '../../core/identity/keystore.ts'
import { MemorySecretStore } from '../../core/identity/secret-store/memory.ts'
import { BaidVerifier } from '../../core/identity/verifier.ts'
import { migrations } from '../../core/migrations.ts'
import { openDatabase } from '../../core/store/database.ts'
import { digest } from '../helpers/identity.ts'
import { tempDir } from '../helpers/tmp.ts'

// The agent key IS the libp2p key: a node built from it has the BAID's PeerId, and peers see that PeerId over real TCP.

const nodes: Libp2p[] = []
afterEach(async () => { await Promise.all(nodes.splice(0).map(n => n.stop())) })

async function agent () {
  const db = openDatabase(`${tempDir()}/hearth.sqlite`, migrations)
  const identity = new Identity({ store: new IdentityStore(db), keystore: new Keystore(new MemorySecretStore()), verifier: new BaidVerifier() })
  const info = await identity.create({ codeDigest: digest('code'), configDigest: digest('config') })
  const node = await createLibp2p({
    privateKey: await identity.libp2pKey(),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  nodes.push(node)
  return { identity, info, node }
}

describe('agent key = libp2p key', () => {
  it('a libp2p node created from the agent key has the PeerId the BAID names', async () => {
    const { info, node } = await agent()
    expect(node.peerId.toString()).toBe(info.peerId)
  })

  it('a peer dialling over TCP + Noise authenticates the BAID\'s PeerId, and after rotation the new one', async () => {
    const a = await agent()
    const b = await agent()
    const conn = await b.node.dial(a.node.getMultiaddrs()[0]!)
    expect(conn.remotePeer.toString()).toBe(a.info.peerId)

    const rotated = await a.identity.rotate({ codeDigest: digest('code'), configDigest: digest('config') })
    const a2 = await createLibp2p({
      privateKey: await a.identity.libp2pKey(),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
    nodes.push(a2)
    const conn2 = await b.node.dial(a2.getMultiaddrs()[0]!)
    expect(conn2.remotePeer.toString()).toBe(rotated.peerId)
    expect(rotated.peerId).not.toBe(a.info.peerId)
  })
})
