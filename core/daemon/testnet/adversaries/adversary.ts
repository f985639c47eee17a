import '../../../common/polyfills.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { TOPICS } from '../../../discovery/descriptor.ts'
import { createHost } from '../../../host.ts'
import { hex } from '../../../identity/ids.ts'
import { peerIdOf } from '../../../identity/ids.ts'
import { ADVERSARY_KINDS, ATTACKS, type Agent, type AttackEvent, type AdversaryKind } from './kinds.ts'

// One hostile testnet peer, as its own process: `adversary.mjs --kind K --dir D --bootstrap ADDR --victims HEX,…`.
// It prints one JSON line per thing the orchestrator should check ({"ready":true} once joined), and stops on SIGTERM.

const PASSPHRASE = 'hearth-testnet'
const THROWAWAY_KDF = { N: 2 ** 14, r: 8, p: 1 }

const { values } = parseArgs({ options: { kind: { type: 'string' }, dir: { type: 'string' }, bootstrap: { type: 'string' }, victims: { type: 'string', default: '' } } })
const kind = values.kind as AdversaryKind
if (!(ADVERSARY_KINDS as readonly string[]).includes(kind) || values.dir === undefined || values.bootstrap === undefined) {
  process.stderr.write(`usage: adversary --kind ${ADVERSARY_KINDS.join('|')} --dir DIR --bootstrap ADDR [--victims HEX,…]\n`)
  process.exit(2)
}
const dir = values.dir
const bootstrap = values.bootstrap
const report = (event: AttackEvent | { ready: true }): void => { process.stdout.write(`${JSON.stringify(event)}\n`) }

const agents: Agent[] = []
/** A fresh identity (its own key and BAID), joined through the bootstrap node with Hearth's own host, listening to every topic. */
async function spawn (name: string): Promise<Agent> {
  const dataDir = join(dir, name)
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ capabilities: [], interests: TOPICS }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => PASSPHRASE, kdfCost: THROWAWAY_KDF })
  await host.identity.create(host.digests())
  const network = await host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [bootstrap], mdns: false, dhtServer: true, inboundConnectionsPerSecond: 1000 })
  const agent = { host, network, signer: await host.identity.agentSigner() }
  agents.push(agent)
  const key = host.identity.chain().head.record.agent
  report({ joined: { peerId: peerIdOf(key), agent: hex(key) } })
  return agent
}

const stopped = new AbortController()
process.once('SIGTERM', () => stopped.abort())
process.once('SIGINT', () => stopped.abort())

const first = await spawn(kind)
report({ ready: true })
const victims = values.victims.split(',').filter(v => v.length > 0).map(v => Uint8Array.from(Buffer.from(v, 'hex')))
await ATTACKS[kind]({ agent: first, spawn, victims, report, signal: stopped.signal })
await Promise.all(agents.map(async a => await a.host.stop().catch(() => undefined)))
process.exit(0)
