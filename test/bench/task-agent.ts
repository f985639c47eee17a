import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHost, type Host, type Network } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'

// One agent of the task bench: its own data directory, identity and libp2p node on loopback.

export const TOPIC = 'devops_tool_execution'
export const ECHO = 'everything/echo'

export interface Agent { readonly host: Host, readonly net: Network }

export async function startAgent (root: string, name: string, config: Record<string, unknown>, bootstrap: string[] = []): Promise<Agent> {
  const dataDir = join(root, name)
  mkdirSync(dataDir)
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ interests: [TOPIC], ...config }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'bench', kdfCost: TEST_KDF_COST, interactive: () => false })
  await host.identity.create(host.digests())
  await host.start()
  const net = await host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap })
  return { host, net }
}
