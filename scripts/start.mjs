// `npm start`: launch the desktop app from source. Where Electron cannot start (no runtime, no display), say why in one
// line and run the daemon with its web UI instead, which prints the URL to open.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const electronDir = `${root}node_modules/electron`
const args = process.argv.slice(2)

/** Why Electron cannot start here, or undefined when it can. */
function electronUnavailable () {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY and WAYLAND_DISPLAY are unset), so the desktop app cannot open a window'
  }
  if (!existsSync(`${electronDir}/package.json`)) return 'the electron package is not installed (run npm ci)'
  if (!existsSync(`${electronDir}/path.txt`)) {
    if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'no Electron runtime is installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set'
    // npm ci skips the runtime, so installs work where its download host is unreachable: fetch it on first start.
    if (process.stderr.isTTY) process.stderr.write('Fetching the Electron runtime (first start only)…\n')
    const install = spawnSync(process.execPath, [`${electronDir}/install.js`], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } })
    if (install.status !== 0 || !existsSync(`${electronDir}/path.txt`)) return 'the Electron runtime could not be downloaded on this machine'
  }
  const binary = `${electronDir}/dist/${readFileSync(`${electronDir}/path.txt`, 'utf8').trim()}`
  if (!existsSync(binary)) return `the Electron runtime is incomplete (${binary} is missing; reinstall the electron package)`
  return undefined
}

/** Run a child with our stdio; Ctrl-C and SIGTERM reach it, and we end with its exit code. */
function runChild (command, argv, env = process.env) {
  const child = spawn(command, argv, { stdio: 'inherit', env })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('error', err => { console.error(`hearth: could not start ${command}: ${err.message}`); process.exit(1) })
  child.on('close', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)))
}

const reason = electronUnavailable()
if (reason === undefined) {
  const binary = `${electronDir}/dist/${readFileSync(`${electronDir}/path.txt`, 'utf8').trim()}`
  const env = { ...process.env }
  // Inherited from a parent running under Electron, it would start Electron as plain Node.
  delete env.ELECTRON_RUN_AS_NODE
  runChild(binary, [`${root}electron/bootstrap.mjs`, ...args], env)
} else {
  console.error(`hearth: ${reason} — starting the daemon with the web UI instead`)
  // Arguments go to the daemon (--data-dir, --keystore, --ui PORT, …); it prints its UI's URL when ready.
  runChild(`${root}node_modules/.bin/tsx`, [`${root}core/daemon/main.ts`, 'daemon', '--ui', ...args])
}
