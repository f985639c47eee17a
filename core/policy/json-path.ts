import { InvalidMarkedPathError } from '../api/errors.ts'

// Paths into a JSON payload, as the person marks them (`$.user.email`, `$.items[*].card`, `$["odd key"]`) and as findings name them.

/** A concrete step: an object key or an array index. */
export type PathStep = string | number

/** A pattern step: a key, an index, or `*` (any key or index). */
export type PatternStep = { readonly key: string } | { readonly index: number } | { readonly any: true }

const TOKEN = /\.([A-Za-z_][\w-]*|\*)|\[(\d+|\*)\]|\[("(?:[^"\\]|\\.)*")\]/y
const PLAIN_KEY = /^[A-Za-z_][\w-]*$/

export function parsePattern (text: string): PatternStep[] {
  const fail = (): never => {
    throw new InvalidMarkedPathError(`"${text}" is not a field path`, { hint: 'Write a path like $.user.email, $.items[*].card or $["odd key"].' })
  }
  if (!text.startsWith('$') || text.length > 512) fail()
  const steps: PatternStep[] = []
  TOKEN.lastIndex = 1
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text) ?? fail()
    const [, name, index, quoted] = m
    if (name === '*' || index === '*') steps.push({ any: true })
    else if (name !== undefined) steps.push({ key: name })
    else if (index !== undefined) steps.push({ index: Number(index) })
    else steps.push({ key: JSON.parse(quoted as string) as string })
  }
  if (steps.length === 0) fail()
  return steps
}

/** Whether a concrete path is the field a pattern names (same depth, every step alike). */
export function matchesPattern (pattern: readonly PatternStep[], path: readonly PathStep[]): boolean {
  if (pattern.length !== path.length) return false
  return pattern.every((step, i) => {
    const at = path[i] as PathStep
    if ('any' in step) return true
    return 'key' in step ? at === step.key : at === step.index
  })
}

export function formatPath (path: readonly PathStep[]): string {
  let text = '$'
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`
    else text += PLAIN_KEY.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`
  }
  return text
}
