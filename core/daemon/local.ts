import { join, resolve } from 'node:path'
import { DaemonNotRunningError, UsageError } from '../api/errors.ts'
import { defaultDataDir } from '../common/paths.ts'
import { DATABASE_FILE } from '../host.ts'
import { migrations } from '../migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../store/database.ts'
import { callControl, type ControlHandler } from './control.ts'
import type { GlobalOptions } from './context.ts'

// Commands on the person's own settings: the running daemon answers when there is one (one writer to the database);
// otherwise the same handlers run here, on the data directory's database.

export interface LocalPlane {
  readonly handlers: Readonly<Record<string, ControlHandler>>
  close (): void
}

export async function viaDaemonOrDatabase (opts: GlobalOptions, method: string, params: unknown, open: (db: Database) => LocalPlane): Promise<unknown> {
  const dataDir = resolve(opts.dataDir ?? defaultDataDir())
  try {
    return await callControl(dataDir, method, params)
  } catch (err) {
    if (!(err instanceof DaemonNotRunningError)) throw err
  }
  const db = openDatabase(join(dataDir, DATABASE_FILE), migrations)
  const plane = open(db)
  try {
    const handler = Object.hasOwn(plane.handlers, method) ? plane.handlers[method] : undefined
    if (handler === undefined) throw new UsageError(`no command "${method}"`)
    return await handler(params)
  } finally {
    plane.close()
    closeDatabase(db)
  }
}
