import { describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

// The other CLI tests run the run's bundle of the CLI for speed; this one runs `npm run hearth` itself, as README says a
// person does right after `npm ci`: from the TypeScript sources, with no build step.

const npmRunHearth = async (args: readonly string[], env: Record<string, string> = {}): ReturnType<typeof runCommand> =>
  await runCommand('npm', ['run', '-s', 'hearth', '--', ...args], env)

describe('npm run hearth, from source', () => {
  it('creates an identity and shows it, the last stdout line being the JSON', async () => {
    const dir = tempDir()
    const created = await npmRunHearth(['--data-dir', dir, 'id', 'create', '--keystore', 'file', '--json'], { HEARTH_PASSPHRASE: 'from source, no build step' })
    expect(created.code, created.stderr).toBe(0)
    expect(created.json).toMatchObject({ baidVersion: 1, keystore: 'file', revoked: false, peerId: expect.stringMatching(/^12D3KooW/) })
    const shown = await npmRunHearth(['--data-dir', dir, 'id', 'show', '--json'])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.json).toEqual(created.json)
  }, 60_000)
})
