import { request } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_API_FRAME_BYTES } from '../../core/api/app.ts'
import { rendererBuild } from '../../core/daemon/ui/renderer-build.ts'
import { startUiBridge } from '../../core/daemon/ui/server.ts'
import { hearth } from '../helpers/cli.ts'
import { daemons } from '../helpers/daemon.ts'
import { agentDir, TASK_TOPIC, WORD_COUNT } from '../helpers/agents.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// `hearth daemon --ui`: the web UI and its api on 127.0.0.1, open only to the page opened with the launch's token.

const daemon = daemons()
const ENV = { HEARTH_PASSPHRASE: 'ui bridge passphrase' }

interface Ui { url: string, port: number, token: string }
type Reply = { id: number, ok: true, value: any } | { id: number, ok: false, error: { name: string, message: string } }

async function uiDaemon (capabilities: unknown[] = [], extra: string[] = []): Promise<{ ui: Ui, ready: any }> {
  const dir = await agentDir(ENV, capabilities)
  const { ready } = await daemon(['--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--ui', '0', ...extra], ENV)
  return { ui: (ready as unknown as { ui: Ui }).ui, ready: { ...ready, dir } }
}

/** A raw HTTP GET, so the Host header and the path go out exactly as written. */
function get (port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, res => {
      let body = ''
      res.on('data', d => { body += d })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject).end()
  })
}

/** Open the api socket; a refused upgrade rejects with its HTTP status. */
function openApi (port: number, headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => { reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })); ws.terminate() })
    ws.once('error', reject)
  })
}

/** Frames as the page sees them: replies by id, and every event pushed. */
function frames (ws: WebSocket) {
  const events: any[] = []
  const waiting = new Map<number, (reply: Reply) => void>()
  let nextId = 1
  ws.on('message', data => {
    const frame = JSON.parse(String(data))
    if ('event' in frame) events.push(frame)
    else waiting.get(frame.id)?.(frame)
  })
  return {
    events,
    send: (frame: unknown, id: number): Promise<Reply> => new Promise(resolve => { waiting.set(id, resolve); ws.send(JSON.stringify(frame)) }),
    call (method: string, params: unknown = {}): Promise<Reply> {
      const id = nextId++
      return this.send({ id, method, params }, id)
    }
  }
}

const closed = (ws: WebSocket): Promise<{ code: number, reason: string }> =>
  new Promise(resolve => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })))

const statusOf = async (p: Promise<unknown>): Promise<number> => await p.then(() => 0, (err: { status?: number }) => err.status ?? -1)

describe('the renderer build', () => {
  it('builds renderer/ once per version of its sources and reuses that build', async () => {
    const appRoot = tempDir()
    mkdirSync(join(appRoot, 'renderer'))
    symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(appRoot, 'node_modules'), 'dir')
    writeFileSync(join(appRoot, 'renderer', 'vite.config.ts'), 'export default { root: import.meta.dirname, base: \'./\' }\n')
    writeFileSync(join(appRoot, 'renderer', 'index.html'), '<!doctype html><title>t</title><script type="module" src="./main.js"></script>\n')
    writeFileSync(join(appRoot, 'renderer', 'main.js'), 'document.title = "first"\n')
    const cacheDir = join(appRoot, 'cache')
    const lines: string[] = []
    const first = await rendererBuild({ appRoot, cacheDir, log: line => lines.push(line) })
    expect(first.built).toBe(true)
    expect(lines.at(-1)).toMatch(/^renderer: built in \d+ ms/)
    const script = readdirSync(join(first.dir, 'assets')).find(f => f.endsWith('.js'))!
    expect(readFileSync(join(first.dir, 'assets', script), 'utf8')).toContain('first')
    expect(await rendererBuild({ appRoot, cacheDir })).toMatchObject({ dir: first.dir, built: false })

    writeFileSync(join(appRoot, 'renderer', 'main.js'), 'document.title = "second"\n')
    const second = await rendererBuild({ appRoot, cacheDir })
    expect(second.built).toBe(true)
    expect(second.dir).not.toBe(first.dir)
    // Nothing half-built is left beside the finished builds.
    expect(readdirSync(cacheDir).sort()).toEqual([first.dir, second.dir].map(d => d.slice(cacheDir.length + 1)).sort())
  }, 120_000)
})

