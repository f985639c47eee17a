import { z } from 'zod'
import { equalBytes } from '../common/codec.ts'
import { BoundedMemo } from '../common/memo.ts'
import { sha256 } from '../common/hash.ts'
import { bytes, domainName } from '../common/schema.ts'
import { InvalidRatingError } from '../api/errors.ts'
import { Domains } from '../identity/domains.ts'
import { encode } from '../common/codec.ts'
import { open, payloadOf, seal, signingBytes, type Signer } from '../identity/envelope.ts'
import type { EvidenceLedger, LocalTrust, PeerIndex, TopicIndex } from './trust-graph.ts'

// The receipt of a real task, co-signed by requester and provider, and the rating it backs: the only evidence reputation accepts.

export const RECEIPT_TYPE = 'task-receipt'

/** What both sides sign when a task ends: who asked, who served, in which topic, and the requester's verdict. */
export interface Receipt {
  readonly task: string
  readonly topic: string
  readonly satisfied: boolean
  /** SHA-256 of the delivered output's bytes, as the provider's signed result named it: both sides sign what was delivered. */
  readonly output?: Uint8Array
}

// The topic is a semantic domain: the rating it backs is logged and gossiped on that domain's topic.
const ReceiptPayload = z.object({ task: z.string().min(1).max(128), topic: domainName(), satisfied: z.boolean(), output: bytes(32).optional() }).strict()

/** Requester signs first, provider second: the envelope's signer order says who rated whom. */
export function sealReceipt (receipt: Receipt, requester: Signer, provider: Signer): Uint8Array {
  return seal(Domains.receipt, RECEIPT_TYPE, receipt, [requester, provider]).bytes
}

function receiptMessage (receipt: Receipt): { payload: Uint8Array, message: Uint8Array } {
  // An absent digest is left out: DAG-CBOR has no undefined.
  const payload = encode(ReceiptPayload.parse(receipt.output === undefined ? { task: receipt.task, topic: receipt.topic, satisfied: receipt.satisfied } : receipt))
  return { payload, message: signingBytes(Domains.receipt.name, RECEIPT_TYPE, payload) }
}

/**
 * One side's signature over a receipt: the provider's, given in advance with its result (satisfied, for that output), and the
 * requester's on acceptance. Ed25519 is deterministic, so a side signing the same receipt again makes the same signature.
 */
export function signReceipt (receipt: Receipt, signer: Signer): Uint8Array {
  return signer.sign(receiptMessage(receipt).message)
}

/** The co-signed envelope from both sides' signatures over the same receipt, checked: the same bytes sealReceipt makes with both keys at hand. */
export function assembleReceipt (receipt: Receipt, requester: { key: Uint8Array, signature: Uint8Array }, provider: { key: Uint8Array, signature: Uint8Array }): { bytes: Uint8Array, opened: OpenedReceipt } {
  const bytes = encode({ d: Domains.receipt.name, t: RECEIPT_TYPE, p: receiptMessage(receipt).payload, s: [[requester.key, requester.signature], [provider.key, provider.signature]] })
  return { bytes, opened: openReceipt(bytes) }
}

/** The provider completes a receipt the requester signed: both signatures are checked once the provider's is added. */
export function countersignReceipt (receipt: Receipt, requester: Uint8Array, requesterSignature: Uint8Array, provider: Signer): Uint8Array {
  return assembleReceipt(receipt, { key: requester, signature: requesterSignature }, { key: provider.publicKey, signature: signReceipt(receipt, provider) }).bytes
}

/** Peers and topics as the engine indexes them. */
export interface ReceiptDirectory {
  peerOf (publicKey: Uint8Array): PeerIndex | undefined
  topicOf (name: string): TopicIndex | undefined
}

/** A receipt whose two signatures verified: requester first, provider second. */
export interface OpenedReceipt {
  readonly receipt: Receipt
  readonly requester: Uint8Array
  readonly provider: Uint8Array
  /** Hash of the exact co-signed bytes: the receipt's identity in ratings and disputes. */
  readonly hash: Uint8Array
}

/** Receipts already opened, by hash: the same co-signed bytes are assembled, kept, and come back as the gossiped rating. */
const openedReceipts = new BoundedMemo<string, OpenedReceipt>(1024)

/** Verify both signatures and the payload; anything else throws InvalidRatingError. */
export function openReceipt (bytes: Uint8Array): OpenedReceipt {
  const hash = sha256(bytes)
  const id = Buffer.from(hash).toString('base64')
  const known = openedReceipts.get(id)
  if (known !== undefined) return known
  let opened: OpenedReceipt
  try {
    const envelope = open(bytes, Domains.receipt)
    const [requester, provider] = envelope.signers
    if (requester === undefined || provider === undefined || envelope.signers.length !== 2) throw new Error('a receipt carries exactly two signatures')
    opened = { receipt: payloadOf(envelope, RECEIPT_TYPE, ReceiptPayload), requester, provider, hash }
  } catch (err) {
    throw new InvalidRatingError(`rating without a valid co-signed receipt: ${(err as Error).message}`)
  }
  if (equalBytes(opened.requester, opened.provider)) throw new InvalidRatingError('a receipt needs two different parties')
  openedReceipts.set(id, opened)
  return opened
}

/** Verify both signatures, then turn the receipt into one rating; anything unverifiable or unknown throws InvalidRatingError. */
export function ratingFromReceipt (bytes: Uint8Array, directory: ReceiptDirectory): LocalTrust {
  const { receipt, requester, provider } = openReceipt(bytes)
  const rater = directory.peerOf(requester)
  const ratee = directory.peerOf(provider)
  const topic = directory.topicOf(receipt.topic)
  if (rater === undefined || ratee === undefined || topic === undefined) throw new InvalidRatingError('receipt names an unknown peer or topic')
  if (rater === ratee) throw new InvalidRatingError('a receipt needs two different parties')
  return { rater, ratee, topic, satisfied: receipt.satisfied ? 1 : 0, unsatisfied: receipt.satisfied ? 0 : 1 }
}

/** The ingest path: receipts that verify become evidence; the rest are ignored and counted. */
export function ingestReceipts (ledger: EvidenceLedger, receipts: readonly Uint8Array[], directory: ReceiptDirectory): { accepted: number, ignored: number } {
  let accepted = 0
  let ignored = 0
  for (const bytes of receipts) {
    let rating: LocalTrust
    try { rating = ratingFromReceipt(bytes, directory) } catch (err) {
      if (err instanceof InvalidRatingError) { ignored++; continue }
      throw err
    }
    ledger.add(rating)
    accepted++
  }
  return { accepted, ignored }
}
