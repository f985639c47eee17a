import { createHash, randomBytes, randomInt } from 'node:crypto'
import { toErrorInfo } from '../api/errors.ts'
import type { CanaryResult } from '../api/execution.ts'
import { BUILTIN_PREFIX } from './builtins.ts'
import { splitToolId, type Executor, type JsonObject, type ToolResult } from './tool.ts'

// T2 canary tasks: calls whose right answer the requester knows, with fresh random inputs so no answer can be memorized.

/** One canary call: its input and how to judge the answer (undefined = right, else what was wrong). */
export interface CanaryProbe {
  readonly input: JsonObject
  judge (result: ToolResult): string | undefined
}

/** The capability a canary is for, as the requester knows it from its descriptor. */
export interface CanaryTarget {
  readonly id: string
  readonly inputSchema?: Record<string, unknown>
}

export interface Canary {
  readonly name: string
  matches (target: CanaryTarget): boolean
  probe (): CanaryProbe
}

const nonce = (): string => randomBytes(12).toString('hex')

function builtin (name: string, probe: () => CanaryProbe): Canary {
  return { name: `${BUILTIN_PREFIX}/${name}`, matches: t => t.id === `${BUILTIN_PREFIX}/${name}`, probe }
}

/** An MCP tool is known by its name and the input fields its schema names; which server id a provider gave it is its own affair. */
function mcpTool (name: string, fields: readonly string[], probe: () => CanaryProbe): Canary {
  return {
    name: `mcp:${name}`,
    matches: t => {
      const properties = t.inputSchema?.properties
      return splitToolId(t.id)?.name === name && typeof properties === 'object' && properties !== null && fields.every(f => f in properties)
    },
    probe
  }
}

const field = (result: ToolResult, key: string): unknown => result.structured?.[key]
const text = (result: ToolResult): string => result.content.map(c => typeof c.text === 'string' ? c.text : '').join('\n')
const expectEqual = (what: string, expected: unknown, got: unknown): string | undefined =>
  expected === got ? undefined : `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`

export const DEFAULT_CANARIES: readonly Canary[] = [
  builtin('echo', () => {
    const t = `canary ${nonce()}`
    return { input: { text: t }, judge: r => expectEqual('echoed text', t, field(r, 'text')) }
  }),
  builtin('sha256', () => {
    const t = nonce()
    return { input: { text: t }, judge: r => expectEqual('sha256', createHash('sha256').update(t, 'utf8').digest('hex'), field(r, 'sha256')) }
  }),
  builtin('word-count', () => {
    const words = randomInt(3, 40)
    const t = Array.from({ length: words }, (_, i) => (i === 0 ? '' : i % 5 === 0 ? '\n' : ' ') + nonce().slice(0, 1 + (i % 8))).join('')
    return { input: { text: t }, judge: r => expectEqual('words', words, field(r, 'words')) }
  }),
  // server-everything's tools: judged on the fact that matters (the message, the sum), not on the exact wording around it.
  mcpTool('echo', ['message'], () => {
    const message = `canary ${nonce()}`
    return { input: { message }, judge: r => text(r).includes(message) ? undefined : `echo: expected the text to contain ${JSON.stringify(message)}, got ${JSON.stringify(text(r).slice(0, 200))}` }
  }),
  mcpTool('get-sum', ['a', 'b'], () => {
    const a = randomInt(1000, 1_000_000)
    const b = randomInt(1000, 1_000_000)
    return { input: { a, b }, judge: r => expectEqual('sum', a + b, Number(text(r).match(/-?\d+(?:\.\d+)?/g)?.at(-1))) }
  })
]

export class CanaryRegistry {
  private readonly canaries: Canary[]

  constructor (canaries: readonly Canary[] = DEFAULT_CANARIES) {
    this.canaries = [...canaries]
  }

  add (canary: Canary): void {
    this.canaries.push(canary)
  }

  find (target: CanaryTarget): Canary | undefined {
    return this.canaries.find(c => c.matches(target))
  }
}

/**
 * Send one canary call through `executor` (a remote provider's proxy, or a local executor) and judge the answer.
 * undefined when no canary is known for the capability; a failed call counts as a failed canary, our own cancel does not.
 */
export async function runCanary (executor: Executor, target: CanaryTarget, options: { registry?: CanaryRegistry, signal?: AbortSignal } = {}): Promise<CanaryResult | undefined> {
  const canary = (options.registry ?? new CanaryRegistry()).find(target)
  if (canary === undefined) return undefined
  const probe = canary.probe()
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  try {
    const result = await executor.run({ tool: target.id, input: probe.input }, options.signal === undefined ? {} : { signal: options.signal })
    const mismatch = probe.judge(result)
    return mismatch === undefined
      ? { capability: target.id, passed: true, durationMs: elapsed() }
      : { capability: target.id, passed: false, mismatch, durationMs: elapsed() }
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    const error = toErrorInfo(err)
    return { capability: target.id, passed: false, mismatch: `the call failed: ${error.name}`, error, durationMs: elapsed() }
  }
}
