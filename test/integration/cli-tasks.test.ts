import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { callControl } from '../../core/daemon/control.ts'
import { daemonReady } from '../../core/daemon/testnet/orchestrator.ts'
import { hearth, hearthCommand } from '../helpers/cli.ts'
import { daemons } from '../helpers/daemon.ts'
import { eventually } from '../helpers/peers.ts'
import { tempDir } from '../helpers/tmp.ts'
import { agentDir, TASK_TOPIC, WORD_COUNT } from '../helpers/agents.ts'

// `hearth delegate`, `hearth inbox` and `hearth grants` as a person uses them: two real daemons, the provider's person
// answering from the command line.

const daemon = daemons()
const ENV = { HEARTH_PASSPHRASE: 'cli tasks passphrase' }
const TOPIC = TASK_TOPIC
const WORDS = WORD_COUNT
const agent = async (capabilities: unknown[] = []): Promise<string> => await agentDir(ENV, capabilities)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A daemon that is the node process itself (no wrapper between), so SIGKILL ends it as a power cut would. */
async function ownDaemon (args: readonly string[]): Promise<ChildProcess> {
  const run = hearthCommand(['daemon', '--json', '--no-mdns', ...args])
  const child = spawn(run.command, run.args, { cwd: ROOT, env: { ...process.env, ...run.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', d => { stderr += d })
  await daemonReady(child, 'the requester\'s daemon').catch((err: Error) => { throw new Error(`${err.message}: ${stderr}`) })
  return child
}

describe('hearth delegate, inbox and grants', () => {
  it('delegates through the network: the provider\'s person approves with a grant, later tasks go through on it, and a deny is a refusal', async () => {
    const providerDir = await agent([WORDS])
    const requesterDir = await agent()
    const provider = await daemon(['--data-dir', providerDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--interactive'], ENV)
    await daemon(['--data-dir', requesterDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', provider.ready.addrs[0]!], ENV)
    const input = join(tempDir(), 'input.txt')
    writeFileSync(input, 'the quick brown fox\njumps over the lazy dog')
    await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'count the words of a text', '--json'])).json?.candidates?.length > 0, 'the capability at the requester', 30_000)
    const delegate = async (): ReturnType<typeof hearth> => await hearth(['--data-dir', requesterDir, 'delegate', 'count the words of a text', '--input', input, '--capability', 'builtin/word-count', '--topic', TOPIC, '--deadline', '30', '--json'])
    const first = delegate()
    let pending: any[] = []
    await eventually(async () => (pending = (await hearth(['--data-dir', providerDir, 'inbox', '--json'])).json?.pending ?? []).length === 1, 'the request in the provider\'s inbox', 20_000)
    expect(pending[0]).toMatchObject({ capability: 'builtin/word-count', topic: TOPIC, direction: 'serve' })
    const approved = await hearth(['--data-dir', providerDir, 'inbox', 'approve', pending[0].id, '--grant', '1h', '--json'])
    expect(approved.json).toMatchObject({ status: 'allowed', decidedBy: 'person', grantId: expect.any(String) })
    const done = await first
    expect(done.code).toBe(0)
    expect(done.json).toMatchObject({ state: 'completed', provider: provider.ready.peerId, receipt: { bothSigned: true }, result: { structured: { words: 9, lines: 2 } } })
    expect(done.json.timeline.map((t: { state: string }) => t.state)).toEqual(['submitted', 'working', 'completed'])

    const grants = await hearth(['--data-dir', providerDir, 'grants', '--json'])
    expect(grants.json.grants).toEqual([expect.objectContaining({ id: approved.json.grantId, capability: 'builtin/word-count', topic: TOPIC })])
    // On the grant: no one is asked.
    const second = await delegate()
    expect(second.json).toMatchObject({ state: 'completed', receipt: { bothSigned: true } })

    expect((await hearth(['--data-dir', providerDir, 'grants', 'revoke', approved.json.grantId, '--json'])).json).toMatchObject({ revokedAt: expect.any(Number) })
    const third = delegate()
    await eventually(async () => (pending = (await hearth(['--data-dir', providerDir, 'inbox', '--json'])).json?.pending ?? []).length === 1, 'the next request in the inbox', 20_000)
    expect((await hearth(['--data-dir', providerDir, 'inbox', 'deny', pending[0].id, '--json'])).json).toMatchObject({ status: 'denied' })
    const refused = await third
    expect(refused.code).toBe(1)
    expect(refused.json).toMatchObject({ state: 'rejected', receipt: { bothSigned: false } })
    expect(refused.json.attempts).toEqual([expect.objectContaining({ outcome: 'declined', reason: expect.stringMatching(/denied/) })])

    // `hearth tasks`: both sides list the same four rounds, newest first, each in its own role.
    const mine = (await hearth(['--data-dir', requesterDir, 'tasks', '--json'])).json
    expect(mine.tasks.map((t: any) => [t.task, t.role, t.state])).toEqual([[refused.json.task, 'requester', 'rejected'], [second.json.task, 'requester', 'completed'], [done.json.task, 'requester', 'completed']])
    const served = (await hearth(['--data-dir', providerDir, 'tasks', '--role', 'provider', '--limit', '2', '--json'])).json
    expect(served.tasks.map((t: any) => [t.task, t.state])).toEqual([[refused.json.task, 'rejected'], [second.json.task, 'completed']])
    expect(served.tasks[1].peer.peerId).toBeDefined()
    // `hearth tasks show`: the whole timeline and the result, as the contract's tasks.get gives them.
    const shown = (await hearth(['--data-dir', requesterDir, 'tasks', 'show', done.json.task, '--json'])).json
    expect(shown).toMatchObject({ task: done.json.task, state: 'completed', capability: 'builtin/word-count', peer: { peerId: provider.ready.peerId } })
    expect(JSON.parse(shown.output)).toMatchObject({ words: 9, lines: 2 })
    expect(shown.timeline.map((e: any) => e.kind)).toEqual(expect.arrayContaining(['terms', 'offer', 'selected', 'verification', 'receipt']))
    expect(shown.timeline.filter((e: any) => e.kind === 'state').map((e: any) => e.to)).toEqual(['submitted', 'working', 'completed'])
    const human = await hearth(['--data-dir', requesterDir, 'tasks', 'show', done.json.task])
    expect(human.stdout).toMatch(/offer from 12D3KooW\w+: accept at \d+ credits/)
    expect(human.stdout).toContain('working → completed')

    // `hearth tasks cancel`: a round waiting on the provider's person ends for both sides, and cannot be canceled twice.
    const fourth = delegate()
    await eventually(async () => (pending = (await hearth(['--data-dir', providerDir, 'inbox', '--json'])).json?.pending ?? []).length === 1, 'the last request in the inbox', 20_000)
    const live = (await hearth(['--data-dir', requesterDir, 'tasks', '--limit', '1', '--json'])).json.tasks[0]
    expect(live.state).toBe('submitted')
    const canceled = await hearth(['--data-dir', requesterDir, 'tasks', 'cancel', live.task, '--json'])
    expect(canceled.json).toMatchObject({ task: live.task, state: 'canceled' })
    expect((await fourth).json).toMatchObject({ task: live.task, state: 'canceled' })
    await eventually(async () => (await hearth(['--data-dir', providerDir, 'tasks', 'show', live.task, '--json'])).json?.state === 'canceled', 'the provider hears of the cancel', 20_000)
    expect((await hearth(['--data-dir', requesterDir, 'tasks', 'show', live.task, '--json'])).json.error).toMatchObject({ name: 'TaskCanceledError', message: 'canceled by the person' })
    const again = await hearth(['--data-dir', requesterDir, 'tasks', 'cancel', live.task, '--json'])
    expect(again.code).toBe(1)
    expect(again.json.error.name).toBe('IllegalTransitionError')
  }, 400_000)

  it('--allow lets the named data classes leave in the input; without it the person\'s rule is tightened and they are redacted', async () => {
    const echo = { id: 'builtin/echo', name: 'echo', description: 'Echo the text back unchanged', topics: [TOPIC], tags: ['echo'], constraints: { maxInputBytes: 65_536, dataClasses: ['public', 'contact'], minRequesterTrust: 0, ratePerMinute: 100, price: 1 } }
    const providerDir = await agent([echo])
    const requesterDir = await agent()
    const provider = await daemon(['--data-dir', providerDir, '--listen', '/ip4/127.0.0.1/tcp/0'], ENV)
    await daemon(['--data-dir', requesterDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', provider.ready.addrs[0]!], ENV)
    // The provider serves contact data for this capability, on a grant to this requester; the requester's person lets emails leave.
    await callControl(providerDir, 'agent.constraints.set', { capability: 'builtin/echo', constraints: { minRequesterTrust: 0, maxInputBytes: 65_536, perPeer: { limit: 100, windowMs: 60_000 }, overall: { limit: 1000, windowMs: 60_000 }, allowedDataClasses: ['public', 'contact'], priceFloor: 0 } })
    const requesterBaid = (await hearth(['--data-dir', requesterDir, 'id', 'show', '--json'], ENV)).json.baidId as string
    expect((await hearth(['--data-dir', providerDir, 'grants', 'add', requesterBaid, 'builtin/echo', '--for', '1h', '--json'], ENV)).code).toBe(0)
    await callControl(requesterDir, 'agent.privacy.set', { classes: { contact: 'allow' } })
    const input = join(tempDir(), 'input.json')
    writeFileSync(input, JSON.stringify({ text: 'write to ann@example.com today' }))
    await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'echo the text back', '--json'])).json?.candidates?.length > 0, 'the echo at the requester', 30_000)
    const delegate = async (...extra: string[]): ReturnType<typeof hearth> => await hearth(['--data-dir', requesterDir, 'delegate', 'echo the text back', '--input', input, '--capability', 'builtin/echo', '--topic', TOPIC, '--deadline', '30', ...extra, '--json'])

    // The default terms let only public data leave: the email is masked before anything is sent.
    const masked = await delegate()
    expect(masked.json).toMatchObject({ state: 'completed', result: { structured: { text: 'write to [redacted:email] today' } } })
    const allowed = await delegate('--allow', 'public,contact')
    expect(allowed.json).toMatchObject({ state: 'completed', result: { structured: { text: 'write to ann@example.com today' } } })
    // The task's terms record what the person let leave, as the timeline shows it.
    const terms = (await hearth(['--data-dir', requesterDir, 'tasks', 'show', allowed.json.task, '--json'])).json.timeline.find((e: any) => e.kind === 'terms')
    expect(terms.egress.findings).toEqual([expect.objectContaining({ dataClass: 'contact', action: 'allow' })])

    const bad = await delegate('--allow', 'public,secrets')
    expect(bad.code).toBe(1)
    expect(bad.json.error).toMatchObject({ name: 'UsageError', message: expect.stringContaining('secrets'), hint: expect.stringContaining('contact') })
  }, 200_000)

  it('`hearth tasks cancel` after the requester\'s daemon was killed and started again still reaches the provider', async () => {
    const providerDir = await agent([WORDS])
    const requesterDir = await agent()
    const provider = await daemon(['--data-dir', providerDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--interactive'], ENV)
    const args = ['--data-dir', requesterDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', provider.ready.addrs[0]!]
    let requester = await ownDaemon(args)
    try {
      const input = join(tempDir(), 'input.txt')
      writeFileSync(input, 'one two three')
      await eventually(async () => (await hearth(['--data-dir', requesterDir, 'discover', 'count the words of a text', '--json'])).json?.candidates?.length > 0, 'the capability at the requester', 30_000)
      // Its CLI call is left to time out on its own: the daemon it waits on dies.
      void hearth(['--data-dir', requesterDir, 'delegate', 'count the words of a text', '--input', input, '--capability', 'builtin/word-count', '--topic', TOPIC, '--deadline', '150', '--json'])
      // The provider's person has not answered yet when the requester's machine loses power.
      await eventually(async () => ((await hearth(['--data-dir', providerDir, 'inbox', '--json'])).json?.pending ?? []).length === 1, 'the request in the provider\'s inbox', 30_000)
      const task = (await hearth(['--data-dir', requesterDir, 'tasks', '--json'])).json.tasks[0].task as string
      requester.kill('SIGKILL')
      await once(requester, 'exit')

      requester = await ownDaemon(args)
      expect((await hearth(['--data-dir', requesterDir, 'tasks', 'show', task, '--json'])).json.state).toBe('submitted')
      expect((await hearth(['--data-dir', requesterDir, 'tasks', 'cancel', task, '--json'])).json).toMatchObject({ task, state: 'canceled' })
      // The provider hears of it from the restarted requester: its task ends and the request leaves its person's inbox.
      await eventually(async () => (await hearth(['--data-dir', providerDir, 'tasks', 'show', task, '--json'])).json?.state === 'canceled', 'the provider hears of the cancel', 30_000)
      const served = (await hearth(['--data-dir', providerDir, 'tasks', 'show', task, '--json'])).json
      expect(served.timeline.filter((e: any) => e.kind === 'state').at(-1)).toMatchObject({ to: 'canceled', reason: 'the requester canceled: canceled by the person' })
      expect((await hearth(['--data-dir', providerDir, 'inbox', '--json'])).json.pending).toEqual([])
    } finally {
      requester.kill('SIGTERM')
      await once(requester, 'exit')
    }
  }, 300_000)

  it('says what went wrong and what to do', async () => {
    const dir = await agent()
    const input = join(dir, 'in.json')
    writeFileSync(input, '{"text":"x"}')
    const noDaemon = await hearth(['--data-dir', dir, 'delegate', 'count words', '--input', input, '--json'])
    expect(noDaemon.code).toBe(1)
    expect(noDaemon.json.error.name).toBe('DaemonNotRunningError')
    expect(noDaemon.stderr.trim().split('\n')).toHaveLength(1)

    const unknown = await hearth(['--data-dir', dir, 'inbox', 'approve', 'no-such-request', '--json'])
    expect(unknown.json.error.name).toBe('UnknownApprovalError')
    expect(unknown.stderr).toContain('hearth inbox')
    const badGrant = await hearth(['--data-dir', dir, 'grants', 'add', 'baid:nope', 'builtin/echo', '--for', 'soon', '--json'])
    expect(badGrant.json.error).toMatchObject({ name: 'UsageError', hint: expect.stringMatching(/15m/) })
    expect((await hearth(['--data-dir', dir, 'inbox', '--json'])).json).toEqual({ pending: [] })
    const noTasks = await hearth(['--data-dir', dir, 'tasks', '--json'])
    expect(noTasks.json.error.name).toBe('DaemonNotRunningError')
    expect((await hearth(['--data-dir', dir, 'tasks', '--role', 'boss', '--json'])).json.error).toMatchObject({ name: 'UsageError', message: expect.stringMatching(/requester or provider/) })
  }, 60_000)
})
