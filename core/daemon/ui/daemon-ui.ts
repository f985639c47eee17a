import type { ApiBackend } from '../../api/app.ts'
import { UsageError } from '../../api/errors.ts'
import { rendererBuild } from './renderer-build.ts'
import { DEFAULT_UI_PORT, startUiBridge, type UiBridge } from './server.ts'

// `hearth daemon --ui [port]`: the renderer built (or reused), then served with the api on 127.0.0.1.

export async function startDaemonUi (port: true | string, backend: ApiBackend, log: (line: string) => void): Promise<UiBridge> {
  const portNumber = port === true ? DEFAULT_UI_PORT : Number(port)
  if (!/^\d+$/.test(String(port === true ? portNumber : port)) || portNumber > 65_535) throw new UsageError(`--ui takes a port number, not ${String(port)}`, { hint: `leave it out for ${DEFAULT_UI_PORT}, or 0 to pick a free one` })
  // A packaged app ships the renderer already built.
  const rendererDir = process.env.HEARTH_RENDERER_DIR ?? (await rendererBuild({ log })).dir
  return await startUiBridge({ port: portNumber, backend, rendererDir })
}
