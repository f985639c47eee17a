import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ApiEvent, ApiMethod, ParamsOf, ResultOf } from '../../core/api/app.ts'
import { createAppCore, type AppCore } from '../../core/app/index.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { TASK_TOPIC, WORD_COUNT, agentDir } from '../helpers/agents.ts'
import { hearth } from '../helpers/cli.ts'
import { daemons } from '../helpers/daemon.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'

// The app core as the UI and CLI reach it: a real data directory (SQLite, file keystore), a real libp2p node on loopback,
// and for served tasks a real `hearth daemon` process as the requester.

const PASS = 'app core passphrase'
const ENV = { HEARTH_PASSPHRASE: PASS }
const daemon = daemons()
const open: AppCore[] = []
afterEach(async () => { await Promise.all(open.splice(0).map(async app => { await app.stop() })) })

interface Person { app: AppCore, events: ApiEvent[], call: <M extends ApiMethod>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>> }

async function person (dataDir: string, port = 0): Promise<Person> {
  const app = await createAppCore({
    dataDir,
    keystore: 'file',
    passphrase: async () => PASS,
    kdfCost: TEST_KDF_COST,
    interactive: () => true,
    network: { listen: [`/ip4/127.0.0.1/tcp/${port}`], bootstrap: [], mdns: false }
  })
  open.push(app)
  const events: ApiEvent[] = []
  app.subscribe(e => { events.push(e) })
  return { app, events, call: async (method, params) => await app.request(method, params) }
}

async function restart (p: Person, dataDir: string, port = 0): Promise<Person> {
  await p.app.stop()
  return await person(dataDir, port)
}

/** A port free now, so a restarted agent comes back where its peers knew it. */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

function providerDir (): string {
  const dir = tempDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ capabilities: [WORD_COUNT], interests: [TASK_TOPIC] }))
  return dir
}

