import { z } from 'zod'
import { MalformedMessageError } from '../api/errors.ts'
import { decode, encode } from '../common/codec.ts'
import { bytes } from '../common/schema.ts'
import { Domains } from '../identity/domains.ts'
import { open, payloadOf, seal, type Signer } from '../identity/envelope.ts'

// A T3 evidence package: the chain of tool-call receipts and the provider's seal over its head and the task's result.

export const EVIDENCE_SEAL_TYPE = 'evidence-seal'
export const MAX_TOOL_CALLS = 256
/** Room for a TEE quote (SGX/TDX quotes are ~5 KiB, SEV-SNP reports with certificates more). */
export const MAX_ATTESTATION_BYTES = 16 * 1024

export interface EvidenceSeal {
  readonly v: 1
  readonly task: string
  /** How many receipts the chain holds, and the hash of the last: a dropped receipt breaks one or the other. */
  readonly calls: number
  readonly head: Uint8Array
  /** Hash of the task input as the provider received it, and of the result it returned. */
  readonly inputHash: Uint8Array
  readonly resultHash: Uint8Array
  /** Opaque bytes for a TEE quote over the seal's other fields; null until a TEE backend exists. */
  readonly attestation: Uint8Array | null
}

export interface EvidencePackage {
  /** Signed tool-call receipts, index 0 first. */
  readonly calls: readonly Uint8Array[]
  /** The provider's signed EvidenceSeal. */
  readonly seal: Uint8Array
}

const EvidenceSealPayload = z.object({
  v: z.literal(1),
  task: z.string().min(1).max(128),
  calls: z.number().int().min(1).max(MAX_TOOL_CALLS),
  head: bytes(32),
  inputHash: bytes(32),
  resultHash: bytes(32),
  attestation: bytes().refine(b => b.byteLength <= MAX_ATTESTATION_BYTES, 'attestation too large').nullable()
}).strict()

export function sealEvidence (payload: EvidenceSeal, provider: Signer): Uint8Array {
  return seal(Domains.evidence, EVIDENCE_SEAL_TYPE, payload, [provider]).bytes
}

export function openEvidenceSeal (sealBytes: Uint8Array, provider: Uint8Array): EvidenceSeal {
  return payloadOf(open(sealBytes, Domains.evidence, [provider]), EVIDENCE_SEAL_TYPE, EvidenceSealPayload)
}

const MAX_PACKAGE_BYTES = Domains.evidence.maxBytes + MAX_TOOL_CALLS * (Domains.toolCall.maxBytes + 8) + 64
const WirePackage = z.object({ calls: z.array(bytes()).min(1).max(MAX_TOOL_CALLS), seal: bytes() }).strict()

/** For the wire and the store: one DAG-CBOR value, size-bounded. */
export function encodeEvidence (pkg: EvidencePackage): Uint8Array {
  return encode({ calls: pkg.calls, seal: pkg.seal })
}

export function decodeEvidence (packageBytes: Uint8Array): EvidencePackage {
  const parsed = WirePackage.safeParse(decode(packageBytes, MAX_PACKAGE_BYTES, 'evidence package'))
  if (!parsed.success) throw new MalformedMessageError(`evidence package has the wrong shape: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}
