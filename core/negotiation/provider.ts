import type { PeerId } from '@libp2p/interface'
import { TaskCanceledError, TaskDeadlineError, TaskProtocolError } from '../api/errors.ts'
import type { Offer, TaskRequest } from '../api/negotiation.ts'
import { DATA_CLASSES, type DataClass } from '../api/policy.ts'
import { decode, encode, equalBytes } from '../common/codec.ts'
import { whileInFlight } from '../common/event-loop.ts'
import { sha256 } from '../common/hash.ts'
import { encodeEvidence } from '../execution/evidence-package.ts'
import { EvidenceRecorder } from '../execution/evidence-recorder.ts'
import type { JsonObject, LocalExecutor, ToolResult } from '../execution/tool.ts'
import type { Signer } from '../identity/envelope.ts'
import { hex, peerIdOf } from '../identity/ids.ts'
import type { Policy, ServeAsk } from '../policy/service.ts'
import { countersignReceipt, signReceipt } from '../reputation/receipt.ts'
import { bestResponse, type ProviderProfile } from './best-response.ts'
import type { ExecutionHistory } from './execution-history.ts'
import { HeldResults, type HeldResultsInit } from './held-results.ts'
import { isTerminal } from './lifecycle.ts'
import { decodeTaskMessage, encodeOffer, encodeTaskResult, MAX_INLINE_BYTES, MAX_RESULT_BYTES, RESULT_CHUNK_BYTES } from './messages.ts'
import type { NegotiationComponents } from './service.ts'
import type { TaskBoard } from './task-board.ts'
import { outputText } from './timeline.ts'
import { agentOfPeer, MAX_TASK_INPUT_BYTES, type TaskFrame } from './wire.ts'

// The follower's side of a task round: a request is screened by the policy plane (constraints, then the person, a grant or
// a rule; headless with neither declines) and answered with a signed offer; an award's input is checked against the request,
// run through the tool the capability names, and answered with a signed result carrying our half of the receipt (and, at T3,
// an evidence package); the requester's half, when it comes, completes the receipt we keep.

export interface ProviderContext {
  readonly board: TaskBoard
  readonly policy: Policy
  readonly tools: LocalExecutor
  readonly signer: () => Promise<Signer>
  /** Learn the requester's BAID from the bundle it sent; its BAID (genesis hash) when the chain's agent is `agent`. */
  readonly importBaid: (bundle: Uint8Array, agent: Uint8Array) => Uint8Array
  readonly trust: (agent: Uint8Array, topic: string) => number | undefined
  /** The capabilities this agent offers and their price. */
  readonly offered: () => ReadonlyMap<string, { readonly price: number }>
  readonly recordReceipt: NegotiationComponents['recordReceipt']
  readonly profile: Omit<ProviderProfile, 'cost' | 'priceFloor'>
  /** Its own past executions: the offer's ETA and quality come from them. */
  readonly history: ExecutionHistory
  /** Whether a connection to this agent is open: a result is only delivered over one. */
  readonly connected?: (agent: Uint8Array) => boolean
  readonly now: () => number
}

/** What the provider keeps of a task it offered on, until it ends. */
interface Served {
  readonly request: TaskRequest
  readonly requesterBaid: Uint8Array
  readonly price: number
  probes: number
  /** The delivered output's digest, which the receipt must name. */
  delivered?: Uint8Array
}

const MAX_PROBES_PER_TASK = 4
/**
 * A delivered task's completed state is written soft, and made durable by the receipt's commit, which normally follows within
 * milliseconds; when no receipt comes, by a sync this long after: the most a power cut can take back of a delivery.
 */
const COMPLETED_SYNC_MS = 1_000

export class ProviderSide {
  private readonly ctx: ProviderContext
  private readonly served = new Map<string, Served>()
  /** Results over the inline limit, kept for their requesters to fetch in chunks: bounded in bytes and time. */
  readonly held: HeldResults
  /** Delivered tasks whose completed state is not yet durable, with the sync that will make it so. */
  private readonly unsynced = new Map<string, ReturnType<typeof setTimeout>>()

  constructor (ctx: ProviderContext, init: { heldResults?: HeldResultsInit } = {}) {
    this.ctx = ctx
    this.held = new HeldResults(init.heldResults)
  }

