import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { PeerId } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { MessageTooLargeError } from '../api/errors.ts'
import { MAX_FRAME_BYTES } from './limits.ts'
import { anySignal } from '../common/abort.ts'
import { abuseIn, countReceived, reportStreamAbuse } from './stream-abuse.ts'

// One request, one response, each a length-prefixed frame with its own size limit.

export interface RequestLimits {
  readonly maxRequestBytes: number
  readonly maxResponseBytes: number
  readonly timeoutMs: number
}

export type RequestHandler = (request: Uint8Array, from: PeerId) => Promise<Uint8Array>

/** Serve `protocol`: read one bounded request, answer with one frame, close. Over relays too. */
export async function serve (node: Libp2p, protocol: string, limits: RequestLimits, handler: RequestHandler): Promise<void> {
  await node.handle(protocol, async (stream: Stream, connection: Connection) => {
    const signal = AbortSignal.timeout(limits.timeoutMs)
    const lp = lpStream(stream, { maxDataLength: Math.min(limits.maxRequestBytes, MAX_FRAME_BYTES) })
    const received = countReceived(stream)
    let request: Uint8Array | undefined
    try {
      request = (await lp.read({ signal })).subarray()
      const response = await handler(request, connection.remotePeer)
      if (response.byteLength > limits.maxResponseBytes) throw new MessageTooLargeError(`${protocol} response of ${response.byteLength} bytes is over the limit`)
      await lp.write(response, { signal })
      await stream.close({ signal })
    } catch (err) {
      const abuse = abuseIn(err, request === undefined && signal.aborted && received.bytes > 0)
      if (abuse !== undefined) reportStreamAbuse(node, connection.remotePeer, protocol, abuse)
      stream.abort(err as Error)
    } finally {
      received.stop()
    }
  }, { runOnLimitedConnection: true, maxInboundStreams: 64 })
}

/** Send one request to `peer` and read its bounded answer. */
export async function request (node: Libp2p, peer: PeerId, protocol: string, body: Uint8Array, limits: RequestLimits, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  const signal = anySignal(options.signal, AbortSignal.timeout(limits.timeoutMs))
  const stream = await node.dialProtocol(peer, protocol, { signal, runOnLimitedConnection: true })
  try {
    const lp = lpStream(stream, { maxDataLength: Math.min(limits.maxResponseBytes, MAX_FRAME_BYTES) })
    await lp.write(body, { signal })
    const response = (await lp.read({ signal })).subarray()
    await stream.close({ signal })
    return response
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
