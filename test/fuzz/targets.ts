import fc from 'fast-check'
import { decode, encode } from '../../core/common/codec.ts'
import { sha256 } from '../../core/common/hash.ts'
import { decodeDescriptor, encodeDescriptor } from '../../core/discovery/descriptor.ts'
import { checkBody, openEntry, signEntry } from '../../core/discovery/log-entry.ts'
import { GossipFrames } from '../../core/discovery/gossip.ts'
import { readAnswer, readFrame } from '../../core/net/session.ts'
import { decodeTopicPeers, decodeTopicPeersRequest } from '../../core/net/rendezvous.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { ChallengeSchema, createChallenge, answerChallenge, verifyChallengeAnswer } from '../../core/execution/challenge.ts'
import { decodeEvidence, openEvidenceSeal, sealEvidence } from '../../core/execution/evidence-package.ts'
import { openToolCall, sealToolCall } from '../../core/execution/tool-receipt.ts'
import { issueRevocation, openRecord, openRevocation, verifyChain, type BaidChain } from '../../core/identity/baid.ts'
import { decodeBundle, encodeBundle } from '../../core/identity/bundle.ts'
import { Domains } from '../../core/identity/domains.ts'
import { open, seal, type Signer } from '../../core/identity/envelope.ts'
import { hex, peerIdOf } from '../../core/identity/ids.ts'
import { BaidVerifier } from '../../core/identity/verifier.ts'
import { buildAgentCard, parseAgentCard, signAgentCard, verifyAgentCard, type CardIdentity } from '../../core/interop/index.ts'
import { cardToJson } from '../../core/interop/card-file.ts'
import { decodeAward, decodeCancel, decodeOffer, decodeTaskMessage, decodeTaskRequest, decodeTaskResult, encodeAward, encodeCancel, encodeOffer, encodeProbe, encodeReceiptSignature, encodeTaskRequest, encodeTaskResult } from '../../core/negotiation/messages.ts'
import { decodeFrame, MAX_TASK_REQUEST_BYTES, MAX_TASK_RESPONSE_BYTES } from '../../core/negotiation/wire.ts'
import { validateBaidRecord } from '../../core/net/dht-records.ts'
import { DHT_BAID_PREFIX } from '../../core/net/protocols.ts'
import { openReceipt, ratingFromReceipt, sealReceipt, signReceipt } from '../../core/reputation/receipt.ts'
import { makeDescriptor } from '../helpers/descriptors.ts'
import { buildChain, digest, testSigner } from '../helpers/identity.ts'
import { mutatedBytes, mutatedJson, mutatedValue, resealed, type EnvelopeSeed } from './mutate.ts'

// Every decoder and validator that takes network input, each with valid seeds made by the real encoders with real keys.

export interface FuzzTarget<I = Uint8Array> {
  readonly name: string
  readonly inputs: fc.Arbitrary<I>
  /** Valid inputs made by the real encoders: havoc mutates these too. */
  readonly seeds?: readonly I[]
  /** Returns, or throws: a HearthError is a refusal; anything else is counted against the decoder. */
  run (input: I): unknown
  /** Share of inputs from fast-check's generators (the rest is havoc); 0.25 unless given. */
  readonly generatedShare?: number
  /** For targets that answer over a socket: inputs in flight at once. */
  readonly concurrency?: number
  /** Start what the target talks to (a server), just before it runs. */
  open? (): Promise<void>
  close? (): Promise<void>
}

const NOW = Date.now()

/** Byte mutations of the seeds, and the seeds' envelopes rebuilt and re-signed (right key, wrong key). */
function envelopeInputs (seeds: readonly Uint8Array[], envelopes: readonly EnvelopeSeed[], strangers: readonly Signer[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ weight: 3, arbitrary: mutatedBytes(seeds) }, { weight: 2, arbitrary: resealed(envelopes, strangers) })
}

/** An envelope's parts, to rebuild it with its real signers. */
function seedOf (bytes: Uint8Array, signers: readonly Signer[]): EnvelopeSeed {
  const wire = decode(bytes, Infinity) as { d: string, t: string, p: Uint8Array }
  return { domain: wire.d, type: wire.t, payload: decode(wire.p, Infinity), signers }
}

