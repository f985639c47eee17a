import { z } from 'zod'
import { InvalidTaskMessageError } from '../api/errors.ts'
import { VERIFICATION_TIERS, type Award, type Cancel, type MechanismTerms, type Offer, type ReceiptSignature, type TaskProbe, type TaskRequest, type TaskResult } from '../api/negotiation.ts'
import { equalBytes } from '../common/codec.ts'
import { bytes, domainName } from '../common/schema.ts'
import { Domains } from '../identity/domains.ts'
import { PUBLIC_KEY_BYTES } from '../identity/ed25519.ts'
import { open, payloadOf, seal, type SignedEnvelope, type Signer } from '../identity/envelope.ts'

// The task protocol's messages: each a `hearth/task` envelope signed by the party it names, size-limited and verified
// before its payload is decoded, then checked against its schema.

const credits = () => z.number().min(0).max(1e9)
const ms = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const key = () => bytes(PUBLIC_KEY_BYTES)
const taskId = () => z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a task id: letters, digits, _ and -, at most 128')
const dataClass = () => z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a data class: lowercase letters, digits, _ and -')
const reason = () => z.string().max(512)
// An optional field is absent from the wire, never `undefined`: DAG-CBOR cannot encode undefined.
const omitUndefined = <T extends object> (value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T

/** Inline bytes: a small output or a probe's input. */
export const MAX_INLINE_BYTES = 48 * 1024
/** The largest result a task delivers: over the inline limit it is fetched in chunks, named by its digest in the signed result. */
export const MAX_RESULT_BYTES = 16 * 1024 * 1024
/** One fetched chunk of a large result: well inside a task response frame. */
export const RESULT_CHUNK_BYTES = 256 * 1024

/** The requester asks for the next chunk of a delivered result (not part of the public api: a wire detail). */
export interface ResultFetch {
  readonly task: string
  readonly requester: Uint8Array
  readonly offset: number
}

const FetchSchema = z.object({ task: taskId(), requester: key(), offset: z.number().int().min(0).max(MAX_RESULT_BYTES) }).strict() satisfies z.ZodType<ResultFetch>

export const MechanismTermsSchema = z.object({
  reward: z.object({ base: credits(), qualityBonus: credits() }).strict(),
  tier: z.enum(VERIFICATION_TIERS),
  deadline: ms(),
  penalties: z.object({ forfeitOnFailure: z.boolean(), lateFee: credits(), fraudSlash: credits(), shortfall: credits() }).strict(),
  egress: z.object({ allowedDataClasses: z.array(dataClass()).max(32), redactionRequired: z.boolean() }).strict(),
  canary: z.boolean()
}).strict() satisfies z.ZodType<MechanismTerms>

const TaskRequestSchema = z.object({
  task: taskId(),
  topic: domainName(),
  capability: z.string().min(1).max(128),
  intent: z.string().max(4096),
  input: z.object({ digest: bytes(32), size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), dataClasses: z.array(dataClass()).max(32) }).strict(),
  terms: MechanismTermsSchema,
  requester: key(),
  createdAt: ms()
}).strict() satisfies z.ZodType<TaskRequest>

const OfferSchema = z.object({
  task: taskId(),
  provider: key(),
  decision: z.enum(['accept', 'decline']),
  reason: reason().optional(),
  price: credits(),
  etaMs: ms(),
  quality: z.number().min(0).max(1)
}).strict() satisfies z.ZodType<Offer>

const AwardSchema = z.object({
  task: taskId(),
  requester: key(),
  provider: key(),
  price: credits(),
  failover: z.array(key()).max(64)
}).strict() satisfies z.ZodType<Award>

const TaskResultSchema = z.object({
  task: taskId(),
  provider: key(),
  status: z.enum(['completed', 'failed']),
  output: z.object({ digest: bytes(32), size: z.number().int().min(0).max(MAX_RESULT_BYTES) }).strict().optional(),
  inline: bytes().refine(b => b.byteLength <= MAX_INLINE_BYTES, 'inline output is at most 48 KiB').optional(),
  reason: reason().optional(),
  receipt: bytes(64).optional(),
  deliveredAt: ms()
}).strict() satisfies z.ZodType<TaskResult>

const CancelSchema = z.object({ task: taskId(), by: key(), reason: reason() }).strict() satisfies z.ZodType<Cancel>


const ProbeSchema = z.object({
  task: taskId(),
  requester: key(),
  input: bytes().refine(b => b.byteLength <= MAX_INLINE_BYTES, 'a probe input is at most 48 KiB')
}).strict() satisfies z.ZodType<TaskProbe>

const ReceiptSignatureSchema = z.object({
  task: taskId(),
  requester: key(),
  topic: domainName(),
  satisfied: z.boolean(),
  output: bytes(32).optional(),
  signature: bytes(64)
}).strict() satisfies z.ZodType<ReceiptSignature>

/** One message kind: its envelope type, schema, and the field naming the party who must have signed it. */
interface MessageKind<T> {
  readonly type: string
  readonly schema: z.ZodType<T>
  readonly signer: (message: T) => Uint8Array
}

