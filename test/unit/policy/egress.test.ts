import { expect, it } from 'vitest'
import { EgressPayloadError, InvalidMarkedPathError, InvalidPolicySettingError } from '../../../core/api/errors.ts'
import type { PrivacyRules } from '../../../core/api/policy.ts'
import { DEFAULT_EGRESS_ACTIONS, previewEgress } from '../../../core/policy/egress.ts'
import { policyRig } from '../../helpers/policy.ts'

const defaults: PrivacyRules = { actions: DEFAULT_EGRESS_ACTIONS, marked: [] }
const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8')
const KEY = `sk-${'Qx7v'.repeat(8)}`

it('masks an email inside a field and sends the rest of the text, counting the bytes of exactly what goes', () => {
  const payload = { task: 'summarise', notes: 'Ask ana@example.org or bo@example.org about Q3 — café figures', rows: [1, 2, 3] }
  const preview = previewEgress(payload, defaults)
  expect(preview.outcome).toBe('send')
  expect(preview.payload).toEqual({ task: 'summarise', notes: 'Ask [redacted:email] or [redacted:email] about Q3 — café figures', rows: [1, 2, 3] })
  expect(preview.findings).toEqual([{ path: '$.notes', dataClass: 'contact', action: 'redact', source: { kind: 'detector', detector: 'email', matches: 2 } }])
  expect(preview.dataClasses).toEqual(['public', 'contact'])
  expect(preview.bytes).toEqual({ original: bytes(payload), outgoing: bytes(preview.payload) })
})

it('sends nothing at all when a field of a blocked class is present, and says which', () => {
  const payload = { user: { name: 'Ana' }, config: { api_key: KEY, region: 'eu' } }
  const preview = previewEgress(payload, defaults)
  expect(preview).toMatchObject({ outcome: 'blocked', payload: null, blockedBecause: ['blocked-class'], bytes: { original: bytes(payload), outgoing: 0 } })
  expect(preview.findings).toEqual([{ path: '$.config.api_key', dataClass: 'credential', action: 'block', source: { kind: 'detector', detector: 'secret-field', matches: 1 } }])
  // The preview is shown and stored: the secret itself never appears in it.
  expect(JSON.stringify(preview)).not.toContain(KEY)
})

it('redacts a credential instead when the person chose redact for it', () => {
  const rules: PrivacyRules = { actions: { ...DEFAULT_EGRESS_ACTIONS, credential: 'redact' }, marked: [] }
  const preview = previewEgress({ config: { api_key: KEY }, log: `used ${KEY} at noon` }, rules)
  expect(preview.payload).toEqual({ config: { api_key: '[redacted:secret-field]' }, log: 'used [redacted:api-key] at noon' })
  expect(JSON.stringify(preview)).not.toContain(KEY)
})

it('treats fields the person marked as their class, whole, wherever the pattern reaches', () => {
  const rules: PrivacyRules = {
    actions: DEFAULT_EGRESS_ACTIONS,
    marked: [{ path: '$.items[*].owner', dataClass: 'personal' }, { path: '$["home address"]', dataClass: 'location' }]
  }
  const payload = { items: [{ sku: 'a', owner: { first: 'Ana', last: 'López' } }, { sku: 'b', owner: 'Bo' }], 'home address': '1 Main St', city: 'Lyon' }
  const preview = previewEgress(payload, rules)
  expect(preview.payload).toEqual({ items: [{ sku: 'a', owner: '[redacted:personal]' }, { sku: 'b', owner: '[redacted:personal]' }], 'home address': '[redacted:location]', city: 'Lyon' })
  expect(preview.findings.map(f => [f.path, f.dataClass, f.source])).toEqual([
    ['$.items[0].owner', 'personal', { kind: 'marked', pattern: '$.items[*].owner' }],
    ['$.items[1].owner', 'personal', { kind: 'marked', pattern: '$.items[*].owner' }],
    ['$["home address"]', 'location', { kind: 'marked', pattern: '$["home address"]' }]
  ])
})

it('keeps home what the terms\' egress clause does not cover, even when the person would allow it', () => {
  const rules: PrivacyRules = { actions: { ...DEFAULT_EGRESS_ACTIONS, contact: 'allow' }, marked: [] }
  const payload = { to: 'ana@example.org', body: 'hello' }
  expect(previewEgress(payload, rules).payload).toEqual(payload)
  expect(previewEgress(payload, rules, { allowedDataClasses: ['contact'] }).payload).toEqual(payload)
  const narrow = previewEgress(payload, rules, { allowedDataClasses: ['source_code'] })
  expect(narrow.payload).toEqual({ to: '[redacted:email]', body: 'hello' })
  expect(narrow.findings[0]).toMatchObject({ action: 'redact', notInTerms: true })
  // Terms that want redaction mask even the classes they allow.
  expect(previewEgress(payload, rules, { allowedDataClasses: ['contact'], redactionRequired: true }).payload).toEqual({ to: '[redacted:email]', body: 'hello' })
})

it('blocks a payload larger than the terms accept, after redaction', () => {
  const payload = { text: 'x'.repeat(100) }
  expect(previewEgress(payload, defaults, { allowedDataClasses: [], maxBytes: 200 }).outcome).toBe('send')
  expect(previewEgress(payload, defaults, { allowedDataClasses: [], maxBytes: 50 })).toMatchObject({ outcome: 'blocked', payload: null, blockedBecause: ['over-terms-size'] })
})

it('refuses what is not JSON data instead of guessing', () => {
  expect(() => previewEgress({ n: 10n }, defaults)).toThrow(EgressPayloadError)
  expect(() => previewEgress({ when: new Date(0) }, defaults)).toThrow(/\$\.when is not JSON data/)
  expect(() => previewEgress({ x: Number.NaN }, defaults)).toThrow(EgressPayloadError)
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  expect(() => previewEgress(cyclic, defaults)).toThrow(/deeper than/)
})

it('keeps the person\'s rules across a restart and previews with them', () => {
  const rig = policyRig()
  rig.policy.privacy.setAction('contact', 'allow')
  rig.policy.privacy.mark({ path: '$.patient.*', dataClass: 'health' })
  expect(() => rig.policy.privacy.mark({ path: 'patient.name', dataClass: 'health' })).toThrow(InvalidMarkedPathError)
  expect(() => rig.policy.privacy.setAction('gossip' as 'public', 'allow')).toThrow(InvalidPolicySettingError)
  const privacy = rig.reopen().privacy
  expect(privacy.rules()).toEqual({ actions: { ...DEFAULT_EGRESS_ACTIONS, contact: 'allow' }, marked: [{ path: '$.patient.*', dataClass: 'health' }] })
  expect(privacy.preview({ email: 'ana@example.org' }).payload).toEqual({ email: 'ana@example.org' })
  expect(privacy.preview({ patient: { diagnosis: 'flu' } }).outcome).toBe('blocked')
  expect(privacy.classify({ patient: { diagnosis: 'flu' }, email: 'ana@example.org' })).toEqual(['public', 'health', 'contact'])
  expect(privacy.unmark('$.patient.*')).toBe(true)
  expect(privacy.resetAction('contact')).toBe(true)
  expect(privacy.preview({ patient: { diagnosis: 'flu' }, email: 'ana@example.org' }).payload).toEqual({ patient: { diagnosis: 'flu' }, email: '[redacted:email]' })
})
