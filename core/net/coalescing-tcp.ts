import { Socket } from 'node:net'
import type { MultiaddrConnection, Transport, Upgrader } from '@libp2p/interface'
import { tcp, type TCPComponents, type TCPOptions } from '@libp2p/tcp'
import type { Uint8ArrayList } from 'uint8arraylist'

// Noise hands TCP each frame as its length prefix and its ciphertext, which TCP wrote as two syscalls (two segments, two
// wake-ups at the other end). Corking the socket around each hand-over sends them as one writev: fewer syscalls, less CPU.

/** TCP whose connections send each buffer list they are handed as one write. */
export function coalescingTcp (init?: TCPOptions): (components: TCPComponents) => Transport {
  const create = tcp(init)
  return components => {
    const transport = create(components)
    const dial = transport.dial.bind(transport)
    const createListener = transport.createListener.bind(transport)
    transport.dial = async (ma, options) => await dial(ma, { ...options, upgrader: coalescing(options.upgrader) })
    transport.createListener = options => createListener({ ...options, upgrader: coalescing(options.upgrader) })
    return transport
  }
}

/** The upgrader, coalescing the writes of each raw connection it is handed before upgrading it. */
function coalescing (upgrader: Upgrader): Upgrader {
  return Object.assign(Object.create(upgrader) as Upgrader, {
    upgradeInbound: async (conn: MultiaddrConnection, opts: Parameters<Upgrader['upgradeInbound']>[1]) => { coalesceWrites(conn); await upgrader.upgradeInbound(conn, opts) },
    upgradeOutbound: async (conn: MultiaddrConnection, opts: Parameters<Upgrader['upgradeOutbound']>[1]) => { coalesceWrites(conn); return await upgrader.upgradeOutbound(conn, opts) }
  })
}

interface SocketConnection {
  socket?: unknown
  sendData: (data: Uint8ArrayList) => { sentBytes: number, canSendMore: boolean }
}

function coalesceWrites (conn: MultiaddrConnection): void {
  const raw = conn as unknown as SocketConnection
  const socket = raw.socket
  if (!(socket instanceof Socket) || typeof raw.sendData !== 'function') return
  const send = raw.sendData.bind(raw)
  // Uncorked before returning: holding writes until later in the tick measured slower, as the peer waited on our other work.
  raw.sendData = data => {
    socket.cork()
    try {
      return send(data)
    } finally {
      socket.uncork()
    }
  }
}
