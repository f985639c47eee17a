import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { daemonReady, type DaemonReady } from '../../core/daemon/testnet/orchestrator.ts'
import { hearthCommand } from './cli.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface RunningDaemon { readonly child: ChildProcess, readonly ready: DaemonReady }

/** Real `hearth daemon` processes, stopped (SIGTERM, then SIGKILL) after each test. */
export function daemons () {
  const running: ChildProcess[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map(child => new Promise<void>(resolve => {
      if (child.exitCode !== null) { resolve(); return }
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
      child.once('exit', () => { clearTimeout(kill); resolve() })
      child.kill('SIGTERM')
    })))
  })
  return async (args: readonly string[], env: Record<string, string>): Promise<RunningDaemon> => {
    const run = hearthCommand(['daemon', '--json', '--no-mdns', ...args])
    const child = spawn(run.command, run.args, { cwd: ROOT, env: { ...process.env, ...run.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    running.push(child)
    let stderr = ''
    child.stderr!.on('data', d => { stderr += d })
    const ready = await daemonReady(child, 'hearth daemon').catch((err: Error) => { throw new Error(`${err.message}: ${stderr}`) })
    return { child, ready }
  }
}