const KINDS = {
  request: { type: 'task-request', schema: TaskRequestSchema, signer: m => m.requester } satisfies MessageKind<TaskRequest>,
  offer: { type: 'task-offer', schema: OfferSchema, signer: m => m.provider } satisfies MessageKind<Offer>,
  award: { type: 'task-award', schema: AwardSchema, signer: m => m.requester } satisfies MessageKind<Award>,
  result: { type: 'task-result', schema: TaskResultSchema, signer: m => m.provider } satisfies MessageKind<TaskResult>,
  cancel: { type: 'task-cancel', schema: CancelSchema, signer: m => m.by } satisfies MessageKind<Cancel>,
  probe: { type: 'task-probe', schema: ProbeSchema, signer: m => m.requester } satisfies MessageKind<TaskProbe>,
  receipt: { type: 'task-receipt-signature', schema: ReceiptSignatureSchema, signer: m => m.requester } satisfies MessageKind<ReceiptSignature>,
  fetch: { type: 'task-result-fetch', schema: FetchSchema, signer: m => m.requester } satisfies MessageKind<ResultFetch>
}

function encodeKind<T extends object> (kind: MessageKind<T>, message: T, signer: Signer): Uint8Array {
  const parsed = kind.schema.safeParse(omitUndefined(message))
  if (!parsed.success) throw new InvalidTaskMessageError(`${kind.type} is invalid: ${z.prettifyError(parsed.error)}`)
  if (!equalBytes(kind.signer(parsed.data), signer.publicKey)) throw new InvalidTaskMessageError(`a ${kind.type} is signed by the party it names`)
  return seal(Domains.task, kind.type, parsed.data, [signer]).bytes
}

/** Size, envelope, signature and schema are checked in that order; the signer must be the party the message names. */
function decodeKind<T> (kind: MessageKind<T>, bytes: Uint8Array): T {
  return fromEnvelope(kind, open(bytes, Domains.task))
}

function fromEnvelope<T> (kind: MessageKind<T>, envelope: SignedEnvelope): T {
  const message = payloadOf(envelope, kind.type, kind.schema)
  if (!equalBytes(kind.signer(message), envelope.signers[0]!)) throw new InvalidTaskMessageError(`${kind.type} is signed by a key other than the party it names`)
  return message
}

export const encodeTaskRequest = (m: TaskRequest, signer: Signer): Uint8Array => encodeKind(KINDS.request, m, signer)
export const decodeTaskRequest = (b: Uint8Array): TaskRequest => decodeKind(KINDS.request, b)
export const encodeOffer = (m: Offer, signer: Signer): Uint8Array => encodeKind(KINDS.offer, m, signer)
export const decodeOffer = (b: Uint8Array): Offer => decodeKind(KINDS.offer, b)
export const encodeAward = (m: Award, signer: Signer): Uint8Array => encodeKind(KINDS.award, m, signer)
export const decodeAward = (b: Uint8Array): Award => decodeKind(KINDS.award, b)
export const encodeTaskResult = (m: TaskResult, signer: Signer): Uint8Array => encodeKind(KINDS.result, m, signer)
export const decodeTaskResult = (b: Uint8Array): TaskResult => decodeKind(KINDS.result, b)
export const encodeCancel = (m: Cancel, signer: Signer): Uint8Array => encodeKind(KINDS.cancel, m, signer)
export const decodeCancel = (b: Uint8Array): Cancel => decodeKind(KINDS.cancel, b)

export const encodeProbe = (m: TaskProbe, signer: Signer): Uint8Array => encodeKind(KINDS.probe, m, signer)
export const encodeReceiptSignature = (m: ReceiptSignature, signer: Signer): Uint8Array => encodeKind(KINDS.receipt, m, signer)
export const encodeResultFetch = (m: ResultFetch, signer: Signer): Uint8Array => encodeKind(KINDS.fetch, m, signer)

export type TaskMessage =
  | { readonly kind: 'request', readonly message: TaskRequest }
  | { readonly kind: 'offer', readonly message: Offer }
  | { readonly kind: 'award', readonly message: Award }
  | { readonly kind: 'result', readonly message: TaskResult }
  | { readonly kind: 'cancel', readonly message: Cancel }
  | { readonly kind: 'probe', readonly message: TaskProbe }
  | { readonly kind: 'receipt', readonly message: ReceiptSignature }
  | { readonly kind: 'fetch', readonly message: ResultFetch }

/** Any task message off a stream, by its envelope type (what a protocol handler calls). */
export function decodeTaskMessage (bytes: Uint8Array): TaskMessage {
  const envelope = open(bytes, Domains.task)
  switch (envelope.type) {
    case KINDS.request.type: return { kind: 'request', message: fromEnvelope(KINDS.request, envelope) }
    case KINDS.offer.type: return { kind: 'offer', message: fromEnvelope(KINDS.offer, envelope) }
    case KINDS.award.type: return { kind: 'award', message: fromEnvelope(KINDS.award, envelope) }
    case KINDS.result.type: return { kind: 'result', message: fromEnvelope(KINDS.result, envelope) }
    case KINDS.cancel.type: return { kind: 'cancel', message: fromEnvelope(KINDS.cancel, envelope) }
    case KINDS.probe.type: return { kind: 'probe', message: fromEnvelope(KINDS.probe, envelope) }
    case KINDS.receipt.type: return { kind: 'receipt', message: fromEnvelope(KINDS.receipt, envelope) }
    case KINDS.fetch.type: return { kind: 'fetch', message: fromEnvelope(KINDS.fetch, envelope) }
    default: throw new InvalidTaskMessageError(`unknown task message type "${envelope.type}"`)
  }
}
