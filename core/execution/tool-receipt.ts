import { z } from 'zod'
import type { ToolCallSummary } from '../api/execution.ts'
import { sha256 } from '../common/hash.ts'
import { bytes } from '../common/schema.ts'
import { Domains } from '../identity/domains.ts'
import { open, payloadOf, seal, type Signer } from '../identity/envelope.ts'
import { hex } from '../identity/ids.ts'

// The signed receipt of one tool call (T3): hashes and times, linked to the previous call's receipt by hash.

export const TOOL_CALL_TYPE = 'tool-call'

export interface ToolCallReceipt {
  readonly v: 1
  readonly task: string
  /** 0, 1, 2… in the order the calls ended. */
  readonly index: number
  readonly tool: string
  readonly toolDigest: Uint8Array
  readonly inputHash: Uint8Array
  readonly outputHash: Uint8Array
  readonly startedAt: number
  readonly endedAt: number
  /** Hash of the previous receipt's bytes; null for the first. */
  readonly prev: Uint8Array | null
}

const HASH = 32
const ToolCallPayload = z.object({
  v: z.literal(1),
  task: z.string().min(1).max(128),
  index: z.number().int().min(0),
  tool: z.string().min(1).max(128),
  toolDigest: bytes(HASH),
  inputHash: bytes(HASH),
  outputHash: bytes(HASH),
  startedAt: z.number().int().min(0),
  endedAt: z.number().int().min(0),
  prev: bytes(HASH).nullable()
}).strict()

export interface OpenedToolCall {
  readonly receipt: ToolCallReceipt
  /** Hash of the exact signed bytes: what the next receipt's `prev` names. */
  readonly hash: Uint8Array
}

export function sealToolCall (receipt: ToolCallReceipt, provider: Signer): Uint8Array {
  return seal(Domains.toolCall, TOOL_CALL_TYPE, receipt, [provider]).bytes
}

/** Verify the provider's signature before decoding anything. */
export function openToolCall (receiptBytes: Uint8Array, provider: Uint8Array): OpenedToolCall {
  const envelope = open(receiptBytes, Domains.toolCall, [provider])
  return { receipt: payloadOf(envelope, TOOL_CALL_TYPE, ToolCallPayload), hash: sha256(receiptBytes) }
}

export function summarizeToolCall (receipt: ToolCallReceipt): ToolCallSummary {
  return {
    index: receipt.index,
    tool: receipt.tool,
    toolDigest: hex(receipt.toolDigest),
    inputHash: hex(receipt.inputHash),
    outputHash: hex(receipt.outputHash),
    startedAt: receipt.startedAt,
    endedAt: receipt.endedAt
  }
}