/** A CBOR value (not an envelope) with one field changed, encoded canonically. */
function cborInputs (seeds: readonly unknown[]): fc.Arbitrary<Uint8Array> {
  const bytes = seeds.map(s => encode(s))
  return fc.oneof(
    { weight: 3, arbitrary: mutatedBytes(bytes) },
    { weight: 2, arbitrary: fc.constantFrom(...seeds).chain(s => mutatedValueOf(s)) }
  )
}

function mutatedValueOf (seed: unknown): fc.Arbitrary<Uint8Array> {
  return mutatedValue(seed).map(v => { try { return encode(v) } catch { return new Uint8Array(0) } })
}

export interface Fixtures {
  readonly owner: Signer
  readonly agents: readonly Signer[]
  readonly strangers: readonly Signer[]
  readonly chain: BaidChain
  readonly records: readonly Uint8Array[]
  readonly revocation: Uint8Array
  readonly bundle: Uint8Array
}

export function fixtures (): Fixtures {
  const owner = testSigner()
  const agents = [testSigner(), testSigner(), testSigner()]
  const strangers = [testSigner(), testSigner()]
  const links = buildChain(owner, agents, NOW - 1000)
  const records = links.map(l => l.envelope.bytes)
  const revocation = issueRevocation({ v: 1, baid: links[0]!.hash, version: 3, reason: 'key lost', revokedAt: NOW }, owner).bytes
  const chain = verifyChain(records)
  return { owner, agents, strangers, chain, records, revocation, bundle: encodeBundle(chain) }
}

