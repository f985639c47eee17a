import { EgressPayloadError } from '../api/errors.ts'
import type { DataClass, EgressAction, EgressClause, EgressFinding, EgressPreview, PrivacyRules } from '../api/policy.ts'
import { detect, isSecretFieldName } from './detectors.ts'
import { formatPath, matchesPattern, parsePattern, type PathStep, type PatternStep } from './json-path.ts'

// The egress preview (issue 5 §2): what exactly would leave the device — the payload after the person's rules and the
// terms' data-egress clause, which fields were redacted or blocked and why, and the byte counts — computed before approval.

/** What leaves when the person set nothing: plain content goes, identifying data is masked, secrets and private work stay home. */
export const DEFAULT_EGRESS_ACTIONS: Readonly<Record<DataClass, EgressAction>> = {
  public: 'allow',
  personal: 'redact',
  contact: 'redact',
  financial: 'redact',
  location: 'redact',
  health: 'block',
  credential: 'block',
  internal: 'block'
}

const MAX_DEPTH = 64
const STRICTNESS: Record<EgressAction, number> = { allow: 0, redact: 1, block: 2 }

interface Walk {
  readonly rules: PrivacyRules
  readonly marked: ReadonlyArray<{ readonly pattern: string, readonly steps: readonly PatternStep[], readonly dataClass: DataClass }>
  readonly clause: EgressClause | undefined
  readonly findings: EgressFinding[]
  blocked: boolean
}

/** Exactly what would leave the device for this payload (a JSON value) under these rules and, when given, the terms' egress clause. */
export function previewEgress (payload: unknown, rules: PrivacyRules, clause?: EgressClause): EgressPreview {
  const walk: Walk = { rules, marked: rules.marked.map(m => ({ pattern: m.path, steps: parsePattern(m.path), dataClass: m.dataClass })), clause, findings: [], blocked: false }
  // Walked first: it refuses what JSON cannot carry before anything is measured.
  const outgoing = visit(walk, payload, [])
  const original = byteLength(payload)
  const dataClasses = [...new Set<DataClass>(['public', ...walk.findings.map(f => f.dataClass)])]
  const outgoingBytes = walk.blocked ? 0 : byteLength(outgoing)
  const blockedBecause: Array<'blocked-class' | 'over-terms-size'> = []
  if (walk.blocked) blockedBecause.push('blocked-class')
  if (clause?.maxBytes !== undefined && outgoingBytes > clause.maxBytes) blockedBecause.push('over-terms-size')
  const send = blockedBecause.length === 0
  return {
    outcome: send ? 'send' : 'blocked',
    payload: send ? outgoing : null,
    findings: walk.findings,
    blockedBecause,
    dataClasses,
    bytes: { original, outgoing: send ? outgoingBytes : 0 }
  }
}

/** The data classes a payload holds under these rules: what cooperation constraints judge on the serving side. */
export function classify (payload: unknown, rules: PrivacyRules): DataClass[] {
  return [...previewEgress(payload, rules).dataClasses]
}

function visit (walk: Walk, value: unknown, path: PathStep[]): unknown {
  if (path.length > MAX_DEPTH) throw new EgressPayloadError(`the payload nests deeper than ${MAX_DEPTH} levels`)
  const marked = walk.marked.find(m => matchesPattern(m.steps, path))
  if (marked !== undefined) {
    const action = note(walk, path, marked.dataClass, { kind: 'marked', pattern: marked.pattern })
    if (action !== 'allow') return `[redacted:${marked.dataClass}]`
  } else {
    const key = path[path.length - 1]
    if (typeof key === 'string' && isSecretFieldName(key) && value !== null && value !== '' && typeof value !== 'boolean') {
      const action = note(walk, path, 'credential', { kind: 'detector', detector: 'secret-field', matches: 1 })
      if (action !== 'allow') return '[redacted:secret-field]'
    }
  }
  if (typeof value === 'string') return scrub(walk, value, path)
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EgressPayloadError(`${formatPath(path)} is ${value}, which JSON cannot carry`)
    return value
  }
  if (Array.isArray(value)) return value.map((item, i) => visit(walk, item, [...path, i]))
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = visit(walk, item, [...path, key])
    }
    return out
  }
  throw new EgressPayloadError(`${formatPath(path)} is not JSON data (${typeof value})`, { hint: 'A task payload is JSON: objects, arrays, strings, numbers, booleans and null.' })
}

/** Run the detectors over one string: one finding per detector, each redacted span replaced by its placeholder. */
function scrub (walk: Walk, text: string, path: PathStep[]): string {
  const matches = detect(text)
  if (matches.length === 0) return text
  const actions = new Map<string, EgressAction>()
  for (const m of matches) {
    if (actions.has(m.detector)) continue
    const count = matches.filter(x => x.detector === m.detector).length
    actions.set(m.detector, note(walk, path, m.dataClass, { kind: 'detector', detector: m.detector, matches: count }))
  }
  let out = ''
  let at = 0
  for (const m of matches) {
    if (actions.get(m.detector) === 'allow') continue
    out += `${text.slice(at, m.start)}[redacted:${m.detector}]`
    at = m.end
  }
  return out + text.slice(at)
}

/** Record a finding and return its action: the person's rule, made stricter when the terms do not cover the class or want it masked. */
function note (walk: Walk, path: PathStep[], dataClass: DataClass, source: EgressFinding['source']): EgressAction {
  const rule = walk.rules.actions[dataClass]
  const clause = walk.clause
  const covered = clause === undefined || dataClass === 'public' || (clause.allowedDataClasses.includes(dataClass) && clause.redactionRequired !== true)
  const action: EgressAction = covered || STRICTNESS[rule] >= STRICTNESS.redact ? rule : 'redact'
  if (action === 'block') walk.blocked = true
  walk.findings.push({ path: formatPath(path), dataClass, action, source, ...(action !== rule ? { notInTerms: true as const } : {}) })
  return action
}

function byteLength (value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8')
}
