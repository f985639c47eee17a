import { expect, it } from 'vitest'
import { detect, isSecretFieldName, luhn } from '../../../core/policy/detectors.ts'

const found = (text: string): Array<[string, string]> => detect(text).map(m => [m.detector, text.slice(m.start, m.end)])

// Built from parts so the file itself holds nothing a secret scanner would flag.
const OPENAI = `sk-proj-${'Ab3x'.repeat(8)}`
const GITHUB = `ghp_${'a1B2c3'.repeat(6)}`
const AWS = `AKIA${'Q7RT3XZ9'.repeat(2)}`
const MIXED = 'Zr8Qm2Lk9Vt4Xw7Np3Hs6Jd1Fb5Gc0Ye2'

it('finds email addresses and phone numbers in free text', () => {
  expect(found('Write to ana.lopez+work@mail.example.org or call +44 20 7946 0958 or (555) 123-4567 today'))
    .toEqual([['email', 'ana.lopez+work@mail.example.org'], ['phone', '+44 20 7946 0958'], ['phone', '(555) 123-4567']])
  expect(found('office: 555-123-4567')).toEqual([['phone', '555-123-4567']])
})

it('does not take dates, versions, addresses or counts for phone numbers', () => {
  expect(found('released 2026-11-23 as v1.2.3 on 192.168.1.100 with 12345678 rows at 10:30')).toEqual([])
})

it('finds card numbers only when they pass the Luhn check', () => {
  expect(found('card 4111 1111 1111 1111 exp 12/29')).toEqual([['card-number', '4111 1111 1111 1111']])
  expect(found('card 4111-1111-1111-1112')).toEqual([])
  expect(found('id 5500005555555559')).toEqual([['card-number', '5500005555555559']])
  expect(luhn('79927398713')).toBe(true)
  expect(luhn('79927398710')).toBe(false)
})

it('finds API-key-like strings, but not hashes or long plain words', () => {
  expect(found(`OPENAI_API_KEY=${OPENAI}`)).toEqual([['api-key', OPENAI]])
  expect(found(`token ${GITHUB} and ${AWS}`)).toEqual([['api-key', GITHUB], ['api-key', AWS]])
  expect(found(`Authorization: Bearer abc.def-ghi_jkl.mnopqrstuv`)).toEqual([['api-key', 'Bearer abc.def-ghi_jkl.mnopqrstuv']])
  expect(found(`x=${MIXED}`)).toEqual([['api-key', MIXED]])
  expect(found('commit 3f786850e387550fdab836ed7e6dc881de23001b3f786850e387550fdab836ed')).toEqual([])
  expect(found('internationalization_and_localization_utilities')).toEqual([])
})

it('takes a key inside an email-looking string as a key, once', () => {
  expect(found(`${OPENAI}@example.com`).map(([d]) => d)).toEqual(['api-key'])
})

it('knows fields whose names say they hold a secret', () => {
  for (const name of ['password', 'api_key', 'apiKey', 'accessToken', 'client_secret', 'Authorization', 'PRIVATE-KEY', 'session_id']) {
    expect(isSecretFieldName(name), name).toBe(true)
  }
  for (const name of ['max_tokens', 'tokenizer', 'username', 'password_hint', 'keyboard']) {
    expect(isSecretFieldName(name), name).toBe(false)
  }
})
