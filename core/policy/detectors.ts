import type { DataClass, Detector } from '../api/policy.ts'

// Detectors for the obvious classes in free text: each finds spans, so a field keeps its other words when one is redacted.

export interface Match {
  readonly start: number
  readonly end: number
  readonly detector: Detector
  readonly dataClass: DataClass
}

interface Rule {
  readonly detector: Detector
  readonly dataClass: DataClass
  readonly pattern: RegExp
  readonly accept?: (text: string) => boolean
}

const API_KEY_PATTERNS = [
  /\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-){0,2}[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic, Stripe-style
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // a JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/g,
  // A long token mixing upper case, lower case and digits: hex hashes and plain words never match.
  /\b[A-Za-z0-9_-]{32,}\b/g
]

const RULES: readonly Rule[] = [
  ...API_KEY_PATTERNS.map((pattern, i): Rule => ({
    detector: 'api-key',
    dataClass: 'credential',
    pattern,
    ...(i === API_KEY_PATTERNS.length - 1 ? { accept: (t: string) => /[a-z]/.test(t) && /[A-Z]/.test(t) && /\d/.test(t) } : {})
  })),
  { detector: 'card-number', dataClass: 'financial', pattern: /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g, accept: t => luhn(t.replace(/\D/g, '')) },
  { detector: 'email', dataClass: 'contact', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  // International form (+CC …) or the common national form (555) 123-4567 / 555-123-4567; dates, versions and ids do not look like either.
  { detector: 'phone', dataClass: 'contact', pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\w)/g, accept: t => digitCount(t) >= 8 && digitCount(t) <= 15 },
  { detector: 'phone', dataClass: 'contact', pattern: /(?<![\w(])(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)/g }
]

/** Every detected span in a text, earlier rules first where two overlap (a key inside an email is a key). */
export function detect (text: string): Match[] {
  const found: Match[] = []
  for (const rule of RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const start = m.index
      const end = start + m[0].length
      if (rule.accept !== undefined && !rule.accept(m[0])) continue
      if (found.some(f => start < f.end && f.start < end)) continue
      found.push({ start, end, detector: rule.detector, dataClass: rule.dataClass })
    }
  }
  return found.sort((a, b) => a.start - b.start)
}

const SECRET_NAMES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'accesskey', 'privatekey', 'authorization', 'credential', 'credentials', 'cookie', 'sessionid']

/** A field whose name says it holds a secret (`password`, `api_key`, `accessToken`, `client_secret`…). */
export function isSecretFieldName (key: string): boolean {
  const name = key.toLowerCase().replace(/[_\-\s.]/g, '')
  return SECRET_NAMES.some(secret => name.endsWith(secret))
}

/** The Luhn checksum that every payment card number passes. */
export function luhn (digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9 }
    sum += d
  }
  return digits.length > 0 && sum % 10 === 0
}

function digitCount (text: string): number {
  return text.replace(/\D/g, '').length
}
