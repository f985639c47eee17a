import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { bundlePreload } from '../../../electron/bundle.mjs'
import { stageApp } from '../../../scripts/package.ts'
import { tempDir } from '../../helpers/tmp.ts'

// What packaging can do on this machine: bundle the shell with esbuild, stage the app, and check the electron-builder
// configuration against the app it would pack (electron-builder itself runs on a connected machine with Node ≥ 22.12).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const config = JSON.parse(readFileSync(join(ROOT, 'electron-builder.json'), 'utf8'))

/** The keys used here, as electron-builder 26's Configuration names them: a misspelt key fails instead of being ignored. */
const Target = z.array(z.enum(['AppImage', 'deb', 'dmg', 'nsis', 'dir', 'zip', 'tar.gz']))
const BuilderConfig = z.object({
  appId: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/),
  productName: z.string(),
  copyright: z.string(),
  directories: z.object({ app: z.string(), output: z.string(), buildResources: z.string() }).strict(),
  files: z.array(z.string()).min(1),
  asar: z.boolean(),
  asarUnpack: z.array(z.string()),
  npmRebuild: z.literal(true),
  nodeGypRebuild: z.literal(false),
  buildDependenciesFromSource: z.boolean(),
  linux: z.object({ target: Target, category: z.string(), icon: z.string(), maintainer: z.string(), synopsis: z.string() }).strict(),
  deb: z.object({ depends: z.array(z.string()) }).strict(),
  mac: z.object({ target: Target, category: z.string().startsWith('public.app-category.'), icon: z.string() }).strict(),
  dmg: z.object({ title: z.string() }).strict(),
  win: z.object({ target: Target, icon: z.string() }).strict(),
  nsis: z.object({ oneClick: z.boolean(), allowToChangeInstallationDirectory: z.boolean(), perMachine: z.boolean() }).strict()
}).strict()

describe('packaging', () => {
  it('has a valid electron-builder config for AppImage, deb, dmg and nsis', () => {
    const parsed = BuilderConfig.parse(config)
    expect(parsed.linux.target).toEqual(['AppImage', 'deb'])
    expect(parsed.mac.target).toEqual(['dmg'])
    expect(parsed.win.target).toEqual(['nsis'])
    for (const icon of [parsed.linux.icon, parsed.mac.icon, parsed.win.icon]) expect(existsSync(join(ROOT, parsed.directories.buildResources, icon)), icon).toBe(true)
    // Native addons are unpacked from the asar so Electron can load them once electron-builder rebuilt them.
    expect(parsed.asarUnpack).toContain('**/*.node')
    expect(rootPackage.scripts.package).toBe('tsx scripts/package.ts')
    // Packaging never runs in npm ci: no install hook rebuilds the native modules for Electron.
    expect(Object.keys(rootPackage.scripts)).not.toEqual(expect.arrayContaining(['postinstall']))
    expect(Object.keys(rootPackage.devDependencies)).not.toContain('electron-builder')
  })

  it('bundles the preload into one sandbox-compatible CommonJS file that exposes only call and on', async () => {
    const file = await bundlePreload(join(tempDir(), 'preload.cjs'))
    const code = readFileSync(file, 'utf8')
    expect(new Set([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map(m => m[1]))).toEqual(new Set(['electron']))
    expect(code).toContain('exposeInMainWorld("hearth"')
    expect(code).toMatch(/"hearth:call"/)
    expect(code).not.toMatch(/\bnode:|ipcRenderer\.send\(|exposeInMainWorld\("(?!hearth")/)
    expect(spawnSync(process.execPath, ['--check', file]).status).toBe(0)
  })

  it('stages the app: main bundled with the core, native addons outside, the renderer built, every file pattern matched', async () => {
    const stage = await stageApp(join(tempDir(), 'app'), () => {})
    const main = join(stage, 'electron', 'main.mjs')
    expect(spawnSync(process.execPath, ['--check', main]).status).toBe(0)
    const code = readFileSync(main, 'utf8')
    const externals = new Set([...code.matchAll(/^import .* from "([^"]+)";?$/gm)].map(m => m[1]!).filter(name => !isBuiltin(name)))
    expect(externals).toEqual(new Set(['electron', 'better-sqlite3', '@napi-rs/keyring']))
    expect(existsSync(join(stage, 'electron', 'preload.cjs'))).toBe(true)
    expect(existsSync(join(stage, 'renderer', 'index.html'))).toBe(true)
    expect(existsSync(join(stage, 'resources', 'icons', 'hearth.png'))).toBe(true)
    const staged = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'))
    expect(existsSync(join(stage, staged.main))).toBe(true)
    expect(staged.dependencies).toEqual({ 'better-sqlite3': rootPackage.dependencies['better-sqlite3'], '@napi-rs/keyring': rootPackage.dependencies['@napi-rs/keyring'] })
    expect(staged.version).toBe(rootPackage.version)
    // Every pattern but node_modules/** (installed there by electron-builder) names something staged.
    const top = new Set(readdirSync(stage))
    for (const pattern of config.files.filter((p: string) => p !== 'node_modules/**')) expect(top.has(pattern.split('/')[0]), pattern).toBe(true)
  }, 180_000)
})
