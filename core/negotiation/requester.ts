import { randomUUID } from 'node:crypto'
import { NoCandidatesError, TaskCanceledError, TaskDeadlineError, TaskProtocolError, toErrorInfo } from '../api/errors.ts'
import type { FailureKind, MechanismTerms, Offer, TaskResult, TaskState, TaskTransition, VerificationTier } from '../api/negotiation.ts'
import { decode, encode, equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import type { DataClass, EgressPreview } from '../api/policy.ts'
import type { Candidate } from '../discovery/matcher.ts'
import { runCanary, type CanaryRegistry } from '../execution/canaries.ts'
import { decodeEvidence } from '../execution/evidence-package.ts'
import type { Executor, JsonObject, ToolResult } from '../execution/tool.ts'
import { verifyEvidence, type VerifiedEvidence } from '../execution/verify-evidence.ts'
import type { Signer } from '../identity/envelope.ts'
import { hex, peerIdOf } from '../identity/ids.ts'
import { assembleReceipt, signReceipt } from '../reputation/receipt.ts'
import type { Attributor } from './attribution.ts'
import { isTerminal } from './lifecycle.ts'
import { termsFor, tierRank, type Mechanism } from './mechanism.ts'
import { decodeOffer, decodeTaskResult, encodeAward, encodeCancel, encodeProbe, encodeReceiptSignature, encodeResultFetch, encodeTaskRequest, MAX_INLINE_BYTES, MAX_RESULT_BYTES, RESULT_CHUNK_BYTES } from './messages.ts'
import { RegressionSuite } from './regression.ts'
import { DEFAULT_OFFER_WINDOW, gatherOffers, type OfferWindow } from './offer-window.ts'
import { selectOffers } from './selection.ts'
import type { NegotiationComponents } from './service.ts'
import type { TaskBoard } from './task-board.ts'
import { outputText } from './timeline.ts'
import type { TraceStore } from './trace-store.ts'
import { facts, type FailureTrace } from './trace.ts'
import { askTask, challengeAgent, MAX_TASK_INPUT_BYTES } from './wire.ts'
import { anySignal } from '../common/abort.ts'
import { whileInFlight } from '../common/event-loop.ts'

// The leader's side of a task round (mechanisms §6): discover candidates, publish the terms to the best few, rank their offers
// by trust × price × QoS, verify at the terms' tier (T2: live challenge, and a canary when the terms ask; T3: the evidence
// package), award the redacted input, co-sign the receipt, and fail over to the next provider on refusal, timeout, failure or
// a failed check. Failures become traces the topic's mechanism is repaired against.

export interface DelegationSpec {
  readonly intent: string
  /** The tool input (named arguments); only its egress-previewed form leaves the device. */
  readonly input: JsonObject
  readonly topic?: string
  /** Only providers offering this capability id (e.g. `builtin/word-count`). */
  readonly capability?: string
  readonly tier?: VerificationTier
  /** Base reward in credits. */
  readonly reward?: number
  /** How long from now the result is due. */
  readonly deadlineMs?: number
  readonly canary?: boolean
  /** How many candidates are asked for offers. */
  readonly candidates?: number
  /** When to stop waiting for offers (default: the plane's). */
  readonly offerWindow?: Partial<OfferWindow>
  /** The data classes the person lets leave: the terms' egress clause (default: the mechanism's). */
  readonly allow?: readonly DataClass[]
  /** The task's id, when the caller has one already (an A2A task's); a fresh one otherwise. */
  readonly task?: string
  /** Who asked, when not the person here (e.g. `a2a:<context id>`), kept with the terms. */
  readonly origin?: string
}

export interface Attempt {
  /** The provider's PeerId. */
  readonly provider: string
  readonly stage: 'offer' | 'challenge' | 'canary' | 'execution' | 'verification' | 'receipt'
  /** `late`: it had not answered when the offer window closed (enough offers in, or one waited its patience). */
  readonly outcome: 'accepted' | 'declined' | 'unreachable' | 'late' | 'failed' | 'completed'
  readonly reason?: string
}

export interface DelegationResult {
  readonly task: string
  readonly state: TaskState
  readonly topic: string
  readonly capability: string
  /** The provider that delivered, as a PeerId. */
  readonly provider?: string
  readonly result?: ToolResult
  readonly receipt: { readonly bothSigned: boolean, readonly hash?: string }
  /** What was tried, in order: every offer, check and award. */
  readonly attempts: readonly Attempt[]
  readonly timeline: readonly TaskTransition[]
  /** Why it did not complete. */
  readonly reason?: string
  readonly verification?: { readonly tier: VerificationTier, readonly evidenceCalls?: number, readonly challengeMs?: number, readonly canary?: boolean }
}

/** What the leader needs: the plane's components it shares, and the task board, traces and mechanism of this plane. */
export interface RequesterContext extends Pick<NegotiationComponents, 'node' | 'policy' | 'signer' | 'bundle' | 'chainOf' | 'discover' | 'trust' | 'recordReceipt' | 'reportFraud'> {
  readonly board: TaskBoard
  readonly traces: TraceStore
  readonly canaries: CanaryRegistry
  readonly attributor: Attributor
  readonly mechanism: Mechanism
  readonly now: () => number
  readonly offerWindow?: Partial<OfferWindow>
  /** Cancel notices still on their way: whoever stops the node waits for them first. */
  readonly notices?: Set<Promise<void>>
}

const DEFAULT_CANDIDATES = 3
const PROBE_TIMEOUT_MS = 30_000
const NOTICE_TIMEOUT_MS = 5_000
const DEADLINE_GRACE_MS = 2_000
/** One chunk of a large result; the task's deadline bounds the whole transfer. */
const FETCH_TIMEOUT_MS = 30_000

/** One provider that offered: its signed offer and what discovery said of it. */
interface Offered {
  readonly offer: Offer
  readonly candidate: Candidate
}

/** Why an attempt ended early; `trace` when the failure is one the mechanism is to blame for. */
class AttemptFailed extends Error {
  readonly stage: Attempt['stage']
  readonly trace: FailureKind | undefined
  /** The verification tier whose check failed, when a check failed. */
  readonly tier: VerificationTier | undefined

  constructor (stage: Attempt['stage'], reason: string, trace?: FailureKind, tier?: VerificationTier) {
    super(reason)
    this.stage = stage
    this.trace = trace
    this.tier = tier ?? TIER_OF_STAGE[stage]
  }
}

/** Which tier a failed check belongs to: the live challenge and canary are T2's; the result's own checks, and no result at all, T1's. */
const TIER_OF_STAGE: Partial<Record<Attempt['stage'], VerificationTier>> = { challenge: 'T2', canary: 'T2', verification: 'T1', execution: 'T1' }

export async function delegate (ctx: RequesterContext, spec: DelegationSpec, options: { signal?: AbortSignal, onTask?: (task: string) => void } = {}): Promise<DelegationResult> {
  const signer = await ctx.signer()
  const mechanism = mechanismFor(ctx, spec)
  const candidates = await findCandidates(ctx, spec, mechanism, signer.publicKey)
  const topic = spec.topic ?? candidates[0]!.descriptor.topics[0]!
  const terms = termsFor(mechanismFor(ctx, { ...spec, topic }), ctx.now())
  const egress = ctx.policy.privacy.preview(spec.input, { allowedDataClasses: terms.egress.allowedDataClasses, redactionRequired: terms.egress.redactionRequired, maxBytes: MAX_TASK_INPUT_BYTES })
  const task = spec.task ?? randomUUID()
  const capability = spec.capability ?? candidates[0]!.descriptor.id
  const { board } = ctx
  board.batch(() => {
    board.open({ task, role: 'requester', topic, capability, deadline: terms.deadline }, { reason: `delegating "${spec.intent.slice(0, 200)}"`, actor: 'person' })
    board.terms(task, { intent: spec.intent.slice(0, 4096), reward: terms.reward.base, deadline: terms.deadline, tier: terms.tier, egress, asked: candidates.map(c => hex(c.descriptor.agent)), ...(spec.origin === undefined ? {} : { origin: spec.origin.slice(0, 256) }) })
  })
  options.onTask?.(task)
  const attempts: Attempt[] = []
  const end = (state: TaskState, reason: string, extra: Partial<DelegationResult> = {}): DelegationResult => {
    if (!isTerminal(board.get(task).state)) board.move(task, state, { reason: reason.slice(0, 512), actor: 'self' })
    const final = board.get(task)
    return {
      task,
      state: final.state,
      topic,
      capability,
      receipt: { bothSigned: false },
      attempts,
      timeline: board.store.transitions(task),
      ...(final.state === 'completed' ? {} : { reason: board.store.transitions(task).at(-1)!.reason }),
      ...extra
    }
  }
  if (egress.outcome === 'blocked') return end('failed', `the input may not leave this device (${egress.blockedBecause.join(', ')})`)
  const input = encode(egress.payload)
  const signal = anySignal(board.signal(task), options.signal)
  // The provider ends its side at the same deadline: its stream may close a moment before our own timer fires.
  const overdue = (): boolean => signal.aborted || ctx.now() >= terms.deadline
  const stopped = (): DelegationResult => {
    const reason = signal.reason
    if (reason instanceof TaskDeadlineError || !signal.aborted) return end('failed', 'the deadline passed')
    // Whoever aborted says why (the person, an A2A client, the agent going offline).
    const said = reason instanceof Error && reason.name !== 'AbortError' && reason.message !== '' ? reason.message : undefined
    return end('canceled', said ?? 'canceled by the person')
  }

  // 1. Publish the terms to the candidates; collect their offers until the offer window closes (see offer-window.ts).
  const window = { ...DEFAULT_OFFER_WINDOW, ...ctx.offerWindow, ...spec.offerWindow }
  const offers = await gatherOffers(candidates.map(candidate => async (asking: AbortSignal) => await askOffer(ctx, { task, topic, intent: spec.intent, input, dataClasses: leavingClasses(egress), terms, candidate, signer }, asking)), answer => answer.offer?.decision === 'accept', window, signal)
  if (signal.aborted) {
    // Each candidate may have opened the task (or be asking its person): they hear that it ended.
    for (const candidate of candidates) void notify(ctx, candidate.descriptor.agent, task, signer, 'the task ended')
    return stopped()
  }
  const accepted: Offered[] = []
  const received: Array<{ offer: Offer, bytes: Uint8Array }> = []
  for (const [i, answer] of offers.entries()) {
    const provider = peerIdOf(candidates[i]!.descriptor.agent)
    if (answer === undefined) {
      // Still deciding when the others' offers were ranked: it hears the task went elsewhere, like any offer not taken.
      attempts.push({ provider, stage: 'offer', outcome: 'late', reason: 'no offer yet when the offers in were ranked' })
      void notify(ctx, candidates[i]!.descriptor.agent, task, signer, 'offers were ranked without yours')
      continue
    }
    if (answer.offer === undefined) { attempts.push({ provider, stage: 'offer', outcome: 'unreachable', reason: answer.error }); continue }
    received.push({ offer: answer.offer, bytes: answer.bytes! })
    const accepts = answer.offer.decision === 'accept'
    attempts.push({ provider, stage: 'offer', outcome: accepts ? 'accepted' : 'declined', ...(answer.offer.reason === undefined ? {} : { reason: answer.offer.reason }) })
    if (accepts) accepted.push({ offer: answer.offer, candidate: candidates[i]! })
  }
  const ranked = selectOffers(accepted.map(a => a.offer), provider => ctx.trust(provider, topic) ?? 0, terms, ctx.now())
  let ranking: (() => void) | undefined = () => {
    for (const { offer, bytes } of received) board.recordOffer(offer, bytes)
    if (ranked.length > 0) board.selected(task, ranked)
  }
  /** Steps of the award loop in one commit, after the offers and the ranking if these are not written yet. */
  const afterRanking = (steps: () => void): void => {
    board.batch(() => { ranking?.(); ranking = undefined; steps() })
  }
  // Nothing is checked before a T1 award: the offers and the ranking share the award's commit.
  if (ranked.length === 0 || tierRank(terms.tier) >= tierRank('T2')) afterRanking(() => {})
  if (ranked.length === 0) return end('rejected', `no provider accepted: ${attempts.map(a => `${a.provider.slice(-8)} ${a.outcome}${a.reason === undefined ? '' : ` (${a.reason})`}`).join('; ')}`)

  // 2. In ranked order: verify at the tier, award, check the result; the first that delivers wins.
  const traces: FailureTrace[] = []
  const marketPrice = median(accepted.map(a => a.offer.price))
  const tried = new Set<string>()
  let outcome: DelegationResult | undefined
  /** The provider holding the award, while it does. */
  let holding: { offer: Offer, at: number } | undefined
  for (const [i, { offer }] of ranked.entries()) {
    if (signal.aborted) break
    const chosen = accepted.find(a => equalBytes(a.offer.provider, offer.provider))!
    const provider = peerIdOf(offer.provider)
    tried.add(hex(offer.provider))
    const awardedAt = ctx.now()
    try {
      const verification = await verifyProvider(ctx, { task, terms, chosen, signer }, signal)
      if (verification.challengeMs !== undefined) board.verified(task, { tier: 'T2', passed: true, detail: `${provider} proved its agent key live in ${verification.challengeMs} ms` })
      if (verification.canary === true) board.verified(task, { tier: 'T2', passed: true, detail: `${provider} answered the known-answer canary right` })
      const chain = ctx.chainOf(offer.provider)
      const award = encodeAward({ task, requester: signer.publicKey, provider: offer.provider, price: offer.price, failover: ranked.slice(i + 1).map(r => r.offer.provider) }, signer)
      holding = { offer, at: awardedAt }
      // The task's own deadline (its signal) ends the wait; the stream's timeout is only a backstop behind it.
      const asking = askTask(ctx.node, offer.provider, { m: award, x: input }, { timeoutMs: Math.max(1, terms.deadline - ctx.now()) + DEADLINE_GRACE_MS, signal })
      // The award goes out first; its steps are written (soft) while the provider works on it.
      await whileInFlight(asking, () => afterRanking(() => {
        if (board.get(task).state === 'submitted') board.move(task, 'working', { reason: `awarded to ${provider} at ${offer.price} credits`, actor: 'self' })
        // The provider holding the award is the task's peer: the one a cancel reaches, after a restart too.
        if (i > 0) board.store.setPeer(task, offer.provider)
        // Soft: progress of a live task; the task's terminal state (or its receipt) is durable and syncs it.
        ctx.policy.ledger.record({ task, peer: chain.genesisHash, kind: 'offered', credits: offer.price, capability: chosen.candidate.descriptor.id, topic }, { soft: true })
      }))
      let answer
      try {
        answer = await asking
      } catch (err) {
        if (signal.aborted) throw err
        throw new AttemptFailed('execution', `no result: ${toErrorInfo(err).message}`)
      }
      const delivered = await receiveResult(ctx, answer.m, { task, provider: offer.provider, signer }, signal)
      holding = undefined
      const evidence = terms.tier === 'T3' ? checkEvidence(answer.x, offer.provider, { task, input: egress.payload, result: delivered.result, tool: chosen.candidate.descriptor.id }) : undefined
      let receipt: { bytes: Uint8Array, hash: Uint8Array } | undefined
      try {
        receipt = coSign(ctx, { task, topic, provider: offer.provider, signer, output: delivered.digest, providerSignature: delivered.receiptSignature })
      } catch (err) {
        attempts.push({ provider, stage: 'receipt', outcome: 'failed', reason: toErrorInfo(err).message })
      }
      // The person reads why it took a second provider (or more) right in how the task ended.
      const failedOver = attempts.filter(a => a.outcome === 'failed' && a.stage !== 'receipt').map(a => `${a.provider} (${a.stage}: ${a.reason ?? 'no reason given'})`)
      const reason = `${provider} delivered${failedOver.length === 0 ? '' : ` after failing over from ${failedOver.join('; ')}`}${evidence === undefined ? '' : `, evidence of ${evidence.calls.length} tool call(s) verified`}${receipt === undefined ? '' : ', receipt co-signed'}`.slice(0, 512)
      attempts.push({ provider, stage: 'execution', outcome: 'completed' })
      // The checks passed before the receipt was asked for; their lines share the ending's one commit.
      const ending = (): void => {
        board.verified(task, { tier: 'T1', passed: true, detail: 'the signed result matches its digest and is a tool result' })
        if (evidence !== undefined) board.verified(task, { tier: 'T3', passed: true, detail: `evidence of ${evidence.calls.length} tool call(s) verified against the input and result` })
        if (receipt !== undefined) board.receipt(task, { satisfied: true, digest: hex(receipt.hash) })
        board.output(task, outputText(delivered.result), delivered.result)
        ctx.policy.ledger.record({ task, peer: chain.genesisHash, kind: 'spent', credits: offer.price, capability: chosen.candidate.descriptor.id, topic }, { soft: true })
      }
      let ended = false
      if (receipt !== undefined) {
        // The ending, the completed state, the receipt and our rating of the provider: one durable commit.
        await ctx.recordReceipt(receipt.bytes, keep => {
          board.batch(() => { ending(); board.move(task, 'completed', { reason, actor: 'self' }); keep() }, { durable: true })
          ended = true
        }).catch((err: unknown) => {
          attempts.push({ provider, stage: 'receipt', outcome: 'failed', reason: `the co-signed receipt could not be kept: ${toErrorInfo(err).message}` })
        })
      }
      // Without a receipt kept, the ending is written on its own (and `end` below makes the completed state durable).
      if (!ended) board.batch(ending)
      outcome = end('completed', reason, {
        provider,
        result: delivered.result,
        receipt: receipt === undefined ? { bothSigned: false } : { bothSigned: true, hash: hex(receipt.hash) },
        verification: { tier: terms.tier, ...verification, ...(evidence === undefined ? {} : { evidenceCalls: evidence.calls.length }) }
      })
      break
    } catch (err) {
      if (overdue()) break
      const failed = err instanceof AttemptFailed ? err : new AttemptFailed('execution', toErrorInfo(err).message)
      attempts.push({ provider, stage: failed.stage, outcome: 'failed', reason: failed.message })
      const { tier } = failed
      if (tier !== undefined) afterRanking(() => { board.verified(task, { tier, passed: false, detail: `${provider}: ${failed.message}`.slice(0, 1024) }) })
      if (failed.trace !== undefined) traces.push(traceOf(failed.trace, { mechanism: mechanismFor(ctx, { ...spec, topic }), topic, task, offer, marketPrice, afterMs: ctx.now() - awardedAt, now: ctx.now() }))
      void notify(ctx, offer.provider, task, signer, `failed over: ${failed.message}`)
    }
  }
  if (ranking !== undefined) afterRanking(() => {})
  // Whoever offered and was never awarded, or was left mid-task by a cancel, hears that the task went elsewhere.
  for (const { offer } of accepted) {
    if (!tried.has(hex(offer.provider)) || (outcome === undefined && overdue())) void notify(ctx, offer.provider, task, signer, outcome === undefined ? 'the task ended' : 'awarded to another provider')
  }
  // The deadline passed while a provider held the award: a late delivery, which the terms' deadline or penalty allowed.
  if (outcome === undefined && holding !== undefined && !(signal.reason instanceof TaskCanceledError)) {
    traces.push(traceOf('late_delivery', { mechanism: mechanismFor(ctx, { ...spec, topic }), topic, task, offer: holding.offer, marketPrice, afterMs: ctx.now() - holding.at, now: ctx.now() }))
  }
  if (traces.length > 0) await repair(ctx, topic, traces)
  if (outcome !== undefined) return outcome
  if (overdue()) return stopped()
  return end('failed', `every provider failed: ${attempts.filter(a => a.outcome === 'failed').map(a => `${a.provider.slice(-8)} at ${a.stage} (${a.reason ?? ''})`).join('; ')}`)
}

/** The classes of what leaves: one whose every finding was redacted does not (the provider judges the input it gets). */
function leavingClasses (egress: EgressPreview): DataClass[] {
  const sent = new Set(egress.findings.filter(f => f.action === 'allow').map(f => f.dataClass))
  const masked = new Set(egress.findings.filter(f => f.action !== 'allow').map(f => f.dataClass))
  return egress.dataClasses.filter(c => sent.has(c) || !masked.has(c))
}

/** The topic's adopted mechanism (or the default), with what the person set for this task on top. */
function mechanismFor (ctx: RequesterContext, spec: DelegationSpec): Mechanism {
  const base = (spec.topic === undefined ? undefined : ctx.traces.current(spec.topic)?.mechanism) ?? ctx.mechanism
  return {
    ...base,
    ...(spec.tier === undefined ? {} : { tier: spec.tier }),
    ...(spec.reward === undefined ? {} : { reward: { ...base.reward, base: spec.reward } }),
    ...(spec.deadlineMs === undefined ? {} : { windowMs: spec.deadlineMs }),
    ...(spec.canary === undefined ? {} : { canary: spec.canary }),
    ...(spec.allow === undefined ? {} : { egress: { ...base.egress, allowedDataClasses: [...spec.allow] } })
  }
}

async function findCandidates (ctx: RequesterContext, spec: DelegationSpec, mechanism: Mechanism, self: Uint8Array): Promise<Candidate[]> {
  const found = await ctx.discover(spec.intent, { ...(spec.topic === undefined ? {} : { topic: spec.topic }), maxPrice: mechanism.reward.base })
  const byAgent = new Map<string, Candidate>()
  for (const c of found) {
    if (equalBytes(c.descriptor.agent, self) || (spec.capability !== undefined && c.descriptor.id !== spec.capability)) continue
    if (!byAgent.has(hex(c.descriptor.agent))) byAgent.set(hex(c.descriptor.agent), c)
  }
  const chosen = [...byAgent.values()].slice(0, spec.candidates ?? DEFAULT_CANDIDATES)
  if (chosen.length === 0) {
    throw new NoCandidatesError(`no provider on the network offers ${spec.capability ?? `"${spec.intent}"`}${spec.topic === undefined ? '' : ` in ${spec.topic}`} for at most ${mechanism.reward.base} credits`, { hint: 'check what is announced with `hearth discover`, or raise --reward' })
  }
  return chosen
}

interface OfferAnswer { offer?: Offer, bytes?: Uint8Array, error?: string }

async function askOffer (ctx: RequesterContext, ask: { task: string, topic: string, intent: string, input: Uint8Array, dataClasses: readonly string[], terms: MechanismTerms, candidate: Candidate, signer: Signer }, signal: AbortSignal): Promise<OfferAnswer> {
  const provider = ask.candidate.descriptor.agent
  const request = encodeTaskRequest({
    task: ask.task,
    topic: ask.topic,
    capability: ask.candidate.descriptor.id,
    intent: ask.intent.slice(0, 4096),
    input: { digest: sha256(ask.input), size: ask.input.byteLength, dataClasses: [...ask.dataClasses] },
    terms: ask.terms,
    requester: ask.signer.publicKey,
    createdAt: ctx.now()
  }, ask.signer)
  try {
    const answer = await askTask(ctx.node, provider, { m: request, x: ctx.bundle() }, { timeoutMs: ask.terms.deadline - ctx.now() + DEADLINE_GRACE_MS, signal })
    if (answer.m === undefined) throw new TaskProtocolError('the answer carries no offer')
    const offer = decodeOffer(answer.m)
    if (offer.task !== ask.task || !equalBytes(offer.provider, provider)) throw new TaskProtocolError('the offer is for another task or from another provider')
    return { offer, bytes: answer.m }
  } catch (err) {
    return { error: toErrorInfo(err).message }
  }
}

/** T2 and up: the provider proves its agent key live; with a canary in the terms, it answers a known-answer call right. */
async function verifyProvider (ctx: RequesterContext, v: { task: string, terms: MechanismTerms, chosen: Offered, signer: Signer }, signal: AbortSignal): Promise<{ challengeMs?: number, canary?: boolean }> {
  if (tierRank(v.terms.tier) < tierRank('T2')) return {}
  const provider = v.chosen.offer.provider
  let challengeMs: number
  try {
    challengeMs = await challengeAgent(ctx.node, v.signer.publicKey, ctx.chainOf(provider), { signal })
  } catch (err) {
    if (signal.aborted) throw err
    throw new AttemptFailed('challenge', `live challenge failed: ${toErrorInfo(err).message}`)
  }
  if (!v.terms.canary) return { challengeMs }
  const descriptor = v.chosen.candidate.descriptor
  const remote: Executor = {
    run: async (call, options) => {
      const probe = encodeProbe({ task: v.task, requester: v.signer.publicKey, input: encode(call.input) }, v.signer)
      const answer = await askTask(ctx.node, provider, { m: probe }, { timeoutMs: PROBE_TIMEOUT_MS, ...(options?.signal === undefined ? {} : { signal: options.signal }) })
      return checkResult(answer.m, v.task, provider)
    }
  }
  const canary = await runCanary(remote, { id: descriptor.id, inputSchema: descriptor.inputSchema }, { registry: ctx.canaries, signal })
  if (canary === undefined) return { challengeMs }
  if (!canary.passed) {
    ctx.reportFraud(provider, descriptor.topics[0]!, encode({ task: v.task, capability: descriptor.id, mismatch: canary.mismatch ?? '' }))
    throw new AttemptFailed('canary', `canary failed: ${canary.mismatch ?? 'wrong answer'}`, 'wrong_result')
  }
  return { challengeMs, canary: true }
}

/** A signed, completed result for this task from this provider; a failed one throws. */
function openResult (message: Uint8Array | undefined, task: string, provider: Uint8Array): TaskResult {
  if (message === undefined) throw new AttemptFailed('execution', 'the answer carries no result')
  const result = decodeTaskResult(message)
  if (result.task !== task || !equalBytes(result.provider, provider)) throw new AttemptFailed('verification', 'the result is for another task or from another provider')
  if (result.status === 'failed') throw new AttemptFailed('execution', `the provider failed: ${result.reason ?? 'no reason given'}`)
  if (result.output === undefined) throw new AttemptFailed('verification', 'the result names no output', 'wrong_result')
  return result
}

/** Output bytes that match the signed digest and size, decoded as a tool result. */
function checkOutput (bytes: Uint8Array, output: { digest: Uint8Array, size: number }): ToolResult {
  if (bytes.byteLength !== output.size || !equalBytes(sha256(bytes), output.digest)) throw new AttemptFailed('verification', 'the result\'s output does not match its digest', 'wrong_result')
  const result = decode(bytes, MAX_RESULT_BYTES, 'task output') as ToolResult
  if (typeof result !== 'object' || result === null || !Array.isArray(result.content)) throw new AttemptFailed('verification', 'the output is not a tool result', 'wrong_result')
  return result
}

/** A probe's answer: a small result, inline. */
function checkResult (message: Uint8Array | undefined, task: string, provider: Uint8Array): ToolResult {
  const result = openResult(message, task, provider)
  if (result.inline === undefined) throw new AttemptFailed('verification', 'a probe\'s result is carried inline', 'wrong_result')
  return checkOutput(result.inline, result.output!)
}

/** The award's answer: its output inline, or over the inline limit fetched chunk by chunk (each bounded) and checked against the signed digest. */
async function receiveResult (ctx: RequesterContext, message: Uint8Array | undefined, r: { task: string, provider: Uint8Array, signer: Signer }, signal: AbortSignal): Promise<{ result: ToolResult, digest: Uint8Array, receiptSignature: Uint8Array | undefined }> {
  const signed = openResult(message, r.task, r.provider)
  const output = signed.output!
  if (signed.inline !== undefined) return { result: checkOutput(signed.inline, output), digest: output.digest, receiptSignature: signed.receipt }
  if (output.size <= MAX_INLINE_BYTES) throw new AttemptFailed('verification', 'a small result is carried inline', 'wrong_result')
  const bytes = new Uint8Array(output.size)
  let offset = 0
  while (offset < output.size) {
    let chunk: Uint8Array | undefined
    try {
      const fetch = encodeResultFetch({ task: r.task, requester: r.signer.publicKey, offset }, r.signer)
      chunk = (await askTask(ctx.node, r.provider, { m: fetch }, { timeoutMs: FETCH_TIMEOUT_MS, signal })).x
    } catch (err) {
      if (signal.aborted) throw err
      throw new AttemptFailed('execution', `the result could not be fetched at byte ${offset}: ${toErrorInfo(err).message}`)
    }
    if (chunk === undefined || chunk.byteLength === 0 || chunk.byteLength > RESULT_CHUNK_BYTES || offset + chunk.byteLength > output.size) {
      throw new AttemptFailed('verification', `the result's chunk at byte ${offset} is ${chunk?.byteLength ?? 0} bytes, not what its size allows`, 'wrong_result')
    }
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { result: checkOutput(bytes, output), digest: output.digest, receiptSignature: signed.receipt }
}

function checkEvidence (packageBytes: Uint8Array | undefined, provider: Uint8Array, expected: { task: string, input: unknown, result: ToolResult, tool: string }): VerifiedEvidence {
  if (packageBytes === undefined) throw new AttemptFailed('verification', 'T3 asks for an evidence package and none came', 'unverifiable_result', 'T3')
  try {
    return verifyEvidence(decodeEvidence(packageBytes), provider, { task: expected.task, input: expected.input, result: expected.result, tool: { id: expected.tool } })
  } catch (err) {
    throw new AttemptFailed('verification', `evidence rejected: ${toErrorInfo(err).message}`, 'wrong_result', 'T3')
  }
}

/**
 * On acceptance our signature beside the one the provider gave with its result makes the co-signed receipt, checked; the provider
 * is sent ours to keep it too (it signs again: the same bytes), without our waiting for it.
 */
function coSign (ctx: Pick<RequesterContext, 'node' | 'notices'>, c: { task: string, topic: string, provider: Uint8Array, signer: Signer, output: Uint8Array, providerSignature: Uint8Array | undefined }): { bytes: Uint8Array, hash: Uint8Array } {
  if (c.providerSignature === undefined) throw new TaskProtocolError('the result came without the provider\'s receipt signature')
  const receipt = { task: c.task, topic: c.topic, satisfied: true, output: c.output }
  const signature = signReceipt(receipt, c.signer)
  const { bytes, opened } = assembleReceipt(receipt, { key: c.signer.publicKey, signature }, { key: c.provider, signature: c.providerSignature })
  void tell(ctx, c.provider, encodeReceiptSignature({ ...receipt, requester: c.signer.publicKey, signature }, c.signer))
  return { bytes, hash: opened.hash }
}

/** Best effort: tell a provider to stop (a failover, a cancel, an award elsewhere). */
export async function notify (ctx: Pick<RequesterContext, 'node' | 'notices'>, provider: Uint8Array, task: string, signer: Signer, reason: string): Promise<void> {
  await tell(ctx, provider, encodeCancel({ task, by: signer.publicKey, reason: reason.slice(0, 512) }, signer))
}

/** Best effort: one signed message to a provider, its answer unread; whoever stops the node waits for it first. */
async function tell (ctx: Pick<RequesterContext, 'node' | 'notices'>, provider: Uint8Array, message: Uint8Array): Promise<void> {
  const sending = (async () => {
    try {
      await askTask(ctx.node, provider, { m: message }, { timeoutMs: NOTICE_TIMEOUT_MS })
    } catch {
      // It may be gone, or may have ended the task itself.
    }
  })()
  ctx.notices?.add(sending)
  await sending
  ctx.notices?.delete(sending)
}

function traceOf (kind: FailureKind, t: { mechanism: Mechanism, topic: string, task: string, offer: Offer, marketPrice: number, afterMs: number, now: number }): FailureTrace {
  return {
    kind,
    topic: t.topic,
    mechanism: t.mechanism,
    facts: facts({ paid: t.offer.price, price: t.offer.price, marketPrice: t.marketPrice, offeredEtaMs: t.offer.etaMs, deliveredAfterMs: t.afterMs, committedQuality: t.offer.quality, deliveredQuality: 0 }),
    recordedAt: t.now,
    task: t.task,
    provider: hex(t.offer.provider)
  }
}

/** Attribution feedback: store the failures, and adopt a repaired mechanism for the topic if it passes every stored trace. */
async function repair (ctx: RequesterContext, topic: string, traces: readonly FailureTrace[]): Promise<void> {
  const suite = new RegressionSuite(ctx.traces, topic)
  for (const trace of traces) suite.record(trace)
  const current = ctx.traces.current(topic)?.mechanism ?? ctx.mechanism
  const outcome = await suite.repair(current, ctx.attributor)
  if (outcome.accepted) ctx.traces.adopt(topic, outcome.mechanism, `repaired ${outcome.clauses.join(', ')} after ${traces.map(t => t.kind).join(', ')}`, ctx.now())
}

function median (xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[sorted.length >> 1] ?? 0
}
