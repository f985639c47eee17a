import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { createHost, type Host, type Network, type NetworkInit } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { hearth } from './cli.ts'
import { tempDir } from './tmp.ts'

// Agents as a person sets them up for the CLI tests: a data directory with a config and an identity (file keystore).

export const TASK_TOPIC = 'data_analysis'

/** The built-in word count, offered in TASK_TOPIC to any requester: what the provider daemons of the task tests serve. */
export const WORD_COUNT = {
  id: 'builtin/word-count',
  name: 'word count',
  description: 'Count the words and lines of a text',
  topics: [TASK_TOPIC],
  tags: ['words', 'count'],
  constraints: { maxInputBytes: 65_536, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 100, price: 1 }
}

/** A fresh data directory with `config.json` (these capabilities, listening to TASK_TOPIC) and a created identity. */
export async function agentDir (env: Record<string, string>, capabilities: unknown[] = [], config: Record<string, unknown> = {}): Promise<string> {
  const dir = tempDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, capabilities, interests: [TASK_TOPIC] }))
  expect((await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'], env)).code).toBe(0)
  return dir
}

/** An agent in this process as the network tests run one: its data directory with `config.json` (interests: TASK_TOPIC, then `config`), an identity, and a node on loopback; `person.attached` says whether someone answers its Inbox. */
export interface NetworkAgent { host: Host, net: Network, dataDir: string, person: { attached: boolean } }

/** `net` overrides how it joins (by default every agent serves the DHT, so a handful of them all meet). */
export async function networkAgent (config: Record<string, unknown>, bootstrap: string[] = [], started?: NetworkAgent[], net: Partial<NetworkInit> = {}): Promise<NetworkAgent> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ interests: [TASK_TOPIC], ...config }))
  const person = { attached: false }
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST, interactive: () => person.attached })
  await host.identity.create(host.digests())
  await host.start()
  const network = await host.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap, ...net })
  const made = { host, net: network, dataDir, person }
  started?.push(made) // the test's list of agents to stop afterwards
  return made
}
