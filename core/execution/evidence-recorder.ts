import { EvidenceChainError } from '../api/errors.ts'
import { sha256 } from '../common/hash.ts'
import type { Signer } from '../identity/envelope.ts'
import { MAX_TOOL_CALLS, sealEvidence, type EvidencePackage } from './evidence-package.ts'
import { hashValue, toolDigest, type Executor, type LocalExecutor, type RunOptions, type ToolCall, type ToolResult } from './tool.ts'
import { sealToolCall } from './tool-receipt.ts'

// The provider's side of T3: every tool call made for a task leaves a signed receipt in a hash-linked chain.

export interface EvidenceRecorderInit {
  readonly task: string
  /** The provider's agent key. */
  readonly signer: Signer
  readonly tools: LocalExecutor
  readonly now?: () => number
}

/** An executor for one task: it runs tools through `tools` and records each successful call. */
export class EvidenceRecorder implements Executor {
  private readonly init: EvidenceRecorderInit
  private readonly now: () => number
  private readonly receipts: Uint8Array[] = []
  private head: Uint8Array | null = null
  private lastEnded = 0

  constructor (init: EvidenceRecorderInit) {
    this.init = init
    this.now = init.now ?? Date.now
  }

  get calls (): number {
    return this.receipts.length
  }

  async run (call: ToolCall, options?: RunOptions): Promise<ToolResult> {
    if (this.receipts.length >= MAX_TOOL_CALLS) throw new EvidenceChainError(`task ${this.init.task} reached ${MAX_TOOL_CALLS} tool calls, the most one evidence package holds`)
    const digest = toolDigest(await this.init.tools.describe(call.tool, options))
    const startedAt = this.now()
    const result = await this.init.tools.run(call, options)
    // Appended when the call ends, so concurrent calls still form one chain in the order they finished.
    this.lastEnded = Math.max(startedAt, this.lastEnded, this.now())
    const bytes = sealToolCall({
      v: 1,
      task: this.init.task,
      index: this.receipts.length,
      tool: call.tool,
      toolDigest: digest,
      inputHash: hashValue(call.input),
      outputHash: hashValue(result),
      startedAt,
      endedAt: this.lastEnded,
      prev: this.head
    }, this.init.signer)
    this.receipts.push(bytes)
    this.head = sha256(bytes)
    return result
  }

  /** Close the chain over the task's input and result; `attestation` is the TEE quote slot. */
  seal (input: unknown, result: unknown, attestation?: Uint8Array): EvidencePackage {
    if (this.head === null) throw new EvidenceChainError(`task ${this.init.task} made no tool calls: there is no evidence to seal`)
    const seal = sealEvidence({
      v: 1,
      task: this.init.task,
      calls: this.receipts.length,
      head: this.head,
      inputHash: hashValue(input),
      resultHash: hashValue(result),
      attestation: attestation ?? null
    }, this.init.signer)
    return { calls: [...this.receipts], seal }
  }
}
