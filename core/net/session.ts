import type { Libp2p } from 'libp2p'
import type { PeerId, Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { z } from 'zod'
import { MalformedMessageError, MessageTooLargeError, RemoteRequestError } from '../api/errors.ts'
import { decode, encode } from '../common/codec.ts'
import { bytes } from '../common/schema.ts'
import type { RequestHandler, RequestLimits } from './frames.ts'
import { anySignal, raceSignal } from '../common/abort.ts'
import { abuseIn, countReceived, reportStreamAbuse } from './stream-abuse.ts'

// Many requests over one long-lived stream per peer, each frame tagged with its request's id. A new stream costs a
// protocol negotiation and peer-store updates on both sides, which on a busy peer cost more than the request itself
// (on loopback: 2.5 ms and 3.9 ms of CPU per request with a stream each, 0.5 ms and 0.8 ms over a session).

/** The longest reason an error answer carries. */
const MAX_ERROR_CHARS = 512
/** Opening a session waits at most this long, whatever the requests' own deadlines. */
const OPEN_TIMEOUT_MS = 30_000

const RequestId = z.number().int().min(0).max(0xffff_ffff)
const Frame = z.object({ i: RequestId, m: bytes() }).strict()
/** An answer is the response, or why the server could not give one (`e`): only that request fails, the session goes on. */
const AnswerFrame = z.union([Frame, z.object({ i: RequestId, e: z.string().max(MAX_ERROR_CHARS) }).strict()])
/** DAG-CBOR framing around a request or response: the map, its keys and the id. */
const FRAME_OVERHEAD = 32
/** Sessions one peer may hold open with us on one protocol. */
const MAX_INBOUND_SESSIONS = 4

/** Unread request bytes one session may hold: a deep pipeline of whole requests, never an endless length prefix. */
const MAX_PIPELINED_REQUESTS = 64

export interface SessionOptions {
  /** Requests of one session handled at once (1: one after another); beyond it, the next is read when one is answered. */
  readonly concurrency?: number
}

/**
 * Serve `protocol` as sessions: read requests, answer each under its id, until the stream ends. A request the handler
 * fails gets an error answer; one that is malformed or too large ends the session, as a broken stream would.
 */
export async function serveSessions (node: Libp2p, protocol: string, limits: RequestLimits, handler: RequestHandler, options: SessionOptions = {}): Promise<void> {
  const concurrency = Math.max(1, options.concurrency ?? 1)
  await node.handle(protocol, async (stream, connection) => {
    const maxFrame = limits.maxRequestBytes + FRAME_OVERHEAD
    const lp = lpStream(stream, { maxDataLength: maxFrame })
    // The length-prefixed reader buffers a length prefix without bound and a session has no overall deadline, so a watchdog
    // holds the sender to whole requests: bytes received past the last whole one must stay few and must not stall.
    const received = countReceived(stream)
    let consumed = 0
    let reading = false
    let stalledAt = -1
    let abuse: string | undefined
    const fail = (reason: string, cause?: unknown): void => {
      if (abuse !== undefined) return
      abuse = reason
      reportStreamAbuse(node, connection.remotePeer, protocol, reason)
      stream.abort(cause instanceof Error ? cause : new MalformedMessageError(`${protocol} session: ${reason}`))
    }
    const overflow = (): void => {
      if (received.bytes - consumed > MAX_PIPELINED_REQUESTS * (maxFrame + MAX_LENGTH_PREFIX_BYTES)) fail('more unread request bytes than a session may queue')
    }
    stream.addEventListener('message', overflow)
    const watchdog = setInterval(() => {
      const partial = reading && received.bytes > consumed
      if (partial && stalledAt === consumed) fail('request not finished before the deadline')
      stalledAt = partial ? consumed : -1
    }, limits.timeoutMs)
    watchdog.unref()
    const inFlight = new Set<Promise<void>>()
    // Answers go out whole and one at a time, in the order they are ready.
    let writing: Promise<void> = Promise.resolve()
    const answer = async (frame: { i: number, m: Uint8Array }): Promise<void> => {
      let reply: Record<string, unknown>
      try {
        const response = await handler(frame.m, connection.remotePeer)
        reply = response.byteLength > limits.maxResponseBytes ? { i: frame.i, e: `the response of ${response.byteLength} bytes is over the limit` } : { i: frame.i, m: response }
      } catch (err) {
        const reason = abuseIn(err, false)
        // A malformed or oversized request is the sender's fault, as on a stream of its own: the session ends.
        if (reason !== undefined) { fail(reason, err); return }
        reply = { i: frame.i, e: errorText(err) }
      }
      const write = writing.then(async () => { await lp.write(encode(reply), { signal: AbortSignal.timeout(limits.timeoutMs) }) })
      writing = write.catch(() => undefined)
      await write.catch((err: unknown) => { stream.abort(err as Error) })
    }
    try {
      for (;;) {
        reading = true
        const data = (await lp.read()).subarray()
        reading = false
        consumed += data.byteLength + lengthPrefixBytes(data.byteLength)
        const frame = readFrame(data, maxFrame)
        const handling: Promise<void> = answer(frame).finally(() => inFlight.delete(handling))
        inFlight.add(handling)
        if (inFlight.size >= concurrency) await Promise.race(inFlight)
      }
    } catch (err) {
      if (abuse === undefined) {
        const reason = abuseIn(err, false)
        if (reason !== undefined) reportStreamAbuse(node, connection.remotePeer, protocol, reason)
      }
      stream.abort(err as Error) // the stream ended, or the peer sent something malformed: either way this session is over
    } finally {
      clearInterval(watchdog)
      received.stop()
      stream.removeEventListener('message', overflow)
    }
  }, { runOnLimitedConnection: true, maxInboundStreams: MAX_INBOUND_SESSIONS })
}

/** A varint length prefix is at most this long for any frame we accept. */
const MAX_LENGTH_PREFIX_BYTES = 5

function lengthPrefixBytes (length: number): number {
  let bytes = 1
  for (let n = length; n >= 0x80; n = Math.floor(n / 0x80)) bytes++
  return bytes
}

/** The requesting side: one session per peer, opened on first use and dropped when its stream fails. */
export class RequestSessions {
  private readonly node: Libp2p
  private readonly protocol: string
  private readonly limits: RequestLimits
  private readonly sessions = new Map<string, Promise<Session>>()

  constructor (node: Libp2p, protocol: string, limits: RequestLimits) {
    this.node = node
    this.protocol = protocol
    this.limits = limits
  }

  /** Send one request to `peer` over its session and await the answer under the request's own deadline (`timeoutMs`, else the limits'). */
  async request (peer: PeerId, body: Uint8Array, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<Uint8Array> {
    if (body.byteLength > this.limits.maxRequestBytes) throw new MessageTooLargeError(`${this.protocol} request of ${body.byteLength} bytes is over the limit`)
    const signal = anySignal(options.signal, AbortSignal.timeout(options.timeoutMs ?? this.limits.timeoutMs))
    const session = await this.sessionWith(peer, signal)
    return await session.request(body, signal)
  }

  /** End every session (on stop). */
  close (): void {
    for (const session of this.sessions.values()) void session.then(s => s.close(), () => undefined)
    this.sessions.clear()
  }

  private async sessionWith (peer: PeerId, signal: AbortSignal): Promise<Session> {
    const key = peer.toString()
    let session = this.sessions.get(key)
    if (session === undefined) {
      // Opened without the caller's signal: the session outlives this request, only its opening is bounded.
      session = this.node.dialProtocol(peer, this.protocol, { signal: AbortSignal.timeout(Math.min(this.limits.timeoutMs, OPEN_TIMEOUT_MS)), runOnLimitedConnection: true })
        .then(stream => new Session(stream, this.limits, () => { if (this.sessions.get(key) === session) this.sessions.delete(key) }))
      session.catch(() => { if (this.sessions.get(key) === session) this.sessions.delete(key) })
      this.sessions.set(key, session)
    }
    return await raceSignal(session, signal)
  }
}

class Session {
  private readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>
  private readonly limits: RequestLimits
  private readonly pending = new Map<number, { resolve: (answer: Uint8Array) => void, reject: (err: Error) => void }>()
  private readonly onEnd: () => void
  private nextId = 0
  private ended: Error | undefined

  constructor (stream: Stream, limits: RequestLimits, onEnd: () => void) {
    this.stream = stream
    this.limits = limits
    this.onEnd = onEnd
    this.lp = lpStream(stream, { maxDataLength: limits.maxResponseBytes + FRAME_OVERHEAD })
    void this.readAnswers()
  }

  async request (body: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    if (this.ended !== undefined) throw this.ended
    const id = this.nextId
    this.nextId = (this.nextId + 1) % 0x1_0000_0000
    const answer = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    answer.catch(() => undefined) // if the write fails, nobody awaits the answer the session's end rejects
    try {
      await this.lp.write(encode({ i: id, m: body }), { signal })
      return await raceSignal(answer, signal)
    } finally {
      // Answered, timed out or failed: a late answer under this id is dropped.
      this.pending.delete(id)
    }
  }

  close (): void {
    this.end(new Error('session closed'))
    this.stream.abort(new Error('session closed'))
  }

  private async readAnswers (): Promise<void> {
    try {
      for (;;) {
        const frame = readAnswer((await this.lp.read()).subarray(), this.limits.maxResponseBytes + FRAME_OVERHEAD)
        if ('m' in frame) this.pending.get(frame.i)?.resolve(frame.m)
        else this.pending.get(frame.i)?.reject(new RemoteRequestError(frame.e))
      }
    } catch (err) {
      this.end(err as Error)
      this.stream.abort(err as Error)
    }
  }

  private end (err: Error): void {
    if (this.ended !== undefined) return
    this.ended = err
    for (const { reject } of this.pending.values()) reject(err)
    this.pending.clear()
    this.onEnd()
  }
}

/** One session request frame off the wire; a bad one is a named error (the caller ends the session on it). */
export function readFrame (data: Uint8Array, maxBytes: number): z.infer<typeof Frame> {
  return frameOf(Frame, data, maxBytes)
}

/** One session answer frame off the wire: a response, or the reason the server gave for failing the request. */
export function readAnswer (data: Uint8Array, maxBytes: number): z.infer<typeof AnswerFrame> {
  return frameOf(AnswerFrame, data, maxBytes)
}

function frameOf<T> (schema: z.ZodType<T>, data: Uint8Array, maxBytes: number): T {
  const parsed = schema.safeParse(decode(data, maxBytes, 'session frame'))
  if (!parsed.success) throw new MalformedMessageError(`session frame has the wrong shape: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/** What a failed request's answer says: the error's name and message, cut to fit. */
function errorText (err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  return text.slice(0, MAX_ERROR_CHARS)
}
