import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs'
import { join, relative } from 'node:path'
import { RendererBuildError } from '../../api/errors.ts'
import { APP_ROOT } from '../../common/paths.ts'

// The renderer is built from source when the daemon first needs it, so there is no build step: once per version of
// its sources, into a cache folder of this checkout, atomically, so daemons starting together never see half a build.

export interface RendererBuild {
  readonly dir: string
  /** False when an earlier build of the same sources was reused. */
  readonly built: boolean
  readonly ms: number
}

export interface RendererBuildOptions {
  readonly appRoot?: string
  /** Where builds are kept; defaults to node_modules/.cache/hearth-renderer of the checkout. */
  readonly cacheDir?: string
  readonly log?: (line: string) => void
}

// Bump when the way the bundle is made changes without any source changing.
const BUILD_FORMAT = 1
const STALE_MS = 7 * 24 * 3600_000
// Vite runs in a child process: its bundler's memory is returned when the build ends, not kept by the daemon.
const BUILD_SCRIPT = `
const [configFile, root, outDir] = process.argv.slice(1)
const { build } = await import('vite')
await build({ configFile, root, logLevel: 'warn', clearScreen: false, build: { outDir, emptyOutDir: true } })
`

/** The built renderer for the current sources: reused when built before, else built now. */
export async function rendererBuild (options: RendererBuildOptions = {}): Promise<RendererBuild> {
  const started = performance.now()
  const appRoot = options.appRoot ?? APP_ROOT
  const log = options.log ?? (() => {})
  const root = join(appRoot, 'renderer')
  const configFile = join(root, 'vite.config.ts')
  if (!existsSync(configFile)) throw new RendererBuildError(`${configFile} is missing`, { hint: 'run Hearth from a complete checkout' })
  const cacheDir = options.cacheDir ?? join(appRoot, 'node_modules', '.cache', 'hearth-renderer')
  for (let attempt = 1; ; attempt++) {
    const key = sourcesHash(appRoot)
    const dir = join(cacheDir, key)
    if (existsSync(join(dir, 'index.html'))) {
      const now = new Date()
      utimesSync(dir, now, now)
      const ms = Math.round(performance.now() - started)
      log(`renderer: reused the build of these sources (${key.slice(0, 12)}, ${ms} ms)`)
      return { dir, built: false, ms }
    }
    mkdirSync(cacheDir, { recursive: true })
    const temp = join(cacheDir, `.tmp-${key.slice(0, 12)}-${process.pid}-${randomBytes(4).toString('hex')}`)
    try {
      await viteBuild(appRoot, configFile, root, temp)
      if (!existsSync(join(temp, 'index.html'))) throw new RendererBuildError('the renderer build wrote no index.html', { hint: 'check renderer/vite.config.ts' })
      // Sources edited during the build may be half in it: such a build is never kept under the key.
      if (sourcesHash(appRoot) !== key && attempt < 3) continue
      try {
        renameSync(temp, dir)
      } catch (err) {
        // Another daemon finished the same build first: its copy is identical, keep it.
        if (!existsSync(join(dir, 'index.html'))) throw err
      }
    } finally {
      rmSync(temp, { recursive: true, force: true })
    }
    prune(cacheDir, key)
    const ms = Math.round(performance.now() - started)
    log(`renderer: built in ${ms} ms (${key.slice(0, 12)})`)
    return { dir, built: true, ms }
  }
}

/** What the bundle is made of: renderer/ and the api it imports from core, and the locked toolchain. */
export function sourcesHash (appRoot: string = APP_ROOT): string {
  const hash = createHash('sha256').update(`hearth-renderer ${BUILD_FORMAT}\n`)
  const files = [
    ...filesUnder(join(appRoot, 'renderer')),
    ...filesUnder(join(appRoot, 'core', 'api')),
    join(appRoot, 'package-lock.json')
  ].filter(f => existsSync(f)).sort()
  for (const file of files) {
    const content = readFileSync(file)
    hash.update(`${relative(appRoot, file)}\0${content.byteLength}\0`).update(content)
  }
  return hash.digest('hex').slice(0, 32)
}

function filesUnder (dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    // Build output and installed packages are not sources.
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return filesUnder(path)
    return entry.isFile() ? [path] : []
  })
}

async function viteBuild (appRoot: string, configFile: string, root: string, outDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BUILD_SCRIPT, configFile, root, outDir], {
    cwd: appRoot,
    // Inside Electron, its binary runs as plain Node.
    env: { ...process.env, NODE_ENV: 'production', ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  // Vite's warnings are for whoever works on renderer/ (`npx vite build renderer`); a person starting the daemon sees only a failure.
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-4000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  if (code !== 0) {
    const last = output.trim().split('\n').filter(l => l.trim() !== '').slice(-3).join(' / ')
    throw new RendererBuildError(`building the renderer failed (exit ${code}): ${last}`, { hint: 'run `npm ci`, then fix the error in renderer/' })
  }
}

/** Builds of older sources nobody used for a week, and temp folders of builds that died. */
function prune (cacheDir: string, keep: string): void {
  const now = Date.now()
  for (const name of readdirSync(cacheDir)) {
    if (name === keep) continue
    const path = join(cacheDir, name)
    try {
      const age = now - statSync(path).mtimeMs
      if (age > (name.startsWith('.tmp-') ? 3600_000 : STALE_MS)) rmSync(path, { recursive: true, force: true })
    } catch {
      // Another daemon removed it first.
    }
  }
}
