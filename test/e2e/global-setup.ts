import '../../core/common/polyfills.ts'
import { rmSync } from 'node:fs'
import { startDemo } from '../../core/demo/index.ts'
import { bundleCli } from '../helpers/cli.ts'
import { personDir, startPerson, writeState } from './fixtures.ts'

// One person's daemon with its web UI, and three demo peers joined to it; the specs drive requests from the peers
// themselves (the demo's own periodic requests are off), so each spec knows which request is its own.

export default async function globalSetup (): Promise<() => Promise<void>> {
  const began = Date.now()
  const log = (line: string): void => { process.stderr.write(`[e2e setup ${((Date.now() - began) / 1000).toFixed(1)} s] ${line}\n`) }
  const unbundle = await bundleCli()
  const dataDir = await personDir()
  log(`starting the person's daemon in ${dataDir}`)
  const person = await startPerson(dataDir)
  log(`person up as ${person.peerId}; UI at ${new URL(person.url).origin}`)
  let demo
  try {
    demo = await startDemo({ target: { multiaddrs: person.addrs, peerId: person.peerId, baidId: person.baidId, dataDir }, count: 3, requests: 0, log })
  } catch (err) {
    await person.stop()
    unbundle()
    throw err
  }
  writeState({ person: { dataDir, peerId: person.peerId, baidId: person.baidId, url: person.url }, demo: { dataDirs: demo.dataDirs, peers: demo.peers } })
  log('ready')
  return async () => {
    await demo.stop()
    await person.stop()
    rmSync(dataDir, { recursive: true, force: true })
    unbundle()
  }
}
