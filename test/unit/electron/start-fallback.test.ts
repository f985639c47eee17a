import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { hearth } from '../../helpers/cli.ts'
import { tempDir } from '../../helpers/tmp.ts'

// `npm start` on a machine where Electron cannot start (this one: its runtime cannot be downloaded here) says why in
// one line and serves the same UI from the daemon instead.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PASSPHRASE = 'correct horse battery staple'
const UI_LINE = /Hearth web UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/

const started: ChildProcess[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map(child => new Promise<void>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return }
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => { clearTimeout(kill); resolve() })
    child.kill('SIGTERM')
  })))
})

async function npmStart (env: Record<string, string | undefined>): Promise<{ child: ChildProcess, url: string, stderr: () => string }> {
  const dataDir = join(tempDir(), 'data')
  const created = await hearth(['--data-dir', dataDir, '--keystore', 'file', 'id', 'create'], { HEARTH_PASSPHRASE: PASSPHRASE })
  expect(created.code, created.stderr).toBe(0)
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), '--data-dir', dataDir, '--keystore', 'file', '--ui', '0', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], {
    cwd: ROOT,
    env: { ...process.env, HEARTH_PASSPHRASE: PASSPHRASE, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  started.push(child)
  let stderr = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', chunk => {
      stderr += chunk
      const match = UI_LINE.exec(stderr)
      if (match !== null) resolve(match[1]!)
    })
    child.once('exit', code => reject(new Error(`npm start exited (${code}) before printing the UI's URL:\n${stderr}`)))
  })
  return { child, url, stderr: () => stderr }
}

describe('npm start where Electron cannot start', () => {
  it('says in one line that there is no Electron runtime, then serves the web UI at the URL it prints', async () => {
    const { child, url, stderr } = await npmStart({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1', DISPLAY: ':0' })
    const lines = stderr().split('\n')
    expect(lines[0]).toBe('hearth: no Electron runtime is installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set — starting the daemon with the web UI instead')
    expect(lines.filter(line => line.startsWith('hearth: '))).toHaveLength(1)
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="app">')
    // Stopping npm start stops the daemon it started.
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    await expect(fetch(url)).rejects.toThrow()
  }, 180_000)

  it('says there is no display when neither DISPLAY nor WAYLAND_DISPLAY is set', async () => {
    const { url, stderr } = await npmStart({ DISPLAY: undefined, WAYLAND_DISPLAY: undefined })
    expect(stderr().split('\n')[0]).toBe('hearth: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the desktop app cannot open a window — starting the daemon with the web UI instead')
    expect((await fetch(url)).status).toBe(200)
  }, 180_000)
})
