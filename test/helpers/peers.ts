import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { afterEach } from 'vitest'
import { TOPICS } from '../../core/discovery/descriptor.ts'
import { createPeer, type HearthPeer, type PeerInit } from '../../core/net/peer.ts'
import { announceTopic, BROADCAST_TOPIC } from '../../core/net/protocols.ts'

export const ALL_TOPICS = [...TOPICS.map(announceTopic), BROADCAST_TOPIC]

/** Real libp2p peers on loopback, stopped after each test. */
export function peerFactory () {
  const started: HearthPeer[] = []
  afterEach(async () => { await Promise.all(started.splice(0).map(p => p.stop())) })
  return async (init: Partial<PeerInit> & { privateKey?: Ed25519PrivateKey } = {}): Promise<HearthPeer> => {
    const peer = await createPeer({
      privateKey: init.privateKey ?? await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      topics: ALL_TOPICS,
      colocationWhitelist: ['127.0.0.1'],
      dhtServer: true,
      ...init
    })
    started.push(peer)
    return peer
  }
}

/** Wait until `check` holds, polling; fails with `what` after the timeout. */
export async function eventually (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}