  /** Drops the results still held (the node is going away: nobody can fetch them), and makes every delivery durable now. */
  stop (): void {
    this.held.clear()
    for (const task of [...this.unsynced.keys()]) this.sync(task)
  }

  /** One inbound exchange: the message is verified (size, signature, schema) and must be signed by the connection's peer. */
  async handle (frame: TaskFrame, from: PeerId): Promise<TaskFrame> {
    if (frame.m === undefined) throw new TaskProtocolError('a task request frame carries a signed message')
    const sender = agentOfPeer(from)
    const decoded = decodeTaskMessage(frame.m)
    const signer = decoded.kind === 'cancel' ? decoded.message.by : 'requester' in decoded.message ? decoded.message.requester : undefined
    if (signer === undefined || !equalBytes(signer, sender)) throw new TaskProtocolError(`a ${decoded.kind} must come from the peer that signed it`)
    switch (decoded.kind) {
      case 'request': return await this.onRequest(decoded.message, frame)
      case 'award': return await this.onAward(decoded.message.task, sender, decoded.message.price, frame)
      case 'probe': return await this.onProbe(decoded.message.task, sender, decoded.message.input)
      case 'cancel': return this.onCancel(decoded.message.task, sender, decoded.message.reason)
      case 'receipt': return await this.onReceipt(decoded.message, sender)
      case 'fetch': return this.onFetch(decoded.message.task, sender, decoded.message.offset)
      default: throw new TaskProtocolError(`a provider is not sent a ${decoded.kind}`)
    }
  }

  private async onRequest (request: TaskRequest, frame: TaskFrame): Promise<TaskFrame> {
    if (frame.x === undefined) throw new TaskProtocolError('a task request carries the requester\'s BAID bundle')
    const requesterBaid = this.ctx.importBaid(frame.x, request.requester)
    const { board, policy, now } = this.ctx
    const signer = await this.ctx.signer()
    const declineOffer = (reason: string): Offer => ({ task: request.task, provider: signer.publicKey, decision: 'decline', reason: reason.slice(0, 512), price: 0, etaMs: 0, quality: 0 })
    const decline = (reason: string): TaskFrame => ({ m: encodeOffer(declineOffer(reason), signer) })
    const capability = this.ctx.offered().get(request.capability)
    if (capability === undefined) return decline(`does not offer ${request.capability}`)
    if (request.terms.deadline <= now()) return decline('the deadline has passed')
    if (request.input.size > MAX_TASK_INPUT_BYTES) return decline(`the input is over ${MAX_TASK_INPUT_BYTES} bytes`)
    const unknown = request.input.dataClasses.filter(c => !isDataClass(c))
    if (unknown.length > 0) return decline(`does not take data of unknown classes: ${unknown.join(', ')}`)

    const actor = `peer:${hex(request.requester)}`
    const ask: ServeAsk = {
      task: request.task,
      peer: requesterBaid,
      peerId: peerIdOf(request.requester),
      trust: this.ctx.trust(request.requester, request.topic),
      capability: request.capability,
      topic: request.topic,
      price: request.terms.reward.base,
      payload: { intent: request.intent, input: { bytes: request.input.size, dataClasses: request.input.dataClasses } },
      input: { bytes: request.input.size, dataClasses: request.input.dataClasses as DataClass[] },
      deadline: request.terms.deadline
    }
    // The offer we would make, whoever allows it: our terms do not depend on who decides.
    const respond = (): ReturnType<typeof bestResponse> => {
      const profile = this.ctx.history.profileFor(request.capability, this.ctx.profile)
      return bestResponse(request.terms, { ...profile, cost: capability.price / profile.markup, priceFloor: capability.price }, now(), request.input.dataClasses)
    }
    // The offer made shows on our own timeline of the task too.
    const answer = (offer: Offer): TaskFrame => {
      const m = encodeOffer(offer, signer)
      board.recordOffer(offer, m)
      return { m }
    }
    const accept = (body: ReturnType<typeof bestResponse>): TaskFrame => {
      this.served.set(request.task, { request, requesterBaid, price: body.price, probes: 0 })
      return answer({ task: request.task, provider: signer.publicKey, decision: 'accept', price: body.price, etaMs: body.etaMs, quality: body.quality })
    }
    // The task, its terms and whatever answers for the person (constraints, a grant or a rule) in one commit; when that
    // allows it at once, the offer too (a refusal is a durable move, made after).
    const offerNow = respond()
    let verdict: Awaited<ReturnType<typeof policy.askPerson>> | undefined
    const accepted = board.batch(() => {
      board.open({ task: request.task, role: 'provider', topic: request.topic, capability: request.capability, deadline: request.terms.deadline, peer: request.requester, request: frame.m }, { reason: `asked by ${peerIdOf(request.requester)}: ${request.intent.slice(0, 200)}`, actor })
      board.terms(request.task, { intent: request.intent, reward: request.terms.reward.base, deadline: request.terms.deadline, tier: request.terms.tier })
      verdict = policy.screenServeNow(ask)
      return verdict?.verdict === 'allowed' && offerNow.decision === 'accept' ? accept(offerNow) : undefined
    })
    const signal = board.signal(request.task)
    signal.addEventListener('abort', () => {
      const state = board.get(request.task).state
      if (signal.reason instanceof TaskDeadlineError && !isTerminal(state)) board.move(request.task, 'failed', { reason: 'the deadline passed', actor: 'system' })
      // A delivered task is kept until its receipt arrives: the credits earned are booked then.
      if (state !== 'completed') this.forget(request.task)
    }, { once: true })
    if (accepted !== undefined) return accepted
    let body = offerNow
    if (verdict === undefined) {
      // Waiting for the person shows as auth-required on the timeline.
      const off = policy.events.on('approval:requested', pending => {
        if (pending.task === request.task && pending.direction === 'serve') board.move(request.task, 'auth-required', { reason: 'waiting for the person to approve', actor: 'system' })
      })
      try {
        verdict = await policy.askPerson(ask, { signal })
      } finally {
        off()
      }
      // The person may have taken a while: the offer is made for now.
      body = respond()
    }
    const reject = (reason: string): TaskFrame => {
      if (!isTerminal(board.get(request.task).state)) board.move(request.task, 'rejected', { reason, actor: 'self' })
      return answer(declineOffer(reason))
    }
    if (verdict.verdict === 'refuse') return reject(`refused by its constraints: ${verdict.reasons.map(r => r.code).join(', ')}`)
    if (verdict.verdict === 'denied') return reject(deniedBecause(verdict.approval.decidedBy))
    if (body.decision === 'decline') return reject(body.reason ?? 'declined')
    if (board.get(request.task).state === 'auth-required') board.move(request.task, 'working', { reason: `approved by ${verdict.approval.decidedBy ?? 'the person'}`, actor: 'person' })
    return accept(body)
  }

