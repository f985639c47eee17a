import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder the app runs from (holds package.json, core/, resources/); a bundled copy of the code is told it. */
export const APP_ROOT = process.env.HEARTH_APP_ROOT ?? fileURLToPath(new URL('../../', import.meta.url))

/** Where Hearth keeps its data unless told otherwise: HEARTH_DATA_DIR, else the platform's usual place. */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HEARTH_DATA_DIR !== undefined && env.HEARTH_DATA_DIR !== '') return env.HEARTH_DATA_DIR
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Hearth')
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Hearth')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'hearth')
}
