import { resolve } from 'node:path'
import type { Command } from 'commander'
import { z } from 'zod'
import { UsageError } from '../../api/errors.ts'
import { defaultDataDir } from '../../common/paths.ts'
import { startDemo } from '../../demo/index.ts'
import { callControl } from '../control.ts'
import type { Runner } from '../context.ts'
import { log, report } from '../output.ts'

// `hearth demo`: a few local peer agents joined to the running daemon of a data directory, until Ctrl-C.

const Status = z.object({
  identity: z.object({ peerId: z.string(), baidId: z.string() }).passthrough().optional(),
  network: z.object({ addrs: z.array(z.string()).max(64) }).passthrough()
}).passthrough()
const Identity = z.object({ peerId: z.string(), baidId: z.string() }).passthrough()

export function demoCommand (program: Command, run: Runner): void {
  program.command('demo')
    .description('start a few local peer agents with sample capabilities that join your running daemon, ask it for tasks and serve yours (Ctrl-C stops them)')
    .option('--peers <n>', 'how many demo peers', '3')
    .option('--target-data-dir <dir>', 'the data folder of the daemon to join (default: --data-dir)')
    .option('--target-addr <multiaddr...>', 'the daemon\'s address, when its control socket does not report one')
    .action(run(async (opts) => {
      const peers = Number(opts.peers)
      if (!Number.isInteger(peers) || peers < 1 || peers > 8) throw new UsageError('--peers must be a whole number from 1 to 8')
      const dataDir = resolve(String(opts.targetDataDir ?? opts.dataDir ?? defaultDataDir()))
      const target = await targetOf(dataDir, opts.targetAddr as string[] | undefined)
      const demo = await startDemo({ target, count: peers, log })
      report(opts, { peers: demo.peers }, r => `${r.peers.length} demo peers joined ${target.peerId}:\n${r.peers.map(p => `  ${p.peerId ?? ''}  ${p.baidId}`).join('\n')}\nCtrl-C stops them`)
      await new Promise<void>(done => {
        process.once('SIGINT', done)
        process.once('SIGTERM', done)
      })
      log('stopping the demo peers…')
      await demo.stop()
      // Requests the peers had in flight leave control-socket timers behind: nothing is left to wait for.
      process.exit(0)
    }))
}

/** Who and where the running daemon is: `app.status` where the daemon answers it, else its identity plus --target-addr. */
async function targetOf (dataDir: string, addrs: string[] | undefined): Promise<{ multiaddrs: string[], peerId: string, baidId: string, dataDir: string }> {
  const status = await callControl(dataDir, 'app.status').then(s => Status.parse(s), () => undefined)
  const identity = status?.identity ?? Identity.parse(await callControl(dataDir, 'identity.show'))
  // Loopback first: the demo peers run on this machine.
  const known = [...(addrs ?? []), ...(status?.network.addrs ?? [])].sort((a, b) => Number(b.includes('/127.0.0.1/')) - Number(a.includes('/127.0.0.1/')))
  if (known.length === 0) throw new UsageError('the running daemon did not say where it listens', { hint: 'pass its address with --target-addr (the `listening on` line it printed)' })
  const multiaddrs = known.map(a => a.includes('/p2p/') ? a : `${a}/p2p/${identity.peerId}`)
  return { multiaddrs, peerId: identity.peerId, baidId: identity.baidId, dataDir }
}
