import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { chromium, type Browser } from '@playwright/test'
import { APP_ROOT } from '../../core/common/paths.ts'
import { callControl } from '../../core/daemon/control.ts'
import { rendererBuild } from '../../core/daemon/ui/renderer-build.ts'
import { bundleDaemon, daemonReady } from '../../core/daemon/testnet/orchestrator.ts'
import { createHost } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'

// The app's felt speed (issue 6 §7): a daemon from spawn to online, the UI's first render in Chromium, a 1,000-request
// Inbox rendered and scrolled, and the idle core's memory — each beside a baseline measured in the same run (a bare libp2p
// node's start and memory, a blank page's render).

export interface UiBench {
  start_to_online_ms: number
  first_render_ms: number
  inbox_1000_render_ms: number
  inbox_1000_scroll_ms: number
  /** Request rows in the page after the scroll: a virtualised list keeps it far under 1,000. */
  inbox_rows_in_dom: number
  idle_rss_mb: number
  baseline_libp2p_start_ms: number
  baseline_libp2p_rss_mb: number
  baseline_blank_render_ms: number
  start_vs_libp2p: number
  render_vs_blank: number
  rss_vs_libp2p: number
  target_start_ms: number
  target_first_render_ms: number
  target_met: boolean
}

const PASSPHRASE = 'hearth-bench'
const RUNS = 3
const QUEUED = 1000
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

// A libp2p node with the transports the daemon uses and nothing else, started the same way (one process, one file).
const BARE_NODE = `
if (typeof Promise.withResolvers !== 'function') Promise.withResolvers = function () { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b }); return { promise, resolve, reject } }
const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { multiaddr } = await import('@multiformats/multiaddr')
const node = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
await node.dial(multiaddr(process.argv[2]))
process.stdout.write(JSON.stringify({ peerId: node.peerId.toString(), addrs: [] }) + '\\n')
setInterval(() => {}, 60_000)
`

