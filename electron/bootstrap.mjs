// Electron's entry when run from source: teach its Node to load our TypeScript, then start the main process.
import { register } from 'tsx/esm/api'

register()
await import('./main.ts')
