import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

// js-yamux (8.x) grants receive credit back after every data frame it reads: each message costs a window-update frame the
// other way, encrypted, sent and parsed (measured: the most written frame of a task round trip, and 7% of a node's CPU under
// a gossip flood). Like go-yamux and rust-yamux, grant it once half the window is used; the sender always has half to go on.

/** The fields of YamuxStream this reads: private in its typings, stable across 8.x. */
interface StreamWindow { state: StreamState, recvWindow: number, recvWindowCapacity: number }

let applied = false

/** Applies once per process; a later yamux that changed these fields is left as it is. */
export function grantCreditByHalves (): void {
  if (applied) return
  applied = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate (this: StreamWindow): void }
  const perFrame = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: StreamWindow) {
    const known = typeof this.recvWindow === 'number' && typeof this.recvWindowCapacity === 'number'
    // Established with more than half the window still open: no frame yet. Any other state (opening, paused) as before.
    if (known && this.state === StreamState.Established && this.recvWindowCapacity * 2 > this.recvWindow) return
    perFrame.call(this)
  }
}
