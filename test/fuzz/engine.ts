import fc from 'fast-check'
import { HearthError } from '../../core/api/errors.ts'
import { havoc, rng } from './mutate.ts'
import type { FuzzTarget } from './targets.ts'

// Runs one decoder over generated inputs and sorts every outcome: accepted, refused with a named error, refused without
// one (unnamed), or crashed (a TypeError/RangeError-style fault, a non-Error throw, a hang, or the heap running away).

/** Longer than this for one input is a hang. */
export const HANG_MS = 2_000
/** A heap above this while fuzzing is a memory blow-up. */
export const HEAP_LIMIT_MB = 1_536
const BATCH = 500
/** Of each batch, this share comes from fast-check's generators; havoc on those and on the seeds makes the rest. */
const GENERATED_SHARE = 0.25

export interface Finding { readonly kind: 'crash' | 'unnamed', readonly error: string, readonly input: string }

export interface TargetReport {
  readonly name: string
  readonly inputs: number
  readonly accepted: number
  readonly refused: number
  readonly crashes: number
  readonly unnamed_errors: number
  readonly ms: number
  readonly max_heap_mb: number
  readonly findings: readonly Finding[]
}

export function classify (err: unknown): 'refused' | 'unnamed' | 'crash' {
  if (err instanceof HearthError) return 'refused'
  if (!(err instanceof Error)) return 'crash'
  // Faults of the code itself (and hangs, and a server that fell over), not refusals of the input.
  if (err instanceof Hang || err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof EvalError) return 'crash'
  return 'unnamed'
}

/** What a target returns when the input was refused in-band (an error reply, a close), not by a thrown error. */
export const REFUSED = Symbol('refused')

export class Hang extends Error {
  override readonly name = 'Hang'
}

function show (input: unknown): string {
  const text = input instanceof Uint8Array ? Buffer.from(input).toString('hex') : typeof input === 'string' ? input : JSON.stringify(input)
  return text.length > 400 ? `${text.slice(0, 400)}… (${text.length} chars)` : text
}

function describe (err: unknown): string {
  return err instanceof Error ? `${err.constructor.name}: ${err.message.slice(0, 300)}` : `non-Error thrown: ${String(err).slice(0, 300)}`
}

export async function fuzz<I> (target: FuzzTarget<I>, runs: number, seed: number, progress?: (done: number) => void): Promise<TargetReport> {
  let accepted = 0
  let refused = 0
  let crashes = 0
  let unnamed = 0
  let maxHeap = 0
  const findings: Finding[] = []
  const started = performance.now()
  const note = (kind: 'crash' | 'unnamed', err: unknown, input: I): void => {
    if (kind === 'crash') crashes++; else unnamed++
    if (findings.length < 5) findings.push({ kind, error: describe(err), input: show(input) })
  }
  const one = async (input: I): Promise<void> => {
    const t0 = performance.now()
    try {
      let out = target.run(input)
      if (out instanceof Promise) out = await withDeadline(out, HANG_MS)
      if (performance.now() - t0 > HANG_MS) note('crash', new Hang(`took ${Math.round(performance.now() - t0)} ms`), input)
      else if (out === REFUSED) refused++
      else accepted++
    } catch (err) {
      const kind = classify(err)
      if (kind === 'refused') {
        if (performance.now() - t0 > HANG_MS) note('crash', new Hang(`took ${Math.round(performance.now() - t0)} ms to refuse`), input)
        else refused++
      } else note(kind, err, input)
    }
  }
  await target.open?.()
  let done = 0
  for (let batch = 0; done < runs; batch++) {
    const inputs = batchOf(target, Math.min(BATCH, runs - done), seed + batch)
    const width = target.concurrency ?? 1
    if (width === 1) for (const input of inputs) await one(input)
    else for (let i = 0; i < inputs.length; i += width) await Promise.all(inputs.slice(i, i + width).map(one))
    done += inputs.length
    const heap = process.memoryUsage().heapUsed / 2 ** 20
    maxHeap = Math.max(maxHeap, heap)
    if (heap > HEAP_LIMIT_MB) { note('crash', new RangeError(`heap at ${Math.round(heap)} MB`), inputs[0]!); break }
    progress?.(done)
  }
  return { name: target.name, inputs: done, accepted, refused, crashes, unnamed_errors: unnamed, ms: Math.round(performance.now() - started), max_heap_mb: Math.round(maxHeap), findings }
}

/** Generated inputs, then havoc on them and on the target's valid seeds. */
function batchOf<I> (target: FuzzTarget<I>, n: number, seed: number): I[] {
  const generated = fc.sample(target.inputs, { numRuns: Math.max(1, Math.ceil(n * (target.generatedShare ?? GENERATED_SHARE))), seed })
  const random = rng(seed)
  const parents = [...generated, ...(target.seeds ?? [])]
  const inputs = generated.slice(0, n)
  while (inputs.length < n) {
    const parent = parents[Math.floor(random() * parents.length)]!
    inputs.push((typeof parent === 'string'
      ? new TextDecoder().decode(havoc(new TextEncoder().encode(parent), random))
      : havoc(parent as unknown as Uint8Array, random)) as I)
  }
  return inputs
}

async function withDeadline<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Hang(`no answer within ${ms} ms`)), ms) })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}
