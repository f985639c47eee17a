import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { APP_ROOT } from '../../core/common/paths.ts'
import { tempDir } from '../helpers/tmp.ts'

// The other CLI tests run the run's bundle of the CLI for speed; this one runs `npm run hearth` itself, as README says a
// person does right after `npm ci`: from the TypeScript sources, with no build step.

function npmRunHearth (args: readonly string[], env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const { HEARTH_CLI_BUNDLE: _bundle, ...inherited } = process.env
    const child = spawn('npm', ['run', '-s', 'hearth', '--', ...args], { cwd: APP_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    child.on('error', reject)
    child.on('close', code => { resolve({ code: code ?? -1, stdout, stderr }) })
  })
}

describe('npm run hearth, from source', () => {
  it('creates an identity and shows it, the last stdout line being the JSON', async () => {
    const dir = tempDir()
    const created = await npmRunHearth(['--data-dir', dir, 'id', 'create', '--keystore', 'file', '--json'], { HEARTH_PASSPHRASE: 'from source, no build step' })
    expect(created.code, created.stderr).toBe(0)
    const identity = JSON.parse(created.stdout.trimEnd().split('\n').at(-1)!)
    expect(identity).toMatchObject({ baidVersion: 1, keystore: 'file', revoked: false, peerId: expect.stringMatching(/^12D3KooW/) })
    const shown = await npmRunHearth(['--data-dir', dir, 'id', 'show', '--json'], {})
    expect(shown.code, shown.stderr).toBe(0)
    expect(JSON.parse(shown.stdout.trimEnd().split('\n').at(-1)!)).toEqual(identity)
  }, 60_000)
})
