// `npm start`: launch the desktop app from source. Electron's binary is fetched on first start (npm ci skips it,
// so installs work on machines that cannot reach Electron's download host).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const require = createRequire(import.meta.url)
const electronDir = `${root}node_modules/electron`

if (!existsSync(`${electronDir}/path.txt`)) {
  console.error('Fetching the Electron runtime (first start only)…')
  const install = spawnSync(process.execPath, [`${electronDir}/install.js`], { stdio: 'inherit', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } })
  if (install.status !== 0 || !existsSync(`${electronDir}/path.txt`)) {
    console.error('hearth: the Electron runtime could not be downloaded on this machine — run the core headless instead: `npm run hearth -- --help`')
    process.exit(1)
  }
}

const electron = require('electron')
const child = spawn(electron, [`${root}electron/bootstrap.mjs`, ...process.argv.slice(2)], { stdio: 'inherit' })
child.on('close', code => process.exit(code ?? 1))