/** The byte decoders: envelopes, identity, discovery, negotiation, reputation, execution, framing. */
export function byteTargets (f: Fixtures): FuzzTarget[] {
  const [a1, a2, agent] = f.agents as [Signer, Signer, Signer]
  const provider = f.strangers[0]!
  const targets: FuzzTarget[] = []
  const add = (name: string, inputs: fc.Arbitrary<Uint8Array>, run: (b: Uint8Array) => unknown, seeds?: readonly Uint8Array[]): void => { targets.push({ name, inputs, run, ...(seeds === undefined ? {} : { seeds }) }) }
  const addCbor = (name: string, values: readonly unknown[], run: (b: Uint8Array) => unknown): void => add(name, cborInputs(values), run, values.map(v => encode(v)))
  const envelopes = (name: string, seeds: readonly Uint8Array[], signers: readonly (readonly Signer[])[], run: (b: Uint8Array) => unknown): void =>
    add(name, envelopeInputs(seeds, seeds.map((s, i) => seedOf(s, signers[i]!)), [...f.strangers, a1]), run, seeds)

  // --- identity ---
  const message = seal(Domains.message, 'note', { text: 'hello', n: 1, tags: ['a'] }, [agent]).bytes
  envelopes('signed-envelope', [message], [[agent]], b => open(b, Domains.message, [agent.publicKey]))
  envelopes('baid-record', f.records, [[f.owner, a1], [f.owner, a2], [f.owner, agent]], b => openRecord(b))
  envelopes('baid-revocation', [f.revocation], [[f.owner]], b => openRevocation(b, f.owner.publicKey, f.chain.genesisHash))
  addCbor('baid-bundle', [{ v: 1, kind: 'hearth/baid-bundle', records: f.records, revocation: null }, { v: 1, kind: 'hearth/baid-bundle', records: f.records, revocation: f.revocation }], b => {
    const { records, revocation } = decodeBundle(b)
    new BaidVerifier({ now: () => NOW }).acceptChain(records, revocation)
  })
  const dhtKey = new TextEncoder().encode(`/${DHT_BAID_PREFIX}/${peerIdOf(agent.publicKey)}`)
  add('dht-baid-record', mutatedBytes([f.bundle]), b => validateBaidRecord(dhtKey, b), [f.bundle])

  // --- discovery ---
  const descriptor = encodeDescriptor(makeDescriptor(7, { agent: agent.publicKey, now: NOW }))
  addCbor('capability-descriptor', [decode(descriptor, Infinity)], b => decodeDescriptor(b))
  const entries = [
    signEntry({ seq: 1, prev: null, ts: NOW, kind: 'descriptor', bodyHash: sha256(descriptor), bodySize: descriptor.byteLength, topics: ['code_generation'], tp: [0], keywords: ['lint', 'rust'] }, agent),
    signEntry({ seq: 2, prev: digest('prev'), ts: NOW, kind: 'rating', bodyHash: digest('body'), bodySize: 300, topics: ['data_analysis'], tp: [0], keywords: [] }, agent)
  ]
  envelopes('log-entry-header', entries.map(e => e.bytes), [[agent], [agent]], b => openEntry(b))
  addCbor('fetch-request', [{ h: sha256(descriptor) }, { h: sha256(descriptor), a: agent.publicKey }], GossipFrames.fetchRequest)
  addCbor('fetch-response', [{ b: descriptor }, { b: descriptor, baid: { h: entries[0]!.bytes, b: f.bundle } }, { missing: true }], GossipFrames.fetchResponse)
  addCbor('range-request', [{ a: agent.publicKey, f: 1, t: 2 }, { d: 'code_generation', s: 1_700_000_000_000 }], GossipFrames.rangeRequest)
  addCbor('range-response', [{ headers: entries.map(e => e.bytes) }], b => { for (const h of GossipFrames.rangeResponse(b).headers) openEntry(h) })
  // What a full-body gossip validator does before it stores anything: the frame, the header, the body against it.
  addCbor('full-body-gossip', [{ h: entries[0]!.bytes, b: descriptor }], b => {
    const message = GossipFrames.fullBody(b)
    checkBody(openEntry(message.h).entry, message.b)
    return decodeDescriptor(message.b)
  })

  // --- negotiation ---
  const terms = { reward: { base: 10, qualityBonus: 2 }, tier: 'T2' as const, deadline: NOW + 60_000, penalties: { forfeitOnFailure: true, lateFee: 1, fraudSlash: 5, shortfall: 0 }, egress: { allowedDataClasses: ['public'], redactionRequired: false }, canary: true }
  const request = encodeTaskRequest({ task: 'task-1', topic: 'code_generation', capability: 'lint-7', intent: 'lint this', input: { digest: digest('input'), size: 120, dataClasses: ['public'] }, terms, requester: agent.publicKey, createdAt: NOW }, agent)
  const offer = encodeOffer({ task: 'task-1', provider: provider.publicKey, decision: 'accept', price: 4, etaMs: 5000, quality: 0.9 }, provider)
  const decline = encodeOffer({ task: 'task-1', provider: provider.publicKey, decision: 'decline', reason: 'busy', price: 0, etaMs: 0, quality: 0 }, provider)
  const award = encodeAward({ task: 'task-1', requester: agent.publicKey, provider: provider.publicKey, price: 4, failover: [a1.publicKey] }, agent)
  const result = encodeTaskResult({ task: 'task-1', provider: provider.publicKey, status: 'completed', output: { digest: digest('out'), size: 10 }, inline: new Uint8Array(10), receipt: signReceipt({ task: 'task-1', topic: 'code_generation', satisfied: true, output: digest('out') }, provider), deliveredAt: NOW }, provider)
  const cancel = encodeCancel({ task: 'task-1', by: agent.publicKey, reason: 'changed my mind' }, agent)
  const probe = encodeProbe({ task: 'task-1', requester: agent.publicKey, input: encode({ text: 'canary' }) }, agent)
  const receiptOf = { task: 'task-1', topic: 'code_generation', satisfied: true }
  const receiptSignature = encodeReceiptSignature({ ...receiptOf, requester: agent.publicKey, signature: signReceipt(receiptOf, agent) }, agent)
  envelopes('task-request', [request], [[agent]], decodeTaskRequest)
  envelopes('task-offer', [offer, decline], [[provider], [provider]], decodeOffer)
  envelopes('task-award', [award], [[agent]], decodeAward)
  envelopes('task-result', [result], [[provider]], decodeTaskResult)
  envelopes('task-cancel', [cancel], [[agent]], decodeCancel)
  envelopes('task-probe', [probe], [[agent]], decodeTaskMessage)
  envelopes('task-receipt-signature', [receiptSignature], [[agent]], decodeTaskMessage)
  const all = [request, offer, award, result, cancel, probe, receiptSignature]
  envelopes('task-message', all, [[agent], [provider], [agent], [provider], [agent], [agent], [agent]], decodeTaskMessage)
  addCbor('task-frame', [{ m: request, x: f.bundle }, { m: result }, {}], b => decodeFrame(b, MAX_TASK_REQUEST_BYTES))
  const neighbour = { id: peerIdFromString(peerIdOf(agent.publicKey)).toMultihash().bytes, addrs: [multiaddr('/ip4/127.0.0.1/tcp/4001').bytes, multiaddr('/ip6/::1/udp/4001/quic-v1').bytes] }
  addCbor('topic-peers-request', [{ t: 'code_generation' }], decodeTopicPeersRequest)
  addCbor('topic-peers-response', [{ peers: [neighbour, { ...neighbour, addrs: [] }] }, { peers: [] }], decodeTopicPeers)
  addCbor('session-frame', [{ i: 7, m: request }, { i: 0, m: new Uint8Array(0) }], b => readFrame(b, MAX_TASK_REQUEST_BYTES + 32))
  addCbor('session-answer', [{ i: 7, m: result }, { i: 3, e: 'TaskProtocolError: task t1 is canceled' }], b => readAnswer(b, MAX_TASK_RESPONSE_BYTES + 32))

  // --- reputation ---
  const receipt = sealReceipt(receiptOf, agent, provider)
  envelopes('receipt', [receipt], [[agent, provider]], openReceipt)
  const peers = new Map([[hex(agent.publicKey), 0], [hex(provider.publicKey), 1]])
  const directory = { peerOf: (k: Uint8Array) => peers.get(hex(k)), topicOf: (t: string) => t === 'code_generation' ? 0 : undefined }
  envelopes('rating', [receipt, sealReceipt({ ...receiptOf, satisfied: false }, agent, provider)], [[agent, provider], [agent, provider]], b => ratingFromReceipt(b, directory))

  // --- execution (T2 challenge, T3 evidence) ---
  const challenge = createChallenge(provider.publicKey, f.chain.baidId, NOW)
  const answer = answerChallenge(challenge, { signer: agent, baidId: f.chain.baidId })
  addCbor('challenge-request', [challenge], b => {
    const parsed = ChallengeSchema.safeParse(decode(b, 256, 'challenge'))
    return parsed.success
  })
  envelopes('challenge-answer', [answer], [[agent]], b => verifyChallengeAnswer(b, challenge, f.chain, { now: NOW }))
  const call0 = sealToolCall({ v: 1, task: 'task-1', index: 0, tool: 'echo', toolDigest: digest('tool'), inputHash: digest('in'), outputHash: digest('out'), startedAt: NOW, endedAt: NOW + 5, prev: null }, provider)
  envelopes('tool-call-receipt', [call0], [[provider]], b => openToolCall(b, provider.publicKey))
  const evidenceSeal = sealEvidence({ v: 1, task: 'task-1', calls: 1, head: sha256(call0), inputHash: digest('in'), resultHash: digest('out'), attestation: null }, provider)
  envelopes('evidence-seal', [evidenceSeal], [[provider]], b => openEvidenceSeal(b, provider.publicKey))
  addCbor('evidence-package', [{ calls: [call0], seal: evidenceSeal }], b => {
    const pkg = decodeEvidence(b)
    openEvidenceSeal(pkg.seal, provider.publicKey)
    for (const call of pkg.calls) openToolCall(call, provider.publicKey)
  })
  return targets
}