describe('the app core', () => {
  it('starts without an identity, creates one and goes online; keeps settings across a restart; forgets everything on delete', async () => {
    const dir = providerDir()
    let p = await person(dir)
    const first = await p.call('app.status', {})
    expect(first).toMatchObject({ identity: undefined, network: { online: false }, serving: 'on', pending: 0 })
    await expect(p.call('peers.list', {})).rejects.toMatchObject({ name: 'NotOnlineError' })

    const created = await p.call('identity.create', { keystore: 'file' })
    expect(created).toMatchObject({ keystore: 'file', baidVersion: 1 })
    const online = await p.call('app.status', {})
    expect(online.identity?.baidId).toBe(created.baidId)
    expect(online.network.online).toBe(true)
    expect(online.network.addrs.some(a => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
    expect(p.events.some(e => e.event === 'status:changed' && e.data.network.online)).toBe(true)

    // Everything the person sets in My agent, Trust and Settings.
    await p.call('agent.privacy.set', { classes: { contact: 'block', personal: 'redact' } })
    const constraints = { minRequesterTrust: 0.2, maxInputBytes: 1000, perPeer: { limit: 3, windowMs: 60_000 }, overall: { limit: 50, windowMs: 3_600_000 }, allowedDataClasses: ['public' as const], priceFloor: 2 }
    await p.call('agent.constraints.set', { capability: WORD_COUNT.id, constraints })
    await p.call('agent.dailyLimit.set', { capability: WORD_COUNT.id, limit: 5 })
    await p.call('agent.approval.set', { capability: WORD_COUNT.id, mode: 'deny' })
    await p.call('trust.threshold.set', { topic: TASK_TOPIC, minTrust: 0.4 })
    await p.call('settings.set', { launchAtLogin: true, notifications: false })
    await p.call('agent.llm.set', { baseUrl: 'http://127.0.0.1:9/v1', embeddingModel: 'nomic-embed-text', apiKey: 'sk-test-TOPSECRET-0123456789' })
    await p.call('agent.serving.set', { serving: 'offline' })
    expect((await p.call('app.status', {})).network.online).toBe(false)
    await expect(p.call('identity.create', {})).rejects.toMatchObject({ name: 'IdentityExistsError' })
    await expect(p.call('agent.serving.set', { serving: 'sleeping' } as never)).rejects.toMatchObject({ name: 'UsageError' })

    p = await restart(p, dir)
    const back = await p.call('app.status', {})
    expect(back).toMatchObject({ identity: { baidId: created.baidId }, serving: 'offline', network: { online: false } })
    expect((await p.call('agent.privacy.get', {})).actions).toMatchObject({ contact: 'block', personal: 'redact' })
    const [capability] = (await p.call('agent.capabilities', {})).capabilities
    expect(capability).toMatchObject({ id: WORD_COUNT.id, approval: 'deny', dailyLimit: 5, servedToday: 0, constraints: { constraints, isDefault: false } })
    expect(await p.call('trust.threshold.list', {})).toEqual({ thresholds: { [TASK_TOPIC]: 0.4 } })
    expect(await p.call('settings.get', {})).toEqual({ launchAtLogin: true, notifications: false })
    expect(await p.call('agent.llm.get', {})).toEqual({ endpoint: { baseUrl: 'http://127.0.0.1:9/v1', embeddingModel: 'nomic-embed-text', hasApiKey: true } })
    const kinds = (await p.call('activity.list', {})).entries.map(e => e.kind)
    expect(kinds).toEqual(expect.arrayContaining(['identity', 'settings', 'trust']))

    // Back online on the person's word; a backup restores into another data directory.
    await p.call('agent.serving.set', { serving: 'on' })
    expect((await p.call('app.status', {})).network.online).toBe(true)
    const { backup, fileName } = await p.call('identity.backup', { passphrase: 'backup passphrase' })
    expect(fileName).toMatch(/\.hearthbackup$/)
    const other = await person(tempDir())
    await expect(other.call('identity.restore', { backup, passphrase: 'not the passphrase' })).rejects.toMatchObject({ name: 'WrongPassphraseError' })
    expect((await other.call('identity.restore', { backup, passphrase: 'backup passphrase' })).baidId).toBe(created.baidId)
    await other.app.stop()

    const { text } = await p.call('diagnostics.export', {})
    expect(text).toContain(created.baidId)
    for (const secret of ['TOPSECRET', PASS, 'backup passphrase', backup.slice(0, 40)]) expect(text).not.toContain(secret)

    await expect(p.call('data.deleteAll', { confirm: 'yes' } as never)).rejects.toMatchObject({ name: 'UsageError' })
    expect(await p.call('data.deleteAll', { confirm: 'delete everything' })).toEqual({ deleted: true })
    const gone = await p.call('app.status', {})
    expect(gone).toMatchObject({ identity: undefined, network: { online: false }, serving: 'on' })
    expect(await p.call('agent.llm.get', {})).toEqual({ endpoint: null })
    expect((await p.call('activity.list', {})).entries).toEqual([])
    // First run again: a new identity, not the old one.
    expect((await p.call('identity.create', {})).baidId).not.toBe(created.baidId)
  }, 240_000)

  it('answers a served request from the inbox, keeps the decision and its activity across a restart, and declines while paused', async () => {
    const dir = providerDir()
    const port = await freePort()
    let p = await person(dir, port)
    await p.call('identity.create', {})
    const [addr] = (await p.call('app.status', {})).network.addrs
    const requesterDir = await agentDir(ENV)
    await daemon(['--data-dir', requesterDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', addr!], ENV)
    const input = join(tempDir(), 'input.txt')
    writeFileSync(input, 'one two three')
    await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'count the words of a text', '--json'])).json?.candidates?.length > 0, 'the capability at the requester', 60_000)
    const delegate = async (): ReturnType<typeof hearth> => await hearth(['--data-dir', requesterDir, 'delegate', 'count the words of a text', '--input', input, '--capability', WORD_COUNT.id, '--topic', TASK_TOPIC, '--deadline', '60', '--json'])

    const first = delegate()
    await eventually(() => p.events.some(e => e.event === 'inbox:changed' && e.data.added !== undefined), 'the request in the inbox', 60_000)
    const [pending] = (await p.call('inbox.list', {})).pending
    expect(pending).toMatchObject({ capability: WORD_COUNT.id, topic: TASK_TOPIC, direction: 'serve' })
    expect((await p.call('app.status', {})).pending).toBe(1)
    const decided = await p.call('inbox.decide', { id: pending!.id, decision: 'allow-once' })
    expect(decided).toMatchObject({ status: 'allowed', decidedBy: 'person' })
    expect((await first).json).toMatchObject({ state: 'completed', result: { structured: { words: 3 } } })
    await eventually(async () => (await p.call('ledger.summary', {})).totals.earned > 0, 'the credits earned', 20_000)

    p = await restart(p, dir, port)
    expect((await p.call('inbox.history', {})).decided).toContainEqual(expect.objectContaining({ id: pending!.id, status: 'allowed', decidedBy: 'person' }))
    const entries = (await p.call('activity.list', {})).entries
    expect(entries).toContainEqual(expect.objectContaining({ kind: 'approval', ref: pending!.id, summary: expect.stringContaining('allowed') }))
    expect(entries).toContainEqual(expect.objectContaining({ kind: 'task', summary: expect.stringContaining('completed') }))
    expect((await p.call('agent.capabilities', {})).capabilities[0]).toMatchObject({ servedToday: 1 })

    // Paused: the requester hears why, and nothing waits in the inbox.
    await p.call('agent.serving.set', { serving: 'paused' })
    await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'count the words of a text', '--json'])).json?.candidates?.length > 0, 'the capability after the restart', 60_000)
    const refused = await delegate()
    expect(refused.json).toMatchObject({ state: 'rejected' })
    expect(JSON.stringify(refused.json.attempts)).toContain('serving-paused')
    expect((await p.call('inbox.list', {})).pending).toEqual([])
  }, 400_000)
})
