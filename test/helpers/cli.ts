import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSX = `${ROOT}node_modules/.bin/tsx`

export interface CliResult { code: number, stdout: string, stderr: string, json: any }

/** Run `hearth …` from source as a person would, with no terminal attached. */
export function hearth (args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [`${ROOT}core/daemon/main.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, HEARTH_PASSPHRASE: undefined, HEARTH_BACKUP_PASSPHRASE: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
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
