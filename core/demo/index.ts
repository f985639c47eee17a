import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { toErrorInfo, UsageError } from '../api/errors.ts'
import type { PeerName } from '../api/trust.ts'
import { loadAgentConfig, type AgentConfig } from '../common/config.ts'
import { APP_ROOT } from '../common/paths.ts'
import { callControl } from '../daemon/control.ts'
import { daemonReady } from '../daemon/testnet/orchestrator.ts'
import { TOPICS } from '../discovery/descriptor.ts'
import { BUILTIN_TOOLS } from '../execution/builtins.ts'
import { createHost } from '../host.ts'
import { TEST_KDF_COST } from '../identity/passphrase-box.ts'

// `hearth demo` and the UI's "Start demo": a few real local peer agents (separate `hearth daemon` processes, file keystore,
// mDNS off) joined through the person's daemon. They offer sample capabilities and serve the person's delegations under
// allow rules, so trust forms from co-signed receipts; and every few seconds each asks the person's agent for a task, so
// requests show up in the person's inbox.

/** The person's running daemon the demo peers join and send requests to. */
export interface DemoTarget {
  readonly multiaddrs: readonly string[]
  readonly peerId: string
  readonly baidId?: string
  /** The person's data directory, when on this machine: its config says which capabilities to ask for. */
  readonly dataDir?: string
}

export interface DemoOptions {
  readonly target: DemoTarget
  /** How many demo peers (1–8). */
  readonly count?: number
  /** Where the peers' data directories go (default: a fresh temp folder, removed on stop). */
  readonly dataRoot?: string
  readonly log?: (line: string) => void
  /** Requests each peer sends the person's agent over the demo (0: none, only serve). */
  readonly requests?: number
  /** Mean time between one peer's requests; each wait is jittered ±50%. */
  readonly intervalMs?: number
  /** How long a request waits for the person's answer. */
  readonly deadlineMs?: number
}

export interface Demo {
  readonly peers: PeerName[]
  /** The peers' data directories (each daemon answers on its control socket there). */
  readonly dataDirs: string[]
  stop (): Promise<void>
}

/** A capability of the person's agent the demo peers ask for. */
export interface AskedCapability {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly topics: readonly string[]
  readonly price: number
  readonly required: readonly string[]
}

const MAX_PEERS = 8
const PEER_NAMES = ['Ada', 'Boole', 'Curie', 'Dijkstra', 'Euler', 'Fermat', 'Gauss', 'Hopper']
const SAMPLE_TEXT = 'The quick brown fox jumps over the lazy dog while the hearth keeps the house warm'
const START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 5_000

const CapabilityShape = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().default(''),
  topics: z.array(z.string()).default([]),
  constraints: z.object({ price: z.number().min(0).optional() }).passthrough().optional(),
  inputSchema: z.object({ required: z.array(z.string()).optional() }).passthrough().optional()
}).passthrough()

/** Every demo daemon alive: none outlives the process that started it, however it ends. */
const running = new Set<ChildProcess>()
process.once('exit', () => { for (const child of running) child.kill('SIGKILL') })

