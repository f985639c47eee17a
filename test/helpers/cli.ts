import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleScript } from '../../core/daemon/testnet/orchestrator.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface CliResult { code: number, stdout: string, stderr: string, json: any }

/**
 * The CLI bundled once for a test run (a global setup calls this), so each `hearth` process the tests start loads one
 * file (about 0.5 s) instead of compiling the sources through tsx (about 3 s). Returns the clean-up.
 */
export async function bundleCli (): Promise<() => void> {
  // Each vitest project runs the global setup: the first bundle serves them all.
  if (process.env.HEARTH_CLI_BUNDLE !== undefined) return () => {}
  const dir = join(ROOT, '.hearth-test', `cli-${process.pid}`)
  process.env.HEARTH_CLI_BUNDLE = await bundleScript(join(ROOT, 'core/daemon/main.ts'), join(dir, 'hearth.mjs'))
  return () => { rmSync(dir, { recursive: true, force: true }) }
}

/** How to start `hearth` as one node process: the run's bundle when test/global-setup.ts made one, else from source through tsx. */
export function hearthCommand (args: readonly string[], fromSource = false): { command: string, args: string[], env: Record<string, string> } {
  const bundle = fromSource ? undefined : process.env.HEARTH_CLI_BUNDLE
  if (bundle !== undefined) return { command: process.execPath, args: [bundle, ...args], env: { HEARTH_APP_ROOT: ROOT } }
  return { command: process.execPath, args: ['--import', 'tsx', `${ROOT}core/daemon/main.ts`, ...args], env: {} }
}

/** Run `hearth …` as a person would, with no terminal attached (`fromSource`: through tsx, as `npm run hearth` does). */
export async function hearth (args: readonly string[], env: Record<string, string | undefined> = {}, { fromSource = false } = {}): Promise<CliResult> {
  const run = hearthCommand(args, fromSource)
  return await runCommand(run.command, run.args, { HEARTH_PASSPHRASE: undefined, HEARTH_BACKUP_PASSPHRASE: undefined, ...run.env, ...env })
}

/** Run a command from the app folder to its end, with no terminal attached; `json` is its last stdout line, parsed, if it is JSON. */
export function runCommand (command: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    child.on('error', reject)
    child.on('close', code => {
      const last = stdout.trimEnd().split('\n').at(-1) ?? ''
      let json: unknown
      try { json = JSON.parse(last) } catch { json = undefined }
      resolve({ code: code ?? -1, stdout, stderr, json })
    })
  })
}
