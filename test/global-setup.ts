import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { APP_ROOT } from '../core/common/paths.ts'
import { bundleScript } from '../core/daemon/testnet/orchestrator.ts'

// The CLI bundled once per run: each `hearth` process the tests start then loads one file (about 0.5 s) instead of
// compiling the sources through tsx (about 3 s). test/integration/cli-source.test.ts runs the from-source path itself.
export default async function setup (): Promise<() => void> {
  const dir = join(APP_ROOT, '.hearth-test', `cli-${process.pid}`)
  process.env.HEARTH_CLI_BUNDLE = await bundleScript(join(APP_ROOT, 'core/daemon/main.ts'), join(dir, 'hearth.mjs'))
  return () => { rmSync(dir, { recursive: true, force: true }) }
}