  private async onAward (task: string, requester: Uint8Array, price: number, frame: TaskFrame): Promise<TaskFrame> {
    const served = this.live(task, requester)
    if (price < served.price) throw new TaskProtocolError(`task ${task} was awarded at ${price} credits, under the ${served.price} offered`)
    if (frame.x === undefined || frame.x.byteLength !== served.request.input.size || !equalBytes(sha256(frame.x), served.request.input.digest)) {
      throw new TaskProtocolError(`the input awarded for task ${task} is not the one its request named`)
    }
    const input = decode(frame.x, MAX_TASK_INPUT_BYTES, 'task input')
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TaskProtocolError('a task input is an object of named arguments')
    const { board } = this.ctx
    const signer = await this.ctx.signer()
    const actor = `peer:${hex(requester)}`
    const signal = board.signal(task)
    const call = { tool: served.request.capability, input: input as JsonObject }
    const t3 = served.request.terms.tier === 'T3'
    const recorder = t3 ? new EvidenceRecorder({ task, signer, tools: this.ctx.tools, now: this.ctx.now }) : undefined
    let result: ToolResult
    let inline: Uint8Array
    const startedAt = this.ctx.now()
    const measure = (ok: boolean): void => { this.ctx.history.record({ task, capability: served.request.capability, startedAt, durationMs: this.ctx.now() - startedAt, ok }) }
    try {
      const running = (recorder ?? this.ctx.tools).run(call, { signal })
      // The call goes out first; the working state is written (soft) while the tool runs.
      await whileInFlight(running, () => { if (board.get(task).state === 'submitted') board.move(task, 'working', { reason: `awarded at ${price} credits`, actor }) })
      result = await running
      inline = encode(result)
      if (inline.byteLength > MAX_RESULT_BYTES) throw new TaskProtocolError(`the result is ${inline.byteLength} bytes, over the ${MAX_RESULT_BYTES} bytes a task delivers`)
    } catch (err) {
      // Canceled or past its deadline: the requester has gone, there is no one to answer.
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new TaskCanceledError(`task ${task} ended`)
      const reason = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 512)
      measure(false)
      board.move(task, 'failed', { reason, actor: 'self' })
      return { m: encodeTaskResult({ task, provider: signer.publicKey, status: 'failed', reason, deliveredAt: this.ctx.now() }, signer) }
    }
    // Cut off from the requester (a partition, or our own node lost) while the tool ran: nothing can be delivered.
    if (this.ctx.connected?.(requester) === false) {
      measure(true)
      const reason = 'the result was ready but the requester could not be reached: not delivered'
      board.move(task, 'failed', { reason, actor: 'self' })
      throw new TaskProtocolError(`task ${task}: ${reason}`)
    }
    const evidence = recorder === undefined ? undefined : encodeEvidence(recorder.seal(input, result))
    const digest = sha256(inline)
    served.delivered = digest
    // Over the inline limit the signed result names the output by digest and size; the requester fetches it in chunks.
    const large = inline.byteLength > MAX_INLINE_BYTES
    if (large && !this.held.hold(task, inline)) {
      const reason = `the result is ${inline.byteLength} bytes, over the ${this.held.maxBytes} bytes this provider holds for fetching`
      board.move(task, 'failed', { reason, actor: 'self' })
      return { m: encodeTaskResult({ task, provider: signer.publicKey, status: 'failed', reason, deliveredAt: this.ctx.now() }, signer) }
    }
    // Our half of the receipt comes with the result: the requester completes it on acceptance, without another round trip.
    const receipt = signReceipt({ task, topic: served.request.topic, satisfied: true, output: digest }, signer)
    const message = encodeTaskResult({ task, provider: signer.publicKey, status: 'completed', output: { digest, size: inline.byteLength }, ...(large ? {} : { inline }), receipt, deliveredAt: this.ctx.now() }, signer)
    board.batch(() => {
      measure(true)
      board.output(task, outputText(result))
      board.move(task, 'completed', { reason: `delivered ${inline.byteLength} bytes${evidence === undefined ? '' : ' with evidence'}`, actor: 'self' }, { syncedBy: 'the receipt, or the sync after COMPLETED_SYNC_MS' })
    })
    const timer = setTimeout(() => { this.sync(task) }, COMPLETED_SYNC_MS)
    timer.unref?.()
    this.unsynced.set(task, timer)
    return { m: message, ...(evidence === undefined ? {} : { x: evidence }) }
  }

  /** A durable commit for a delivered task whose receipt did not come (or has not yet). */
  private sync (task: string): void {
    clearTimeout(this.unsynced.get(task))
    this.unsynced.delete(task)
    try {
      this.ctx.board.store.sync(task)
    } catch {
      // The database is closing: the deadline sweep settles the task at the next start.
    }
  }

  /** A T2 canary: the capability's tool on a known-answer input, before the award; no state changes. */
  private async onProbe (task: string, requester: Uint8Array, inputBytes: Uint8Array): Promise<TaskFrame> {
    const served = this.live(task, requester)
    if (++served.probes > MAX_PROBES_PER_TASK) throw new TaskProtocolError(`task ${task} was probed more than ${MAX_PROBES_PER_TASK} times`)
    const input = decode(inputBytes, MAX_INLINE_BYTES, 'probe input') as JsonObject
    const signer = await this.ctx.signer()
    const at = this.ctx.now
    try {
      const inline = encode(await this.ctx.tools.run({ tool: served.request.capability, input }, { signal: this.ctx.board.signal(task) }))
      return { m: encodeTaskResult({ task, provider: signer.publicKey, status: 'completed', output: { digest: sha256(inline), size: inline.byteLength }, inline, deliveredAt: at() }, signer) }
    } catch (err) {
      return { m: encodeTaskResult({ task, provider: signer.publicKey, status: 'failed', reason: (err as Error).message.slice(0, 512), deliveredAt: at() }, signer) }
    }
  }

  /** One chunk of a large result this requester was delivered, from `offset`. */
  private onFetch (task: string, requester: Uint8Array, offset: number): TaskFrame {
    const served = this.served.get(task)
    if (served === undefined || !equalBytes(served.request.requester, requester)) throw new TaskProtocolError(`no result of ours for task ${task} for this requester`)
    const large = this.held.get(task)
    if (large === undefined) throw new TaskProtocolError(`task ${task} has no large result to fetch (delivered inline, or no longer kept: results wait ${this.held.retentionMs / 1000} s, and the oldest make room for newer ones)`)
    if (offset >= large.byteLength) throw new TaskProtocolError(`offset ${offset} is past the ${large.byteLength}-byte result`)
    return { x: large.subarray(offset, offset + RESULT_CHUNK_BYTES) }
  }

  private onCancel (task: string, requester: Uint8Array, reason: string): TaskFrame {
    const record = this.ctx.board.get(task)
    if (record.role !== 'provider' || record.peer === undefined || !equalBytes(record.peer, requester)) throw new TaskProtocolError(`task ${task} is not this requester's`)
    if (!isTerminal(record.state)) this.ctx.board.cancel(task, `the requester canceled: ${reason}`.slice(0, 512), `peer:${hex(requester)}`)
    this.forget(task)
    return {}
  }

  /** The requester's half of the receipt we signed with the result: signed again (the same envelope) and kept, only for a task delivered to that requester, in its topic. */
  private async onReceipt (half: { task: string, requester: Uint8Array, topic: string, satisfied: boolean, output?: Uint8Array, signature: Uint8Array }, requester: Uint8Array): Promise<TaskFrame> {
    const record = this.ctx.board.get(half.task)
    if (record.role !== 'provider' || record.peer === undefined || !equalBytes(record.peer, requester)) throw new TaskProtocolError(`task ${half.task} is not this requester's`)
    if (record.state !== 'completed') throw new TaskProtocolError(`task ${half.task} is ${record.state}: only a delivered task gets a receipt`)
    if (record.topic !== half.topic) throw new TaskProtocolError(`task ${half.task} is in ${record.topic}, not ${half.topic}`)
    const served = this.served.get(half.task)
    // The receipt vouches for the output delivered: a digest naming anything else is not countersigned.
    if (half.output !== undefined && served?.delivered !== undefined && !equalBytes(half.output, served.delivered)) throw new TaskProtocolError(`the receipt for task ${half.task} names an output other than the one delivered`)
    const signer = await this.ctx.signer()
    const receipt = countersignReceipt({ task: half.task, topic: half.topic, satisfied: half.satisfied, ...(half.output === undefined ? {} : { output: half.output }) }, requester, half.signature, signer)
    // The receipt's line, the credits earned and the receipt itself: one durable commit.
    await this.ctx.recordReceipt(receipt, keep => {
      this.ctx.board.batch(() => {
        this.ctx.board.receipt(half.task, { satisfied: half.satisfied, digest: hex(sha256(receipt)) })
        if (served !== undefined && half.satisfied) {
          this.ctx.policy.ledger.record({ task: half.task, peer: served.requesterBaid, kind: 'earned', credits: served.price, capability: record.capability, topic: record.topic }, { soft: true })
        }
        keep()
      }, { durable: true })
    })
    // Keeping the receipt was a durable commit: the delivery before it is durable too.
    clearTimeout(this.unsynced.get(half.task))
    this.unsynced.delete(half.task)
    this.forget(half.task)
    return { m: receipt }
  }

  private forget (task: string): void {
    this.served.delete(task)
    this.held.release(task)
  }

  /** A task this provider offered on, for this requester, still live. */
  private live (task: string, requester: Uint8Array): Served {
    const served = this.served.get(task)
    if (served === undefined || !equalBytes(served.request.requester, requester)) throw new TaskProtocolError(`no offer of ours for task ${task} from this requester`)
    const state = this.ctx.board.get(task).state
    if (isTerminal(state) || state === 'auth-required') throw new TaskProtocolError(`task ${task} is ${state}`)
    return served
  }
}

function isDataClass (c: string): c is DataClass {
  return (DATA_CLASSES as readonly string[]).includes(c)
}

function deniedBecause (by: string | undefined): string {
  switch (by) {
    case 'headless': return 'declined: no person to ask, and no rule or grant allows it'
    case 'rule': return 'declined by the provider\'s standing rule'
    case 'expired': return 'the provider\'s person did not answer in time'
    case 'withdrawn': return 'the request was withdrawn'
    default: return 'denied by the provider\'s person'
  }
}
