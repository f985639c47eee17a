import { z } from 'zod'
import { decode, encode } from '../common/codec.ts'
import { bytes, domainName } from '../common/schema.ts'
import { InvalidPayloadError } from '../api/errors.ts'

// A capability descriptor (mechanisms §3): signed soft state — it lives for its TTL and is refreshed before then.
// It travels as the body of a log entry; the signed header carries its hash, so the body itself needs no signature.

/** Bodies are pulled on demand; none may exceed this. */
export const MAX_DESCRIPTOR_BYTES = 16 * 1024

export const TOPICS = ['code_generation', 'code_review_security', 'devops_tool_execution', 'data_analysis', 'creative_writing'] as const

const Name = z.string().min(1).max(128)
const JsonSchema = z.record(z.string(), z.unknown())

export const CapabilityDescriptorSchema = z.object({
  v: z.literal(1),
  /** The announcing agent's public key (its libp2p identity). */
  agent: bytes(32),
  baidId: z.string().max(128),
  baidVersion: z.number().int().min(1),
  /** Must equal the agent's current BAID record's configDigest (checked at T1). */
  configDigest: bytes(32),
  id: Name,
  name: z.string().min(1).max(256),
  description: z.string().max(4096),
  topics: z.array(domainName()).min(1).max(8),
  tags: z.array(z.string().min(1).max(64)).max(32),
  inputSchema: JsonSchema,
  outputSchema: JsonSchema,
  examples: z.array(z.object({ input: z.string().max(2048), output: z.string().max(2048) }).strict()).max(4),
  constraints: z.object({
    maxInputBytes: z.number().int().min(0),
    dataClasses: z.array(Name).max(16),
    minRequesterTrust: z.number().min(0).max(1),
    ratePerMinute: z.number().int().min(0),
    price: z.number().min(0)
  }).strict(),
  qos: z.object({ p50LatencyMs: z.number().min(0), successRate: z.number().min(0).max(1) }).strict(),
  verification: z.object({ tiersOffered: z.array(z.number().int().min(0).max(3)).max(4) }).strict(),
  state: z.object({ available: z.boolean(), load: z.number().min(0).max(1) }).strict(),
  issuedAt: z.number().int().nonnegative(),
  ttlMs: z.number().int().min(1000).max(24 * 60 * 60 * 1000)
}).strict()

export type CapabilityDescriptor = z.infer<typeof CapabilityDescriptorSchema>

export function encodeDescriptor (descriptor: CapabilityDescriptor): Uint8Array {
  const body = encode(CapabilityDescriptorSchema.parse(descriptor))
  if (body.byteLength > MAX_DESCRIPTOR_BYTES) throw new InvalidPayloadError(`descriptor ${descriptor.id} is ${body.byteLength} bytes, over the ${MAX_DESCRIPTOR_BYTES}-byte limit`)
  return body
}

/** Decode an untrusted body: size first, canonical form, then schema. */
export function decodeDescriptor (body: Uint8Array): CapabilityDescriptor {
  const parsed = CapabilityDescriptorSchema.safeParse(decode(body, MAX_DESCRIPTOR_BYTES, 'capability descriptor'))
  if (!parsed.success) throw new InvalidPayloadError(`capability descriptor is invalid: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/** Soft state: a descriptor is live until issuedAt + ttl. */
export function isLive (descriptor: CapabilityDescriptor, now: number): boolean {
  return now < descriptor.issuedAt + descriptor.ttlMs
}
