// Electron's entry when run from source: bundle the preload (a sandboxed preload is one CommonJS file), teach Electron's
// Node to load our TypeScript, then start the main process.
import { register } from 'tsx/esm/api'
import { bundlePreload } from './bundle.mjs'

await bundlePreload()
register()
await import('./main.ts')