describe('hearth daemon --ui', () => {
  beforeAll(async () => {
    // The first build of the renderer's current sources takes a while on a busy machine; the daemons then reuse it.
    await rendererBuild()
  }, 240_000)

  it('serves the page to the URL it printed, sets the cookie its assets use, and refuses everyone else', async () => {
    const { ui } = await uiDaemon()
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=${ui.token}`)
    expect(ui.token).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const page = await fetch(ui.url)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<div id="app">')
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://127.0.0.1:${ui.port}`)
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.headers.get('cache-control')).toBe('no-store')
    const cookie = page.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\//)
    const sessionCookie = cookie.split(';')[0]!

    // The page's script loads with the cookie alone, as the browser asks for it.
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    const asset = await fetch(`http://127.0.0.1:${ui.port}/${script}`, { headers: { cookie: sessionCookie } })
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/)
    // A bearer token works too (scripts), and is not needed once the cookie is there.
    expect((await fetch(`http://127.0.0.1:${ui.port}/`, { headers: { authorization: `Bearer ${ui.token}` } })).status).toBe(200)

    const anonymous = await fetch(`http://127.0.0.1:${ui.port}/`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.text()).toMatch(/token/)
    expect((await fetch(`http://127.0.0.1:${ui.port}/${script}`)).status).toBe(401)
    const wrong = `${ui.token.slice(0, -1)}${ui.token.endsWith('A') ? 'B' : 'A'}`
    expect((await fetch(`http://127.0.0.1:${ui.port}/?token=${wrong}`)).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${ui.port}/?token=short`)).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${ui.port}/`, { headers: { cookie: `hearth-ui-${ui.port}=${wrong}` } })).status).toBe(401)

    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still names its own host.
    expect((await get(ui.port, `/?token=${ui.token}`, { host: `evil.example:${ui.port}` })).status).toBe(421)
    // A request from another page (with the cookie riding along) is refused.
    expect((await get(ui.port, '/', { cookie: sessionCookie, origin: 'http://evil.example' })).status).toBe(403)
    // Paths that climb out of the renderer's folder find nothing.
    for (const path of ['/../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json', '/..%5c..%5cpackage.json']) {
      const res = await get(ui.port, path, { cookie: sessionCookie })
      expect(res.status, path).toBe(404)
      expect(res.body).not.toContain('"name": "hearth"')
    }

    // Bound to 127.0.0.1 only: neither another loopback address nor this machine's other addresses answer.
    const others = ['127.0.0.2', ...Object.values(networkInterfaces()).flat().filter(a => a !== undefined && !a.internal && a.family === 'IPv4').map(a => a!.address)]
    for (const host of others) {
      const refused = await new Promise<string>(resolve => {
        const socket = connect({ host, port: ui.port })
        socket.once('connect', () => { socket.destroy(); resolve('connected') })
        socket.once('error', err => resolve((err as NodeJS.ErrnoException).code ?? 'error'))
      })
      expect(refused, host).toBe('ECONNREFUSED')
    }
  }, 120_000)

  it('answers the api over a WebSocket from its own page only, and survives malformed and oversized frames', async () => {
    const { ui } = await uiDaemon()
    const own = `http://127.0.0.1:${ui.port}`
    const cookie = `hearth-ui-${ui.port}=${ui.token}`

    expect(await statusOf(openApi(ui.port, { origin: own }))).toBe(401)
    expect(await statusOf(openApi(ui.port, { origin: own }, '?token=wrong'))).toBe(401)
    expect(await statusOf(openApi(ui.port, { origin: 'http://evil.example', cookie }))).toBe(403)
    expect(await statusOf(openApi(ui.port, { origin: `http://127.0.0.1:${ui.port + 1}`, cookie }))).toBe(403)
    expect(await statusOf(openApi(ui.port, { cookie }))).toBe(403)

    // The page's socket carries the cookie; the page's own URL token works as well.
    const ws = await openApi(ui.port, { origin: own, cookie })
    const api = frames(ws)
    expect(await api.call('inbox.list')).toEqual({ id: 1, ok: true, value: { pending: [] } })
    expect(await api.call('grants.list')).toMatchObject({ ok: true, value: { grants: [] } })
    expect(await api.call('trust.contacts.list')).toMatchObject({ ok: true, value: { contacts: [] } })
    const viaQuery = await openApi(ui.port, { origin: `http://localhost:${ui.port}` }, `?token=${ui.token}`)
    expect(await frames(viaQuery).call('inbox.list')).toMatchObject({ ok: true, value: { pending: [] } })
    viaQuery.close()

    // Wrong requests get a named error under their id; the socket stays open.
    expect(await api.call('keys.export')).toMatchObject({ ok: false, error: { name: 'UnknownMethodError' } })
    expect(await api.send({ id: 50, params: {} }, 50)).toMatchObject({ id: 50, ok: false, error: { name: 'MalformedMessageError' } })
    expect(await api.send({ id: 51, method: 'inbox.list', params: {}, extra: true }, 51)).toMatchObject({ ok: false, error: { name: 'MalformedMessageError' } })
    const badParams = await api.call('inbox.decide', { id: 'nope', decision: 'maybe' })
    expect(badParams.ok).toBe(false)
    expect(badParams.ok ? undefined : badParams.error.name).toMatch(/^(?!InternalError$)\w+Error$/)
    expect(await api.call('inbox.list')).toMatchObject({ ok: true })

    // A frame that is not a request at all closes that socket with a reason; others, and the daemon, go on.
    const garbled = await openApi(ui.port, { origin: own, cookie })
    const garbledClosed = closed(garbled)
    garbled.send('{"id": 1, "method": ')
    expect(await garbledClosed).toEqual({ code: 1008, reason: 'frames are JSON ApiRequest objects' })
    const huge = await openApi(ui.port, { origin: own, cookie })
    const hugeClosed = closed(huge)
    huge.send(JSON.stringify({ id: 1, method: 'inbox.list', params: { pad: 'x'.repeat(MAX_API_FRAME_BYTES) } }))
    expect((await hugeClosed).code).toBe(1009)
    expect(await api.call('inbox.list')).toMatchObject({ ok: true, value: { pending: [] } })
    const after = await openApi(ui.port, { origin: own, cookie })
    expect(await frames(after).call('inbox.list')).toMatchObject({ ok: true })
    after.close()
    ws.close()
  }, 120_000)

  it('pushes inbox changes to the provider\'s page as a request arrives and is answered there', async () => {
    const provider = await uiDaemon([WORD_COUNT], ['--interactive'])
    const requesterDir = await agentDir(ENV)
    await daemon(['--data-dir', requesterDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', provider.ready.addrs[0]], ENV)
    const ws = await openApi(provider.ui.port, { origin: `http://127.0.0.1:${provider.ui.port}`, cookie: `hearth-ui-${provider.ui.port}=${provider.ui.token}` })
    const api = frames(ws)

    const input = join(tempDir(), 'input.txt')
    writeFileSync(input, 'the quick brown fox\njumps over the lazy dog')
    await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'count the words of a text', '--json'])).json?.candidates?.length > 0, 'the capability at the requester', 30_000)
    const delegated = hearth(['--data-dir', requesterDir, 'delegate', 'count the words of a text', '--input', input, '--capability', WORD_COUNT.id, '--topic', TASK_TOPIC, '--deadline', '30', '--json'])

    const inbox = (): any[] => api.events.filter(e => e.event === 'inbox:changed')
    await eventually(() => inbox().length > 0, 'inbox:changed on the provider\'s page', 60_000)
      .catch(async (err: Error) => { throw new Error(`${err.message}; the delegation ended with ${JSON.stringify((await delegated).json)}`) })
    expect(inbox()[0]).toMatchObject({ data: { pending: 1, added: { capability: WORD_COUNT.id, topic: TASK_TOPIC, direction: 'serve' } } })
    const id = inbox()[0].data.added.id as string
    expect(await api.call('inbox.decide', { id, decision: 'allow-once' })).toMatchObject({ ok: true, value: { id, status: 'allowed' } })
    await eventually(() => inbox().length > 1, 'the decision on the provider\'s page')
    expect(inbox()[1]).toMatchObject({ data: { pending: 0, decided: { id, status: 'allowed' } } })
    expect((await delegated).json).toMatchObject({ state: 'completed', result: { structured: { words: 9 } } })
    ws.close()
  }, 240_000)

  it('never listens beyond this machine', async () => {
    const backend = { call: async () => ({}), subscribe: () => () => {} }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'localhost']) {
      await expect(startUiBridge({ port: 0, host, backend, rendererDir: tempDir() }), host).rejects.toMatchObject({ name: 'UiBindRefusedError' })
    }
  })

  it('says what is wrong with a bad --ui port', async () => {
    const dir = await agentDir(ENV)
    const bad = await hearth(['--data-dir', dir, '--keystore', 'file', 'daemon', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--ui', 'eighty', '--json'], ENV)
    expect(bad.code).toBe(1)
    expect(bad.json.error).toMatchObject({ name: 'UsageError', message: expect.stringMatching(/--ui takes a port number/) })
  }, 60_000)
})
