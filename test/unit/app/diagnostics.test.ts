import { describe, expect, it } from 'vitest'
import { logBuffer, scrub } from '../../../core/app/diagnostics.ts'

describe('diagnostics scrubbing', () => {
  it('removes tokens, keys, passphrases and known secrets, and keeps public ids', () => {
    const line = [
      'A2A endpoint http://127.0.0.1:4711/a2a (send Authorization: Bearer 3f9a8b7c6d5e4f3a2b1c)',
      'web UI http://127.0.0.1:4800/?token=abcdef0123456789',
      '{"apiKey":"sk-live-abcdefghijklmnop","passphrase":"hunter2hunter2"}',
      `seed ${'ab'.repeat(32)}`,
      'peer 12D3KooWGzh3f5PJ4FTPUrC8Hgs3tYoQ9Q3f7oD5mK2e8x2YhZaB baid:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
    ].join('\n')
    const out = scrub(line, ['my-own-llm-key-value'])
    for (const secret of ['3f9a8b7c6d5e4f3a2b1c', 'abcdef0123456789', 'sk-live-abcdefghijklmnop', 'hunter2hunter2', 'ab'.repeat(32)]) expect(out).not.toContain(secret)
    expect(out).toContain('12D3KooWGzh3f5PJ4FTPUrC8Hgs3tYoQ9Q3f7oD5mK2e8x2YhZaB')
    expect(out).toContain('baid:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK')
    expect(scrub('key is my-own-llm-key-value here', ['my-own-llm-key-value'])).toBe('key is [redacted] here')
  })

  it('keeps only the most recent lines', () => {
    const logs = logBuffer(3)
    for (const n of [1, 2, 3, 4, 5]) logs.push(`line ${n}`)
    expect(logs.lines().map(l => l.split(' ').slice(1).join(' '))).toEqual(['line 3', 'line 4', 'line 5'])
    logs.clear()
    expect(logs.lines()).toEqual([])
  })
})
