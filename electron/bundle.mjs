// esbuild bundles of the shell: the preload (always: a sandboxed preload is one CommonJS file) and, for packaging, the
// main process with the core inside. Plain JavaScript, so `npm start` can run it before any TypeScript loader exists.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
/** Addons with compiled parts: left outside the bundle and rebuilt for Electron's ABI when packaging. */
export const NATIVE_PACKAGES = ['better-sqlite3', '@napi-rs/keyring']
/** Where `npm start` keeps the preload it bundles (electron/main.ts looks for it there when run from source). */
export const SOURCE_PRELOAD = `${ROOT}node_modules/.cache/hearth-electron/preload.cjs`

/** The preload as one CommonJS file; only `electron` stays a require, as the sandbox allows. */
export async function bundlePreload (outfile = SOURCE_PRELOAD) {
  await build({
    entryPoints: [`${ROOT}electron/preload.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'chrome140',
    external: ['electron'],
    logLevel: 'silent'
  })
  return outfile
}

/** The main process and the core in one ES module; native addons and electron stay imports. */
export async function bundleMain (outfile) {
  await build({
    entryPoints: [`${ROOT}electron/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['electron', ...NATIVE_PACKAGES],
    // Bundled CommonJS packages call require(): give the ES module one. The app folder (package.json, core/, resources/)
    // is the bundle's parent, which core/common/paths.ts cannot work out from inside a bundle.
    banner: {
      js: [
        "import { createRequire as hearthCreateRequire } from 'node:module';",
        "import { fileURLToPath as hearthFileURLToPath } from 'node:url';",
        'const require = hearthCreateRequire(import.meta.url);',
        "process.env.HEARTH_APP_ROOT ??= hearthFileURLToPath(new URL('../', import.meta.url));"
      ].join('\n')
    },
    logLevel: 'silent'
  })
  return outfile
}
