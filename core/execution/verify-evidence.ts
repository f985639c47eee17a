import { EvidenceChainError, EvidenceMismatchError, toErrorInfo } from '../api/errors.ts'
import type { EvidenceVerification } from '../api/execution.ts'
import { equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import { hex, peerIdOf } from '../identity/ids.ts'
import { openReceipt, type OpenedReceipt, type Receipt } from '../reputation/receipt.ts'
import { MAX_TOOL_CALLS, openEvidenceSeal, type EvidencePackage } from './evidence-package.ts'
import { hashValue } from './tool.ts'
import { openToolCall, summarizeToolCall, type ToolCallReceipt } from './tool-receipt.ts'

// The requester's side of T3: check the provider's evidence against what was sent and received, then co-sign the task receipt.

export interface EvidenceExpectation {
  readonly task: string
  /** The task input as the requester sent it, and the result as it arrived. */
  readonly input: unknown
  readonly result: unknown
  /**
   * For a task that is one capability's tool (the usual case): the last call must be that tool, on `input`, giving `result`.
   * `toolDigest` pins the tool's descriptor as the requester saw it announced.
   */
  readonly tool?: { readonly id: string, readonly digest?: Uint8Array }
}

export interface VerifiedEvidence {
  readonly task: string
  readonly provider: Uint8Array
  /** Hash of the seal's bytes: names this evidence in receipts and disputes. */
  readonly root: Uint8Array
  readonly calls: readonly ToolCallReceipt[]
  readonly attestation: Uint8Array | undefined
}

/**
 * Signatures first (seal, then each receipt, all by `provider`), then the chain (order, links, times, head, count), then
 * the hashes against what the requester holds. Throws a named error at the first problem.
 */
export function verifyEvidence (pkg: EvidencePackage, provider: Uint8Array, expected: EvidenceExpectation): VerifiedEvidence {
  if (pkg.calls.length === 0 || pkg.calls.length > MAX_TOOL_CALLS) throw new EvidenceChainError(`an evidence package holds 1 to ${MAX_TOOL_CALLS} tool calls, not ${pkg.calls.length}`)
  const seal = openEvidenceSeal(pkg.seal, provider)
  if (seal.task !== expected.task) throw new EvidenceMismatchError(`the evidence is for task ${seal.task}, not ${expected.task}`)
  const calls: ToolCallReceipt[] = []
  let prev: { hash: Uint8Array, endedAt: number } | null = null
  for (const [i, bytes] of pkg.calls.entries()) {
    const { receipt, hash } = openToolCall(bytes, provider)
    if (receipt.task !== seal.task) throw new EvidenceChainError(`tool call ${i} belongs to task ${receipt.task}`)
    if (receipt.index !== i) throw new EvidenceChainError(`tool call at position ${i} says it is call ${receipt.index}: the chain is out of order`)
    const linked = prev === null ? receipt.prev === null : receipt.prev !== null && equalBytes(receipt.prev, prev.hash)
    if (!linked) throw new EvidenceChainError(`tool call ${i} does not link to the call before it: a call is missing or was replaced`)
    if (receipt.endedAt < receipt.startedAt || (prev !== null && receipt.endedAt < prev.endedAt)) throw new EvidenceChainError(`tool call ${i} ends before it starts or before the call before it`)
    calls.push(receipt)
    prev = { hash, endedAt: receipt.endedAt }
  }
  if (seal.calls !== calls.length || !equalBytes(seal.head, prev!.hash)) throw new EvidenceChainError(`the seal covers ${seal.calls} calls ending elsewhere; the package holds ${calls.length}: calls were dropped or added`)
  if (!equalBytes(seal.inputHash, hashValue(expected.input))) throw new EvidenceMismatchError('the evidence is for a different input than the one sent')
  if (!equalBytes(seal.resultHash, hashValue(expected.result))) throw new EvidenceMismatchError('the result received differs from the one the provider sealed')
  if (expected.tool !== undefined) checkToolTask(calls.at(-1)!, seal.inputHash, seal.resultHash, expected.tool)
  return { task: seal.task, provider, root: sha256(pkg.seal), calls, attestation: seal.attestation ?? undefined }
}

function checkToolTask (last: ToolCallReceipt, inputHash: Uint8Array, resultHash: Uint8Array, tool: NonNullable<EvidenceExpectation['tool']>): void {
  if (last.tool !== tool.id) throw new EvidenceMismatchError(`the last tool call is ${last.tool}, not the capability's tool ${tool.id}`)
  if (tool.digest !== undefined && !equalBytes(last.toolDigest, tool.digest)) throw new EvidenceMismatchError(`${tool.id} ran in a different version than the one announced (its descriptor changed)`)
  if (!equalBytes(last.inputHash, inputHash)) throw new EvidenceMismatchError(`${tool.id} ran on a different input than the one sent`)
  if (!equalBytes(last.outputHash, resultHash)) throw new EvidenceMismatchError(`the result differs from what ${tool.id} returned`)
}

/** The UI's view of a check: never throws. */
export function checkEvidence (pkg: EvidencePackage, provider: Uint8Array, expected: EvidenceExpectation): EvidenceVerification {
  try {
    const verified = verifyEvidence(pkg, provider, expected)
    return {
      ok: true,
      task: verified.task,
      provider: peerIdOf(provider),
      root: hex(verified.root),
      calls: verified.calls.map(summarizeToolCall),
      attested: verified.attestation !== undefined
    }
  } catch (err) {
    return { ok: false, task: expected.task, error: toErrorInfo(err) }
  }
}

/** What the requester co-signs once the evidence verified (requester first, provider second: sealReceipt). */
export function receiptFor (evidence: VerifiedEvidence, topic: string, satisfied: boolean): Receipt {
  return { task: evidence.task, topic, satisfied }
}

/**
 * A co-signed receipt belongs to this evidence: same task, same provider. The package plus this receipt is the T3 record
 * reputation counts; the receipt names the task, and the provider signed both, so pairing it with other evidence for
 * the same task would need a second seal by the provider — itself proof of equivocation.
 */
export function bindReceipt (receiptBytes: Uint8Array, evidence: VerifiedEvidence): OpenedReceipt {
  const opened = openReceipt(receiptBytes)
  if (opened.receipt.task !== evidence.task) throw new EvidenceMismatchError(`the receipt is for task ${opened.receipt.task}, the evidence for ${evidence.task}`)
  if (!equalBytes(opened.provider, evidence.provider)) throw new EvidenceMismatchError('the receipt\'s provider is not the key that signed the evidence')
  return opened
}
