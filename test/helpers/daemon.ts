import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface RunningDaemon { readonly child: ChildProcess, readonly ready: { peerId: string, addrs: string[] } }

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
    const child = spawn(`${ROOT}node_modules/.bin/tsx`, [`${ROOT}core/daemon/main.ts`, 'daemon', '--json', '--no-mdns', ...args], {
      cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe']
    })
    running.push(child)
    let stderr = ''
    child.stderr!.on('data', d => { stderr += d })
    const ready = await new Promise<RunningDaemon['ready']>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', d => {
        out += d
        const line = out.split('\n').find(l => l.startsWith('{'))
        if (line !== undefined) resolve(JSON.parse(line))
      })
      child.once('exit', code => reject(new Error(`daemon exited with ${code}: ${stderr}`)))
    })
    return { child, ready }
  }
}
