import type { PeerId } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { z } from 'zod'
import { MalformedMessageError } from '../api/errors.ts'
import { decode, encode } from '../common/codec.ts'
import { bytes } from '../common/schema.ts'
import { answerChallenge, ChallengeSchema, createChallenge, verifyChallengeAnswer } from '../execution/challenge.ts'
import type { BaidChain } from '../identity/baid.ts'
import { Domains } from '../identity/domains.ts'
import type { Signer } from '../identity/envelope.ts'
import { agentKeyOf, agentPeerId } from '../identity/ids.ts'
import { request, serve, type RequestHandler, type RequestLimits } from '../net/frames.ts'
import { RequestSessions, serveSessions } from '../net/session.ts'
import { StreamProtocols } from '../net/protocols.ts'

// The task protocol's framing (docs/protocol.md §7.4): every exchange is one request frame and one response frame, each
// `{m: signed task message, x: attachment}` in DAG-CBOR, over a long-lived session per peer (many exchanges at once, each
// under its id). The T2 challenge is its own small protocol.

/** A task request (64 KiB envelope) with the requester's BAID bundle, or an award with the task input (≤ 64 KiB), and framing. */
export const MAX_TASK_REQUEST_BYTES = 192 * 1024
/** A result (64 KiB envelope) with a T3 evidence package (256 tool calls at most). */
export const MAX_TASK_RESPONSE_BYTES = 512 * 1024
/** The largest task input an award carries. */
export const MAX_TASK_INPUT_BYTES = 64 * 1024
/** A request may wait for the provider's person, and an award for the tool: the task's deadline bounds both, this bounds the stream. */
export const TASK_STREAM_TIMEOUT_MS = 15 * 60_000
/** Exchanges one session serves at once (each may wait for a person or a tool); more wait to be read. */
const MAX_CONCURRENT_EXCHANGES = 32

const SERVER_LIMITS: RequestLimits = { maxRequestBytes: MAX_TASK_REQUEST_BYTES, maxResponseBytes: MAX_TASK_RESPONSE_BYTES, timeoutMs: TASK_STREAM_TIMEOUT_MS }
const CHALLENGE_LIMITS: RequestLimits = { maxRequestBytes: 256, maxResponseBytes: Domains.challenge.maxBytes, timeoutMs: 5_000 }

export interface TaskFrame {
  /** A signed `hearth/task` envelope, or a co-signed receipt in a receipt response. */
  readonly m?: Uint8Array
  /** The request's BAID bundle, the award's input, or the result's evidence package. */
  readonly x?: Uint8Array
}

const FrameSchema = z.object({ m: bytes().optional(), x: bytes().optional() }).strict()

export function encodeFrame (frame: TaskFrame): Uint8Array {
  return encode(Object.fromEntries(Object.entries(frame).filter(([, v]) => v !== undefined)))
}

/** Size first (by the stream's read limit), then canonical DAG-CBOR, then shape. */
export function decodeFrame (frameBytes: Uint8Array, maxBytes: number): TaskFrame {
  const parsed = FrameSchema.safeParse(decode(frameBytes, maxBytes, 'task frame'))
  if (!parsed.success) throw new MalformedMessageError(`task frame has the wrong shape: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/** The agent key a connection is authenticated to (Noise): a message must be signed by the peer that sent it. */
export function agentOfPeer (peer: PeerId): Uint8Array {
  // Read off the PeerId itself: a string round trip (base58 out and back) per message costs more than the rest of the check.
  return peer.type === 'Ed25519' ? peer.publicKey.raw : agentKeyOf(peer.toString())
}

export async function serveTasks (node: Libp2p, handler: (frame: TaskFrame, from: PeerId) => Promise<TaskFrame>): Promise<void> {
  const onRequest: RequestHandler = async (body, from) => encodeFrame(await handler(decodeFrame(body, MAX_TASK_REQUEST_BYTES), from))
  // A request may wait for the person and an award for the tool: a session answers many at once, each when ready.
  await serveSessions(node, StreamProtocols.task, SERVER_LIMITS, onRequest, { concurrency: MAX_CONCURRENT_EXCHANGES })
}

/** Each node's task sessions, one per peer. */
const sessions = new WeakMap<Libp2p, RequestSessions>()

/** One exchange with a provider or requester; `timeoutMs` bounds this exchange, the signal the task. */
export async function askTask (node: Libp2p, agent: Uint8Array, frame: TaskFrame, options: { timeoutMs: number, signal?: AbortSignal }): Promise<TaskFrame> {
  let own = sessions.get(node)
  if (own === undefined) sessions.set(node, own = new RequestSessions(node, StreamProtocols.task, SERVER_LIMITS))
  const answer = await own.request(agentPeerId(agent), encodeFrame(frame), { timeoutMs: Math.max(1, options.timeoutMs), ...(options.signal === undefined ? {} : { signal: options.signal }) })
  return decodeFrame(answer, MAX_TASK_RESPONSE_BYTES)
}

/** End a node's task sessions (when it stops). */
export function closeTaskSessions (node: Libp2p): void {
  sessions.get(node)?.close()
  sessions.delete(node)
}

/** Answer T2 live challenges addressed to this agent's BAID with its current agent key. */
export async function serveChallenges (node: Libp2p, own: () => Promise<{ signer: Signer, baidId: string }>): Promise<void> {
  await serve(node, StreamProtocols.challenge, CHALLENGE_LIMITS, async body => {
    const parsed = ChallengeSchema.safeParse(decode(body, CHALLENGE_LIMITS.maxRequestBytes, 'challenge'))
    if (!parsed.success) throw new MalformedMessageError(`challenge has the wrong shape: ${z.prettifyError(parsed.error)}`)
    return answerChallenge(parsed.data, await own())
  })
}

/** T2: the agent behind `chain` signs a fresh nonce for us now; throws ChallengeFailedError (or a signature error) otherwise. */
export async function challengeAgent (node: Libp2p, challenger: Uint8Array, chain: BaidChain, options: { signal?: AbortSignal } = {}): Promise<number> {
  const challenge = createChallenge(challenger, chain.baidId)
  const started = Date.now()
  const answer = await request(node, agentPeerId(chain.head.record.agent), StreamProtocols.challenge, encode(challenge), CHALLENGE_LIMITS, options)
  verifyChallengeAnswer(answer, challenge, chain)
  return Date.now() - started
}
