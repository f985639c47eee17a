import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ENV = { HEARTH_PASSPHRASE: 'parent passphrase' }

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true } catch { return false }
}

it('a daemon started with --exit-with-parent (a demo peer) stops when its parent is killed with SIGKILL', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ capabilities: [] }))
  expect((await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'], ENV)).code).toBe(0)
  // The parent: a plain Node process that starts the daemon as the app starts a demo peer, and prints its pid.
  const parentScript = `
    const { spawn } = require('node:child_process')
    const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(join(ROOT, 'core/daemon/main.ts'))}, 'daemon', '--json', '--no-mdns', '--exit-with-parent',
      '--data-dir', ${JSON.stringify(dir)}, '--listen', '/ip4/127.0.0.1/tcp/0'], { cwd: ${JSON.stringify(ROOT)}, stdio: ['pipe', 'pipe', 'ignore'] })
    child.stdout.on('data', d => { if (String(d).includes('"peerId"')) console.log(JSON.stringify({ daemon: child.pid })) })
    setInterval(() => {}, 1000)`
  const parent = spawn(process.execPath, ['-e', parentScript], { cwd: ROOT, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'inherit'] })
  const pid = await new Promise<number>((resolve, reject) => {
    let out = ''
    parent.stdout!.on('data', d => { out += d; const m = /"daemon":(\d+)/.exec(out); if (m !== null) resolve(Number(m[1])) })
    parent.once('exit', code => reject(new Error(`parent exited with ${code}`)))
  })
  expect(alive(pid)).toBe(true)
  parent.kill('SIGKILL')
  await eventually(() => !alive(pid), 'the orphaned daemon to stop', 20_000)
}, 60_000)
