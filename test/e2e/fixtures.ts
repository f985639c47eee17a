import { test } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { daemonReady } from '../../core/daemon/testnet/orchestrator.ts'
import { TOPICS } from '../../core/discovery/descriptor.ts'
import type { AskedCapability } from '../../core/demo/index.ts'
import { hearth, hearthCommand } from '../helpers/cli.ts'

// The person's side of the end-to-end tests: a data directory as a person sets it up (file keystore, the built-in word
// count offered in data_analysis, every request asked of the person), and its `hearth daemon --ui` started for real.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PASSPHRASE = 'hearth-e2e'
export const ENV = { HEARTH_PASSPHRASE: PASSPHRASE }
/** Where global setup leaves what the specs need (git-ignored). */
export const STATE_FILE = join(ROOT, '.hearth-test', 'e2e', 'state.json')
/** The main views, by their nav link and h1. */
export const VIEWS = ['Inbox', 'Delegate', 'Negotiations', 'Network', 'Trust', 'My agent', 'Ledger', 'Identity', 'Settings', 'Activity'] as const

export const TOPIC = 'data_analysis'

/** What the person's agent offers: the demo peers ask for it, and the person answers in the Inbox. */
export const WORD_COUNT: AskedCapability & Record<string, unknown> = {
  id: 'builtin/word-count',
  name: 'word count',
  description: 'Count the words and lines of a text',
  topics: [TOPIC],
  tags: ['words', 'count'],
  price: 1,
  required: ['text'],
  constraints: { maxInputBytes: 65_536, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 1000, price: 1 }
}

/** A fresh person's data directory with config and identity. */
export async function personDir (): Promise<string> {
  mkdirSync(join(ROOT, '.hearth-test'), { recursive: true })
  const dir = mkdtempSync(join(tmpdir(), 'hearth-e2e-'))
  const { price: _price, required: _required, ...capability } = WORD_COUNT
  // Hears every topic, so the demo peers' capabilities (in the other topics) reach its Delegate view.
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: 'E2E person', capabilities: [capability], interests: [...TOPICS] }))
  const created = await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'], ENV)
  if (created.code !== 0) throw new Error(`hearth id create failed: ${created.stderr}`)
  return dir
}

const Ready = z.object({
  peerId: z.string(),
  baidId: z.string(),
  addrs: z.array(z.string()).min(1),
  ui: z.object({ url: z.string().url() }).passthrough()
}).passthrough()

export interface PersonDaemon {
  readonly dataDir: string
  readonly peerId: string
  readonly baidId: string
  readonly addrs: string[]
  /** The UI's URL with this launch's token. */
  readonly url: string
  readonly child: ChildProcess
  stop (): Promise<void>
}

/** `hearth daemon --ui 0 --json --interactive` on loopback for a data directory, up and serving its UI. */
export async function startPerson (dataDir: string): Promise<PersonDaemon> {
  const run = hearthCommand(['--data-dir', dataDir, 'daemon', '--json', '--interactive', '--no-mdns', '--ui', '0', '--listen', '/ip4/127.0.0.1/tcp/0'])
  const child = spawn(run.command, run.args, { cwd: ROOT, env: { ...process.env, ...run.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', d => { stderr = (stderr + String(d)).slice(-4000) })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>(resolve => {
      // A daemon running the demo stops its demo peers first; killed sooner, it would leave them running.
      const hard = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.once('exit', () => { clearTimeout(hard); resolve() })
      child.kill('SIGTERM')
    })
  }
  try {
    const ready = Ready.parse(await daemonReady(child, 'the person\'s hearth daemon --ui', 120_000))
    return { dataDir, peerId: ready.peerId, baidId: ready.baidId, addrs: ready.addrs, url: ready.ui.url, child, stop }
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\n${stderr}`)
  }
}

/**
 * A spec's own person, for specs that restart the daemon or need a fresh person: the data directory is made before the
 * spec's tests, and the daemon stopped and the directory removed after them.
 */
export function ownPerson (): { readonly dataDir: () => string, start: () => Promise<PersonDaemon> } {
  let dataDir: string | undefined
  let daemon: PersonDaemon | undefined
  test.beforeAll(async () => { dataDir = await personDir() })
  test.afterAll(async () => {
    await daemon?.stop()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })
  const dir = (): string => {
    if (dataDir === undefined) throw new Error('ownPerson() is used before its beforeAll ran')
    return dataDir
  }
  return { dataDir: dir, start: async () => (daemon = await startPerson(dir())) }
}

/** What global setup started, for the specs (which run in other processes). */
export interface E2eState {
  readonly person: { dataDir: string, peerId: string, baidId: string, url: string }
  readonly demo: { dataDirs: string[], peers: Array<{ baidId: string, peerId?: string }> }
}

export function writeState (state: E2eState): void {
  mkdirSync(join(STATE_FILE, '..'), { recursive: true })
  writeFileSync(STATE_FILE, JSON.stringify(state))
}

export function readState (): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState
}

/** An intent for the person's word count, unique per call so a spec finds its own request among the others. */
export function uniqueIntent (what: string): string {
  // The words of the capability's name: the requester finds its provider by them.
  return `word count for the ${what} check ${Math.random().toString(36).slice(2, 8)}`
}
