import { z } from 'zod'
import { bytes } from '../common/schema.ts'
import { decode, encode } from '../common/codec.ts'
import { MalformedMessageError } from '../api/errors.ts'
import { MAX_CHAIN_LENGTH, type BaidChain } from './baid.ts'
import { Domains } from './domains.ts'

/** A BAID bundle: the signed record chain (and revocation, if any) as one file. Public; holds no keys. */
export interface BaidBundle { readonly records: readonly Uint8Array[], readonly revocation: Uint8Array | undefined }

const MAX_BUNDLE_BYTES = 64 + MAX_CHAIN_LENGTH * (Domains.baid.maxBytes + 8) + Domains.revocation.maxBytes

const BundleSchema = z.object({
  v: z.literal(1),
  kind: z.literal('hearth/baid-bundle'),
  records: z.array(bytes()).min(1).max(MAX_CHAIN_LENGTH),
  revocation: bytes().nullable()
}).strict()

export function encodeBundle (chain: BaidChain): Uint8Array {
  return encode({
    v: 1,
    kind: 'hearth/baid-bundle',
    records: chain.links.map(l => l.envelope.bytes),
    revocation: chain.revocation?.envelope.bytes ?? null
  })
}

export function decodeBundle (bytes: Uint8Array): BaidBundle {
  const parsed = BundleSchema.safeParse(decode(bytes, MAX_BUNDLE_BYTES, 'BAID bundle'))
  if (!parsed.success) throw new MalformedMessageError(`not a BAID bundle: ${z.prettifyError(parsed.error)}`)
  return { records: parsed.data.records, revocation: parsed.data.revocation ?? undefined }
}
