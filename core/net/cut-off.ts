import { forgetCachedScores, gossipScore } from './gossip-config.ts'
import type { HearthPeer } from './peer.ts'

// A shunned peer is cut off, not only refused its next connection: what it sends on an open one costs us still. gossipsub
// caches each peer's score for a heartbeat: when standings change the cache is dropped, so a newly shunned peer's next RPC
// is graylisted and, hung up on, it leaves with the negative score gossipsub keeps (it forgets a departed peer's score ≥ 0).

/** Standings change in bursts (several offences, a recompute): one look at the connections after them. */
const CUT_OFF_DELAY_MS = 500

/** Returns what to call when standings change: a moment later, every connected peer `shuns` names is hung up on. */
export function cutOffShunned (peer: HearthPeer, shuns: (peerId: string) => boolean): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const soon = (): void => {
    if (peer.status !== 'started') return
    forgetCachedScores(peer.services.pubsub)
    if (timer !== undefined) return
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
