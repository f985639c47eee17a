import { Socket } from 'node:net'

// What this process hands its TCP sockets while `fn` runs: the buffers given to `write`, and the writes that reached the
// kernel (one per syscall, several buffers in a writev) with their sizes in bytes.

export interface SocketWrites { buffers: number, writes: number, sizes: number[] }

export async function socketWrites (fn: () => Promise<unknown>): Promise<SocketWrites> {
  const proto = Socket.prototype as unknown as { write: (...args: unknown[]) => boolean, _writeGeneric: (writev: boolean, data: unknown, ...rest: unknown[]) => unknown }
  const { write, _writeGeneric: writeGeneric } = proto
  const counts: SocketWrites = { buffers: 0, writes: 0, sizes: [] }
  const size = (chunk: unknown): number => (chunk as { chunk?: Uint8Array }).chunk?.byteLength ?? (chunk as Uint8Array).byteLength ?? 0
  proto.write = function (this: Socket, ...args: unknown[]) { counts.buffers++; return write.apply(this, args) }
  proto._writeGeneric = function (this: Socket, writev, data, ...rest) {
    counts.writes++
    counts.sizes.push(writev ? (data as unknown[]).reduce<number>((n, c) => n + size(c), 0) : size(data))
    return writeGeneric.call(this, writev, data, ...rest)
  }
  try {
    await fn()
  } finally {
    Object.assign(proto, { write, _writeGeneric: writeGeneric })
  }
  return counts
}
