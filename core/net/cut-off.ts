import { gossipScore } from './gossip-config.ts'
import type { HearthPeer } from './peer.ts'

// A shunned peer is cut off, not only refused its next connection: what it sends on an open one costs us still. Only once
// gossipsub's score for it shows the penalty (it caches scores for a heartbeat): gossipsub keeps a departed peer's score only
// if it is negative then. Its RPCs are graylisted meanwhile.

/** Two gossipsub heartbeats: by then a shunned peer's cached score usually shows its penalty. */
const CUT_OFF_DELAY_MS = 2_000

/** Returns what to call when standings change: a moment later, every connected peer `shuns` names is hung up on. */
export function cutOffShunned (peer: HearthPeer, shuns: (peerId: string) => boolean): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const soon = (): void => {
    if (timer !== undefined || peer.status !== 'started') return
    timer = setTimeout(() => {
      timer = undefined
      const gossiping = new Set(peer.services.pubsub.getPeers().map(String))
      for (const remote of peer.getPeers()) {
        const id = remote.toString()
        if (!shuns(id)) continue
        // A peer gossipsub never scored has no score to keep.
        if (gossipScore(peer.services.pubsub, id) < 0 || !gossiping.has(id)) void peer.hangUp(remote).catch(() => undefined)
        else soon()
      }
    }, CUT_OFF_DELAY_MS)
    timer.unref()
  }
  peer.addEventListener('stop', () => { clearTimeout(timer) }, { once: true })
  return soon
}