/** The A2A AgentCard verifier: card files (JSON) against the BAID bundle they claim. */
export function cardTarget (f: Fixtures): FuzzTarget<string> {
  const agent = f.agents[2]!
  const who: CardIdentity = { baidId: f.chain.baidId, peerId: peerIdOf(agent.publicKey), baidVersion: 3 }
  const card = buildAgentCard({ name: 'Fuzz agent', identity: who, url: 'http://127.0.0.1:4711/a2a', version: '0.1.0', descriptors: [makeDescriptor(3, { agent: agent.publicKey })] })
  const signed = signAgentCard(card, agent, who)
  // The impostor's card: the same content signed by another key under the genuine header.
  const stranger = f.strangers[0]!
  const forged = signAgentCard(card, stranger, { ...who, peerId: peerIdOf(stranger.publicKey) })
  const seeds = [JSON.parse(cardToJson(signed)) as unknown, JSON.parse(cardToJson(forged)) as unknown]
  return {
    name: 'agent-card',
    inputs: mutatedJson(seeds),
    seeds: seeds.map(s => JSON.stringify(s)),
    // The chain is verified once, as a peer holds it; the bundle decoder has its own target.
    run: text => verifyAgentCard(parseAgentCard(new TextEncoder().encode(text)), f.chain, NOW)
  }
}

/** A refusal reported without a named error class (InternalError): counted as an unnamed error. */
export class UnnamedRefusal extends Error {
  override readonly name = 'UnnamedRefusal'
}