export async function benchUi (log: (line: string) => void): Promise<UiBench> {
  const root = mkdtempSync(join(tmpdir(), 'hearth-bench-ui-'))
  const children: ChildProcess[] = []
  let browser: Browser | undefined
  try {
    log('building the renderer and bundling the daemon (not measured)')
    const renderer = await rendererBuild({ log })
    const daemon = await bundleDaemon(root)
    const bareNode = join(APP_ROOT, '.hearth-test', basename(root), 'bare-node.mjs')
    writeFileSync(bareNode, BARE_NODE)
    const env = { ...process.env, HEARTH_PASSPHRASE: PASSPHRASE, HEARTH_APP_ROOT: APP_ROOT, HEARTH_RENDERER_DIR: renderer.dir }
    const run = (args: string[]): ChildProcess => {
      const child = spawn(process.execPath, args, { cwd: APP_ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] })
      children.push(child)
      return child
    }
    const stop = async (child: ChildProcess): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>(resolve => { child.once('exit', () => resolve()); child.kill('SIGTERM') })
    }

    const bootDir = await agentDir(join(root, 'bootstrap'))
    const personDir = await agentDir(join(root, 'person'))
    const boot = run([daemon, 'daemon', '--json', '--no-mdns', '--data-dir', bootDir, '--listen', '/ip4/127.0.0.1/tcp/0'])
    const bootAddr = (await daemonReady(boot, 'the bootstrap daemon')).addrs[0]!
    log(`bootstrap peer up at ${bootAddr}`)

    // Start to online: spawned, listening, and connected to the bootstrap peer.
    const starts: number[] = []
    const bareStarts: number[] = []
    let bareRss = 0
    for (let i = 0; i < RUNS; i++) {
      const began = performance.now()
      const child = run([daemon, 'daemon', '--json', '--no-mdns', '--data-dir', personDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', bootAddr])
      await daemonReady(child, 'the measured daemon')
      while (peerCount(await callControl(personDir, 'peers.list')) === 0) await sleep(5)
      starts.push(performance.now() - began)
      await stop(child)

      const bareBegan = performance.now()
      const bare = run([bareNode, bootAddr])
      await daemonReady(bare, 'the bare libp2p node')
      bareStarts.push(performance.now() - bareBegan)
      await sleep(1_000)
      bareRss = Math.max(bareRss, rssMb(bare.pid!))
      await stop(bare)
      log(`start ${i + 1}/${RUNS}: daemon ${starts.at(-1)!.toFixed(0)} ms, bare libp2p ${bareStarts.at(-1)!.toFixed(0)} ms`)
    }

    await queueApprovals(personDir, QUEUED)
    const person = run([daemon, 'daemon', '--json', '--no-mdns', '--interactive', '--ui', '0', '--data-dir', personDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', bootAddr])
    const ready = await daemonReady(person, 'the daemon with its UI') as unknown as { ui: { url: string } }
    log(`UI at ${new URL(ready.ui.url).origin}, ${QUEUED} requests queued`)

    browser = await chromium.launch({ executablePath: process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
    const blank = await blankPage()
    const renders: number[] = []
    const blanks: number[] = []
    const inboxes: number[] = []
    const scrolls: number[] = []
    let rowsInDom = 0
    try {
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext({ viewport: { width: 1024, height: 700 } })
        const page = await context.newPage()
        await page.goto(blank.url)
        blanks.push(await page.waitForFunction(() => document.querySelector('h1')?.checkVisibility() === true && performance.now(), undefined, { polling: 'raf' }).then(h => h.jsonValue() as Promise<number>))
        await page.goto(ready.ui.url)
        // Navigation start is performance time 0: the Inbox heading visible, then the queue's rows.
        renders.push(await page.waitForFunction(() => Array.from(document.querySelectorAll('h1')).some(h => h.textContent?.trim() === 'Inbox' && h.checkVisibility()) && performance.now(), undefined, { polling: 'raf' }).then(h => h.jsonValue() as Promise<number>))
        inboxes.push(await page.waitForFunction(() => document.querySelectorAll('[role=list][aria-label=Requests] [role=listitem]').length > 0 && performance.now(), undefined, { polling: 'raf', timeout: 60_000 }).then(h => h.jsonValue() as Promise<number>))
        const scroll = await page.evaluate(async () => {
          const viewport = document.querySelector('[role=list][aria-label=Requests]') as HTMLElement
          const began = performance.now()
          viewport.scrollTop = viewport.scrollHeight
          // Done when the last row sits at the bottom of the viewport, painted.
          for (;;) {
            await new Promise(resolve => requestAnimationFrame(resolve))
            const rows = viewport.querySelectorAll('[role=listitem]')
            const last = rows[rows.length - 1]?.getBoundingClientRect()
            if (last !== undefined && Math.abs(last.bottom - viewport.getBoundingClientRect().bottom) < 2 && (rows[rows.length - 1]?.textContent ?? '') !== '') return { ms: performance.now() - began, rows: rows.length }
            if (performance.now() - began > 10_000) return { ms: Number.NaN, rows: rows.length }
          }
        })
        scrolls.push(scroll.ms)
        rowsInDom = scroll.rows
        await context.close()
        log(`render ${i + 1}/${RUNS}: Inbox ${renders.at(-1)!.toFixed(0)} ms, 1,000 queued ${inboxes.at(-1)!.toFixed(0)} ms, scroll to end ${scroll.ms.toFixed(0)} ms (${scroll.rows} rows in the page); blank page ${blanks.at(-1)!.toFixed(0)} ms`)
      }
    } finally {
      blank.close()
    }
    // Idle after warm-up: the UI connected, the queue loaded, nothing happening.
    await sleep(3_000)
    const idleRss = rssMb(person.pid!)

    const startMs = median(starts)
    const renderMs = median(renders)
    const result: UiBench = {
      start_to_online_ms: round(startMs),
      first_render_ms: round(renderMs),
      inbox_1000_render_ms: round(median(inboxes)),
      inbox_1000_scroll_ms: round(median(scrolls)),
      inbox_rows_in_dom: rowsInDom,
      idle_rss_mb: round(idleRss),
      baseline_libp2p_start_ms: round(median(bareStarts)),
      baseline_libp2p_rss_mb: round(bareRss),
      baseline_blank_render_ms: round(median(blanks)),
      start_vs_libp2p: round(startMs / median(bareStarts), 2),
      render_vs_blank: round(renderMs / Math.max(1, median(blanks)), 2),
      rss_vs_libp2p: round(idleRss / Math.max(1, bareRss), 2),
      target_start_ms: 1000,
      target_first_render_ms: 1000,
      target_met: startMs <= 1000 && renderMs <= 1000
    }
    return result
  } finally {
    await browser?.close()
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
    rmSync(join(APP_ROOT, '.hearth-test', basename(root)), { recursive: true, force: true })
  }
}

/** A data directory with an identity (file keystore, cheap KDF: a throwaway key). */
async function agentDir (dataDir: string): Promise<string> {
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => PASSPHRASE, kdfCost: TEST_KDF_COST })
  try {
    await host.identity.create(host.digests())
  } finally {
    await host.stop()
  }
  return dataDir
}

/** Requests to serve a task, queued through the policy plane as peers' requests would be; they wait again at the next start. */
async function queueApprovals (dataDir: string, count: number): Promise<void> {
  const host = await createHost({ dataDir, passphrase: async () => PASSPHRASE, interactive: () => true })
  for (let i = 0; i < count; i++) {
    // Queued synchronously; the answer it would wait for is never needed here.
    void host.policy.approvals.request({
      task: `bench-${i}`,
      peer: Buffer.alloc(32, i % 251),
      capability: 'builtin/word-count',
      topic: 'data_analysis',
      price: 1 + (i % 7),
      payload: { intent: `count the words of document ${i}`, input: { bytes: 100 + i, dataClasses: ['public'] } },
      deadline: Date.now() + 3_600_000
    }).catch(() => undefined)
  }
  await host.stop()
}

async function blankPage (): Promise<{ url: string, close: () => void }> {
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>blank</title><h1>Inbox</h1>') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/`, close: () => { server.close() } }
}

function peerCount (value: unknown): number {
  if (Array.isArray(value)) return value.length
  const peers = (value as { peers?: unknown } | undefined)?.peers
  return Array.isArray(peers) ? peers.length : 0
}

/** Resident memory of a process (Linux /proc; NaN elsewhere). */
function rssMb (pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return kb / 1024
  } catch {
    return Number.NaN
  }
}

function median (values: readonly number[]): number {
  const sorted = values.filter(v => Number.isFinite(v)).sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : sorted[sorted.length >> 1]!
}

const round = (x: number, digits = 0): number => Number(x.toFixed(digits))

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
