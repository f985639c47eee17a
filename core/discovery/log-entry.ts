import { z } from 'zod'
import { domainName } from '../common/schema.ts'
import { BodyMismatchError, InvalidPayloadError, MessageTooLargeError, UnexpectedSignerError } from '../api/errors.ts'
import { equalBytes } from '../common/codec.ts'
import { BoundedMemo } from '../common/memo.ts'
import { sha256 } from '../common/hash.ts'
import { bytes } from '../common/schema.ts'
import { Domains } from '../identity/domains.ts'
import { open, payloadOf, seal, type Signer } from '../identity/envelope.ts'
import { MAX_DESCRIPTOR_BYTES } from './descriptor.ts'

// A log entry header (mechanisms §4): what gossip carries. It names its body by hash; the body is pulled later.

export const LOG_ENTRY_TYPE = 'log-entry'

export const LOG_KINDS = ['baid', 'descriptor', 'retract', 'rating', 'revocation'] as const
export type LogKind = typeof LOG_KINDS[number]

/** No body of any kind may exceed this. */
export const MAX_BODY_BYTES = 64 * 1024

/** Each kind's body cap: a header promising a bigger body is refused before anyone pulls it. */
export const MAX_BODY_BYTES_BY_KIND: Readonly<Record<LogKind, number>> = {
  // A whole BAID bundle: every version since genesis (about 550 bytes each), so room for a few dozen.
  baid: 16 * 1024,
  descriptor: MAX_DESCRIPTOR_BYTES,
  retract: 1024,
  rating: 4096,
  revocation: Domains.revocation.maxBytes
}

const Bytes32 = bytes(32)
const Count = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)
/** The form of a gossip topic's semantic domain (net/protocols.ts), so every topic is routable. */
const Topic = domainName()
const Keyword = z.string().regex(/^\S{1,32}$/u)

export const LogEntrySchema = z.object({
  v: z.literal(1),
  author: Bytes32,
  seq: Count,
  /** Hash of the previous entry's header envelope bytes; null only for seq 1. */
  prev: Bytes32.nullable(),
  ts: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  kind: z.enum(LOG_KINDS),
  bodyHash: Bytes32,
  bodySize: z.number().int().nonnegative().max(MAX_BODY_BYTES),
  topics: z.array(Topic).max(8),
  /**
   * Per topic, the seq of the author's previous entry on that topic (0: none). A peer that follows some of the topics sees
   * from one header whether it missed an entry there, without fetching the author's entries on the others.
   */
  tp: z.array(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)).max(8),
  keywords: z.array(Keyword).max(16)
}).strict().superRefine((entry, ctx) => {
  if ((entry.seq === 1) !== (entry.prev === null)) ctx.addIssue({ code: 'custom', path: ['prev'], message: 'prev is null exactly when seq is 1' })
  if (entry.tp.length !== entry.topics.length) ctx.addIssue({ code: 'custom', path: ['tp'], message: 'tp has one seq per topic' })
  if (entry.tp.some(seq => seq >= entry.seq)) ctx.addIssue({ code: 'custom', path: ['tp'], message: 'tp names earlier entries only' })
  const cap = MAX_BODY_BYTES_BY_KIND[entry.kind]
  if (entry.bodySize > cap) ctx.addIssue({ code: 'custom', path: ['bodySize'], message: `a ${entry.kind} body is at most ${cap} bytes` })
})

export type LogEntry = z.infer<typeof LogEntrySchema>
/** What the author chooses; `v` and `author` follow from the signer. */
export type LogEntryFields = Omit<LogEntry, 'v' | 'author'>

/** A header as signed or received: the entry, its exact envelope bytes, and their hash (what `prev` and lookups use). */
export interface SignedLogEntry {
  readonly entry: LogEntry
  readonly bytes: Uint8Array
  readonly hash: Uint8Array
}

export function signEntry (fields: LogEntryFields, signer: Signer): SignedLogEntry {
  const parsed = LogEntrySchema.safeParse({ ...fields, v: 1, author: signer.publicKey })
  if (!parsed.success) throw new InvalidPayloadError(`log entry is invalid: ${z.prettifyError(parsed.error)}`)
  const entry = parsed.data
  // Sealed without seal's own cap, so an oversized header fails below with a named error.
  const envelope = seal({ ...Domains.logEntry, maxBytes: Infinity }, LOG_ENTRY_TYPE, entry, [signer])
  const limit = Domains.logEntry.maxBytes
  if (envelope.bytes.byteLength > limit) throw new MessageTooLargeError(`log entry header is ${envelope.bytes.byteLength} bytes, over the ${limit}-byte limit: use fewer or shorter topics and keywords`)
  // Sealing checked the signature: our own header is stored as opened, without decoding what was just encoded.
  const signed = { entry, bytes: envelope.bytes, hash: sha256(envelope.bytes) }
  openedEntries.set(Buffer.from(signed.hash).toString('base64'), signed)
  return signed
}

/** Headers signed or opened here, by hash: the same header is opened again on its way (stored, served, gossiped back to us). */
const openedEntries = new BoundedMemo<string, SignedLogEntry>(1024)

/** Open an untrusted header: size, signature, then payload, then that the signer is the entry's author. */
export function openEntry (bytes: Uint8Array, expectedAuthor?: Uint8Array): SignedLogEntry {
  const hash = sha256(bytes)
  const id = Buffer.from(hash).toString('base64')
  const known = openedEntries.get(id)
  if (known !== undefined && (expectedAuthor === undefined || equalBytes(known.entry.author, expectedAuthor))) return known
  const envelope = open(bytes, Domains.logEntry, expectedAuthor === undefined ? undefined : [expectedAuthor])
  const entry = payloadOf(envelope, LOG_ENTRY_TYPE, LogEntrySchema)
  if (!equalBytes(envelope.signers[0]!, entry.author)) throw new UnexpectedSignerError(`log entry ${entry.seq} is not signed by its author`)
  const signed = { entry, bytes, hash }
  openedEntries.set(id, signed)
  return signed
}

/** A pulled body must be the one the signed header names: size first (cheap), then hash. */
export function checkBody (entry: Pick<LogEntry, 'bodyHash' | 'bodySize'>, body: Uint8Array): void {
  if (body.byteLength !== entry.bodySize) throw new BodyMismatchError(`body is ${body.byteLength} bytes, the header says ${entry.bodySize}`)
  if (!equalBytes(sha256(body), entry.bodyHash)) throw new BodyMismatchError('body does not match the hash in its header')
}
