import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { startWorker } from '../../core/common/worker.ts'
import { quantile as sortedQuantile } from '../../core/daemon/testnet/orchestrator.ts'
import { ECHO, startAgent, TOPIC, type Agent } from './task-agent.ts'

// Issue 5's task bench: whole task round trips on loopback between two agents, each on its own thread — request, approval
// by a grant, the real MCP "everything" server's echo, result, co-signed receipt, rating — with every SQLite write the real
// path does; beside a raw MCP echo call on its own stdio session and a raw libp2p ping, measured in the same run.

export interface TaskBench {
  p50_ms: number
  p95_ms: number
  mcp_echo_p50_ms: number
  ping_p50_ms: number
  /** Round trip over the raw echo call and over the ping: what the protocol, checks and persistence add. */
  p50_vs_mcp_echo: number
  p50_vs_ping: number
  /** This process's CPU time (both agents' threads) per measured round trip: what the path costs, whatever else loads the machine. */
  cpu_ms_per_task: number
  tasks: number
  completed: number
  with_receipt: number
  target_p50_ms: number
  target_met: boolean
}

const EVERYTHING_ARGS = [fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url)), 'stdio']

export async function benchTask (tasks = 200, log: (line: string) => void = () => {}): Promise<TaskBench> {
  const root = mkdtempSync(join(tmpdir(), 'hearth-bench-task-'))
  // Two agents are two machines: the provider runs in its own thread (its own event loop), the requester here.
  const provider = startWorker(import.meta.url, 'task-provider', {
    root, mcpServer: { id: 'everything', command: process.execPath, args: EVERYTHING_ARGS, topics: [TOPIC], price: 1 }
  })
  const fromProvider = async <T>(key: string): Promise<T> => await new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>): void => { if (key in message) { provider.off('message', onMessage); provider.off('error', reject); resolve(message as T) } }
    provider.on('message', onMessage)
    provider.once('error', reject)
  })
  let requester: Agent | undefined
  try {
    const { addr, peerId } = await fromProvider<{ addr: string, peerId: string }>('addr')
    requester = await startAgent(root, 'requester', {}, [addr])
    const granted = fromProvider('granted')
    provider.postMessage({ requester: requester.host.identity.info().baidId })
    await granted
    await until(async () => (await requester!.net.discovery.discover('echo a message back', { topic: TOPIC }, { limit: 10 })).some(c => c.descriptor.id === ECHO), 'the echo tool at the requester', 60_000)
    log('agents up, the echo tool discovered')

    const roundTrips: number[] = []
    let completed = 0
    let withReceipt = 0
    let cpu = process.cpuUsage()
    for (let i = -10; i < tasks; i++) {
      if (i === 0) cpu = process.cpuUsage()
      const t0 = performance.now()
      const done = await requester.net.negotiation.delegate({ intent: 'echo a message back', input: { message: `bench ${i}` }, topic: TOPIC, capability: ECHO, tier: 'T1', deadlineMs: 30_000 })
      const ms = performance.now() - t0
      // The first few warm the sessions, prepared statements and JIT.
      if (i < 0) continue
      roundTrips.push(ms)
      if (done.state === 'completed') completed++
      if (done.receipt.bothSigned) withReceipt++
    }
    const used = process.cpuUsage(cpu)
    log(`${completed}/${tasks} round trips completed`)

    const mcpEcho = await rawEcho(tasks)
    const providerPeer = peerIdFromString(peerId)
    const pings: number[] = []
    for (let i = -10; i < tasks; i++) {
      const t0 = performance.now()
      await requester.net.peer.services.ping.ping(providerPeer)
      if (i >= 0) pings.push(performance.now() - t0)
    }
    const p50 = quantile(roundTrips, 0.5)
    const echoP50 = quantile(mcpEcho, 0.5)
    const pingP50 = quantile(pings, 0.5)
    return {
      p50_ms: round(p50),
      p95_ms: round(quantile(roundTrips, 0.95)),
      mcp_echo_p50_ms: round(echoP50),
      ping_p50_ms: round(pingP50),
      p50_vs_mcp_echo: round(p50 / echoP50, 1),
      p50_vs_ping: round(p50 / pingP50, 1),
      cpu_ms_per_task: round((used.user + used.system) / 1000 / tasks),
      tasks,
      completed,
      with_receipt: withReceipt,
      target_p50_ms: 20,
      target_met: p50 <= 20
    }
  } finally {
    await requester?.host.stop()
    const stopped = fromProvider('stopped')
    provider.postMessage({ stop: true })
    await stopped.catch(() => undefined)
    await provider.terminate()
    rmSync(root, { recursive: true, force: true })
  }
}

/** The baseline: the same echo on the same server, straight through the MCP SDK over its own stdio session. */
async function rawEcho (calls: number): Promise<number[]> {
  const client = new Client({ name: 'hearth-bench', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: EVERYTHING_ARGS, stderr: 'ignore' }))
  try {
    const out: number[] = []
    for (let i = -10; i < calls; i++) {
      const t0 = performance.now()
      await client.callTool({ name: 'echo', arguments: { message: `bench ${i}` } })
      if (i >= 0) out.push(performance.now() - t0)
    }
    return out
  } finally {
    await client.close()
  }
}

async function until (check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits))
const quantile = (xs: readonly number[], q: number): number => sortedQuantile([...xs].sort((a, b) => a - b), q)
