import { encode } from '../common/codec.ts'
import { ToolCanceledError, ToolInputInvalidError, ToolOutputTooLargeError, ToolResultInvalidError, ToolTimeoutError } from '../api/errors.ts'
import { schemaProblem } from './json-schema.ts'
import type { JsonObject, RunOptions, ToolDescriptor, ToolResult } from './tool.ts'
import { anySignal, raceSignal, scopedSignal } from '../common/abort.ts'

// The checks every tool call passes through, whichever executor runs it: input schema, deadline, output size, output schema.

export interface ToolLimits {
  /** The longest a call may run, whatever deadline the caller gives. */
  readonly maxMs: number
  /** The largest result, in encoded (DAG-CBOR) bytes: what is hashed, stored and sent back. */
  readonly maxOutputBytes: number
}

// 16 MiB: the largest result a task delivers (fetched in bounded chunks when it is over the inline limit).
export const DEFAULT_TOOL_LIMITS: ToolLimits = { maxMs: 30_000, maxOutputBytes: 16 * 1024 * 1024 }

export function limitsFor (defaults: ToolLimits, override?: Partial<ToolLimits>): ToolLimits {
  return { ...defaults, ...override }
}

/** Run `invoke` under the tool's schemas and limits; every failure comes out as one named error. */
export async function runGuarded (
  id: string,
  tool: ToolDescriptor,
  limits: ToolLimits,
  input: JsonObject,
  options: RunOptions,
  invoke: (signal: AbortSignal) => Promise<ToolResult>
): Promise<ToolResult> {
  const inputProblem = schemaProblem(tool.inputSchema, input)
  if (inputProblem !== undefined) throw new ToolInputInvalidError(`input for ${id} does not fit its schema: ${inputProblem}`, { hint: 'check the input against the capability\'s input schema' })
  const ceiling = AbortSignal.timeout(limits.maxMs)
  const signal = anySignal(options.signal, ceiling)
  // The tool's session hears the task's abort only while its call runs, not the task's ending after it.
  const call = scopedSignal(signal)
  let result: ToolResult
  try {
    // Never started under a signal that has already ended.
    if (signal.aborted) throw signal.reason
    result = await raceSignal(invoke(call.signal), signal)
  } catch (err) {
    if (signal.aborted) throw abortedError(id, signal.reason, options.signal?.aborted === true ? undefined : limits.maxMs)
    throw err
  } finally {
    call.release()
  }
  checkOutput(id, tool, limits, result)
  return result
}

function checkOutput (id: string, tool: ToolDescriptor, limits: ToolLimits, result: ToolResult): void {
  let size: number
  try {
    size = encode(result).byteLength
  } catch (err) {
    throw new ToolResultInvalidError(`${id} returned a result that is not plain data: ${(err as Error).message}`)
  }
  if (size > limits.maxOutputBytes) {
    throw new ToolOutputTooLargeError(`${id} returned ${size} bytes, over the ${limits.maxOutputBytes}-byte limit`, { hint: 'ask for less, or raise the tool\'s output limit' })
  }
  if (tool.outputSchema === undefined) return
  // MCP: a tool that declares an output schema must return structured content that fits it.
  if (result.structured === undefined) throw new ToolResultInvalidError(`${id} declares an output schema but returned no structured result`)
  const problem = schemaProblem(tool.outputSchema, result.structured)
  if (problem !== undefined) throw new ToolResultInvalidError(`${id} returned a result that does not fit its output schema: ${problem}`)
}

/** A deadline (ours or the caller's) is a timeout; any other abort is the caller canceling. */
function abortedError (id: string, reason: unknown, ownCeilingMs: number | undefined): Error {
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    const which = ownCeilingMs === undefined ? 'the caller\'s deadline' : `its ${ownCeilingMs} ms limit`
    return new ToolTimeoutError(`${id} did not finish within ${which}`, { hint: 'try again later, or allow the tool more time' })
  }
  return new ToolCanceledError(`${id} was canceled`, { cause: reason })
}
