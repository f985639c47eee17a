import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'

// Counts every byte this process writes to TCP sockets (libp2p's connections), through Node's diagnostics
// channels, so the testnet measures what really went on the wire, framing and control messages included.

export class SocketMeter {
  private closed = 0
  private readonly live = new Set<Socket>()

  start (): void {
    subscribe('net.client.socket', message => this.track((message as { socket: Socket }).socket, false))
    subscribe('net.server.socket', message => this.track((message as { socket: Socket }).socket, true))
  }

  /** Bytes written to TCP sockets so far, open and closed. */
  bytesWritten (): number {
    let total = this.closed
    for (const socket of this.live) total += socket.bytesWritten
    return total
  }

  private track (socket: Socket, accepted: boolean): void {
    const adopt = (): void => {
      // Only TCP: the local control socket (a Unix socket or pipe) has no remote family.
      if (socket.remoteFamily === undefined) return
      this.live.add(socket)
      socket.once('close', () => {
        this.closed += socket.bytesWritten
        this.live.delete(socket)
      })
    }
    if (accepted) adopt()
    else socket.once('connect', adopt)
  }
}
