import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

// `hearth id agent-card` end to end: export a signed card, verify it against the BAID bundle, catch an edit.

const PASS = { HEARTH_PASSPHRASE: 'agent card passphrase' }

describe('hearth id agent-card', () => {
  it('exports a card signed under the BAID that verifies against the bundle, and rejects an edited or foreign card', async () => {
    const me = tempDir()
    const other = tempDir()
    for (const dir of [me, other]) expect((await hearth(['--data-dir', dir, 'id', 'create', '--keystore', 'file', '--json'], PASS)).code).toBe(0)
    const card = join(me, 'card.json')
    const exported = await hearth(['--data-dir', me, 'id', 'agent-card', '--out', card, '--url', 'http://127.0.0.1:4999/a2a', '--json'], PASS)
    expect(exported.code).toBe(0)
    expect(exported.json).toMatchObject({ url: 'http://127.0.0.1:4999/a2a', skills: ['hearth/delegate'] })
    const bundles = await Promise.all([me, other].map(async dir => {
      const out = join(dir, 'self.baid')
      expect((await hearth(['--data-dir', dir, 'id', 'export', '--out', out, '--json'])).code).toBe(0)
      return out
    }))

    const valid = await hearth(['id', 'agent-card', 'verify', card, '--bundle', bundles[0]!, '--json'])
    expect(valid.code).toBe(0)
    expect(valid.json).toMatchObject({ valid: true, baidId: exported.json.baidId, peerId: exported.json.peerId })

    const foreign = await hearth(['id', 'agent-card', 'verify', card, '--bundle', bundles[1]!, '--json'])
    expect(foreign.code).toBe(1)
    expect(foreign.json.error.name).toBe('AgentCardKeyMismatchError')

    writeFileSync(card, readFileSync(card, 'utf8').replace('4999', '5000'))
    const edited = await hearth(['id', 'agent-card', 'verify', card, '--bundle', bundles[0]!, '--json'])
    expect(edited.code).toBe(1)
    expect(edited.json.error.name).toBe('AgentCardSignatureError')
  }, 90_000) // eight CLI processes, each compiling from source: about 30 s on two idle cores, more on loaded ones
})
