// `npm run package -- [electron-builder options]`: stage the app (esbuild bundles of main and preload with the core
// inside, the built renderer, resources) in out/app, then run electron-builder 26 on it, which rebuilds the native
// addons for Electron there, never in this checkout's node_modules. `--stage-only` stops after staging.
// electron-builder 26 needs Node ≥ 22.12 and network access: build installers on a connected machine (see README).
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { rendererBuild } from '../core/daemon/ui/renderer-build.ts'
import { bundleMain, bundlePreload, NATIVE_PACKAGES, ROOT } from '../electron/bundle.mjs'

export const STAGE = join(ROOT, 'out', 'app')
const BUILDER = 'electron-builder@26'

interface PackageJson { name: string, version: string, description: string, license: string, dependencies: Record<string, string>, devDependencies: Record<string, string> }

/** out/app as electron-builder packs it; returns the folder. */
export async function stageApp (stage = STAGE, log: (line: string) => void = console.error): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(join(stage, 'electron'), { recursive: true })
  await bundleMain(join(stage, 'electron', 'main.mjs'))
  await bundlePreload(join(stage, 'electron', 'preload.cjs'))
  log('bundled electron/main.mjs (with the core) and electron/preload.cjs')
  cpSync((await rendererBuild({ appRoot: ROOT, log })).dir, join(stage, 'renderer'), { recursive: true })
  cpSync(join(ROOT, 'resources'), join(stage, 'resources'), { recursive: true })
  // The BAID's code digest hashes core/: ship the sources the bundle was built from, so the digest names this release.
  cpSync(join(ROOT, 'core'), join(stage, 'core'), { recursive: true })
  const dependencies = Object.fromEntries(NATIVE_PACKAGES.map(name => {
    const range = pkg.dependencies[name]
    if (range === undefined) throw new Error(`${name} is not a dependency in package.json`)
    return [name, range]
  }))
  writeFileSync(join(stage, 'package.json'), JSON.stringify({
    name: pkg.name,
    productName: 'Hearth',
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    author: 'Hearth contributors',
    type: 'module',
    main: 'electron/main.mjs',
    // Only the native addons stay packages (everything else is in the bundle); electron-builder installs and rebuilds them.
    dependencies
  }, null, 2) + '\n')
  log(`staged the app in ${stage}`)
  return stage
}

/** The electron version electron-builder packs: the one this checkout develops against. */
export function electronVersion (): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2)
  await stageApp()
  if (!args.includes('--stage-only')) {
    const result = spawnSync('npx', ['--yes', BUILDER, '--config', join(ROOT, 'electron-builder.json'), `-c.electronVersion=${electronVersion()}`, ...args], { cwd: ROOT, stdio: 'inherit' })
    if (result.status !== 0) {
      console.error(`package: ${BUILDER} failed; it needs Node ≥ 22.12 and network access (see README, "Build installers")`)
      process.exit(result.status ?? 1)
    }
  }
}