export async function startDemo (options: DemoOptions): Promise<Demo> {
  const count = options.count ?? 3
  if (!Number.isInteger(count) || count < 1 || count > MAX_PEERS) throw new UsageError(`a demo runs 1 to ${MAX_PEERS} peers, not ${count}`)
  if (options.target.multiaddrs.length === 0) throw new UsageError('the demo needs the address of your running daemon to join', { hint: 'start `hearth daemon` first' })
  const log = options.log ?? (() => undefined)
  const ownRoot = options.dataRoot === undefined
  const root = options.dataRoot ?? mkdtempSync(join(tmpdir(), 'hearth-demo-'))
  const passphrase = randomBytes(16).toString('hex')
  const person = options.target.dataDir === undefined ? undefined : loadAgentConfig(options.target.dataDir)
  const asked = person === undefined ? [] : askable(person)
  if (person !== undefined && asked.length === 0) {
    log('your agent offers no capabilities, so the demo peers have nothing to ask it: add one to config.json in your data folder (see resources/sample-capabilities.json, or builtin/word-count) — they will still serve your delegations')
  }
  const topics = demoTopics(person)
  const children: ChildProcess[] = []
  const stopped = new AbortController()
  const pending = new Set<Promise<unknown>>()
  const asks = new WeakSet<Promise<unknown>>()
  const stop = async (): Promise<void> => {
    if (stopped.signal.aborted) return
    stopped.abort()
    await Promise.all(children.map(stopChild))
    // Requests still waiting end with their peers (their control calls time out on their own); not waited for here.
    await Promise.allSettled([...pending].filter(p => !asks.has(p)))
    if (ownRoot) rmSync(root, { recursive: true, force: true })
  }
  try {
    const dataDirs = await Promise.all(Array.from({ length: count }, async (_, i) => await prepare(join(root, `peer-${i + 1}`), PEER_NAMES[i]!, topics, passphrase)))
    log(`starting ${count} demo peers in ${root}`)
    const peers = await Promise.all(dataDirs.map(async (dataDir, i) => {
      const child = spawnDaemon(dataDir, options.target.multiaddrs, passphrase)
      children.push(child)
      let stderr = ''
      child.stderr!.on('data', d => { stderr = (stderr + String(d)).slice(-2000) })
      const ready = await daemonReady(child, `demo peer ${PEER_NAMES[i]!}`, START_TIMEOUT_MS).catch((err: Error) => { throw new Error(`${err.message}: ${stderr.trim().split('\n').at(-1) ?? ''}`) })
      const ident = z.object({ peerId: z.string(), baidId: z.string() }).parse(ready)
      log(`demo peer ${PEER_NAMES[i]!} up as ${ident.peerId} (${ident.baidId})`)
      return { baidId: ident.baidId, peerId: ident.peerId }
    }))
    const requests = options.requests ?? 4
    if (requests > 0 && asked.length > 0) {
      dataDirs.forEach((dataDir, i) => {
        const run = askPeriodically({ dataDir, name: PEER_NAMES[i]!, asked, requests, offset: i, intervalMs: options.intervalMs ?? 5_000, deadlineMs: options.deadlineMs ?? 300_000, signal: stopped.signal, log, pending, asks })
        pending.add(run)
        void run.finally(() => pending.delete(run))
      })
    }
    return { peers, dataDirs, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The person's capabilities the demo can ask for (those it announces from config.json). */
export function askable (config: AgentConfig): AskedCapability[] {
  return config.capabilities.flatMap(c => {
    const parsed = CapabilityShape.safeParse(c)
    if (!parsed.success || parsed.data.topics.length === 0) return []
    const d = parsed.data
    return [{ id: d.id, name: d.name, description: d.description, topics: d.topics, price: d.constraints?.price ?? 1, required: d.inputSchema?.required ?? ['text'] }]
  })
}

/** One request from a demo peer to the person's agent: a whole delegation, answered when the person decides. */
export async function askPerson (dataDir: string, capability: AskedCapability, options: { deadlineMs?: number, text?: string, intent?: string } = {}): Promise<{ task: string, state: string, reason?: string }> {
  const deadlineMs = options.deadlineMs ?? 300_000
  const text = options.text ?? SAMPLE_TEXT
  const input = Object.fromEntries((capability.required.length === 0 ? ['text'] : capability.required).map(field => [field, text]))
  const params = { intent: (options.intent ?? `${capability.name}: ${capability.description}`).slice(0, 4096), input, topic: capability.topics[0]!, capability: capability.id, reward: Math.max(10, capability.price), deadlineMs }
  return await callControl(dataDir, 'task.delegate', params, deadlineMs + 30_000) as { task: string, state: string, reason?: string }
}

interface AskLoop {
  readonly dataDir: string
  readonly name: string
  readonly asked: readonly AskedCapability[]
  readonly requests: number
  readonly offset: number
  readonly intervalMs: number
  readonly deadlineMs: number
  readonly signal: AbortSignal
  readonly log: (line: string) => void
  readonly pending: Set<Promise<unknown>>
  readonly asks: WeakSet<Promise<unknown>>
}

/** A handful of requests, jittered so the peers do not ask in lockstep; each waits for the person without holding up the next. */
async function askPeriodically (loop: AskLoop): Promise<void> {
  for (let k = 0; k < loop.requests; k++) {
    // The first waits for the person's descriptors to reach the peer through gossip.
    await sleep(loop.intervalMs * (0.5 + Math.random()) + (k === 0 ? 2_000 + loop.offset * 1_000 : 0), loop.signal)
    if (loop.signal.aborted) return
    const capability = loop.asked[(k + loop.offset) % loop.asked.length]!
    const ask = askPerson(loop.dataDir, capability, { deadlineMs: loop.deadlineMs }).then(
      r => { if (!loop.signal.aborted) loop.log(`${loop.name} asked for ${capability.id}: ${r.state}${r.reason === undefined ? '' : ` (${r.reason})`}`) },
      (err: unknown) => { if (!loop.signal.aborted) loop.log(`${loop.name} could not ask for ${capability.id}: ${toErrorInfo(err).message}`) })
    loop.pending.add(ask)
    loop.asks.add(ask)
    void ask.finally(() => loop.pending.delete(ask))
  }
}

/**
 * The topics the demo peers serve in: those the person listens to, minus those the person serves itself, so the person's
 * own requests go to the demo peers and theirs to the person, never to each other.
 */
function demoTopics (person: AgentConfig | undefined): string[] {
  const hears = person === undefined ? [...TOPICS] : person.interests
  const serves = new Set(person?.capabilities.flatMap(c => c.topics) ?? [])
  const free = hears.filter(t => !serves.has(t))
  return free.length > 0 ? free : hears.length > 0 ? hears : [...TOPICS]
}

/** A demo peer's data directory: config (sample capabilities plus the built-ins), identity, and allow rules for all it offers. */
async function prepare (dataDir: string, name: string, topics: readonly string[], passphrase: string): Promise<string> {
  mkdirSync(dataDir, { recursive: true })
  const samples = JSON.parse(readFileSync(join(APP_ROOT, 'resources', 'sample-capabilities.json'), 'utf8')) as Array<Record<string, unknown>>
  const builtins = BUILTIN_TOOLS.map(t => ({
    id: `builtin/${t.descriptor.name}`,
    name: t.descriptor.name.replace('-', ' '),
    description: t.descriptor.description,
    topics: topics.slice(0, 8),
    tags: ['text', t.descriptor.name],
    inputSchema: t.descriptor.inputSchema,
    constraints: { maxInputBytes: 65_536, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 60, price: 1 }
  }))
  const capabilities = [...builtins, ...samples]
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ name: `Demo: ${name}`, capabilities, interests: [...TOPICS] }))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => passphrase, kdfCost: TEST_KDF_COST })
  try {
    for (const c of capabilities) host.policy.approvals.setRule({ direction: 'serve', capability: String(c.id), mode: 'allow' })
    await host.identity.create(host.digests())
  } finally {
    await host.stop()
  }
  return dataDir
}

/** `hearth daemon` from source, as `npm run hearth` runs it; inside Electron its binary runs as plain Node. */
function spawnDaemon (dataDir: string, bootstrap: readonly string[], passphrase: string): ChildProcess {
  // --exit-with-parent: a demo peer never outlives the app, even one killed with SIGKILL (stdin is our pipe to it).
  const args = ['--import', 'tsx', join(APP_ROOT, 'core/daemon/main.ts'), 'daemon', '--json', '--no-mdns', '--exit-with-parent', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', ...bootstrap]
  const child = spawn(process.execPath, args, { cwd: APP_ROOT, env: { ...process.env, HEARTH_PASSPHRASE: passphrase, HEARTH_APP_ROOT: APP_ROOT, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>(resolve => {
    const hard = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    child.once('exit', () => { clearTimeout(hard); resolve() })
    child.kill('SIGTERM')
  })
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}
