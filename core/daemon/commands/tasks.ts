import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { z } from 'zod'
import { UsageError } from '../../api/errors.ts'
import { API_PARAMS } from '../../api/app-schemas.ts'
import { ActivityLog } from '../../app/activity.ts'
import { asControlHandlers } from '../../app/dispatch.ts'
import { inboxHandlers } from '../../app/inbox.ts'
import type { TaskDetail, TaskSummary, TimelineEntry } from '../../api/app.ts'
import { DATA_CLASSES, type ApprovalRecord, type DataClass, type Grant } from '../../api/policy.ts'
import type { PeerName } from '../../api/trust.ts'
import { defaultDataDir } from '../../common/paths.ts'
import type { Network } from '../../host.ts'
import type { DelegationResult } from '../../negotiation/requester.ts'
import { outputText } from '../../negotiation/timeline.ts'
import { Policy } from '../../policy/service.ts'
import { callControl, type ControlHandler } from '../control.ts'
import type { GlobalOptions, Runner } from '../context.ts'
import { viaDaemonOrDatabase } from '../local.ts'
import { report } from '../output.ts'

// `hearth delegate` (a whole negotiation through the running daemon), `hearth inbox` (the approval queue) and `hearth grants`.

function parse<T> (schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params)
  if (!parsed.success) throw new UsageError([...new Set(parsed.error.issues.map(i => i.message))].join('; '))
  return parsed.data
}

/** The daemon's delegation command: it needs the network. */
export function delegateHandlers (network: Network): Record<string, ControlHandler> {
  return {
    // The CLI waits for the whole negotiation (the UI's task.delegate answers at once with the task id).
    'task.delegate': async (params: unknown) => view(await network.negotiation.delegate(parse(API_PARAMS['task.delegate'], params)))
  }
}

async function invoke (opts: GlobalOptions, method: string, params: unknown = {}): Promise<unknown> {
  return await viaDaemonOrDatabase(opts, method, params, db => {
    const policy = new Policy({ db, interactive: () => true })
    // No UI listens here; the audit log still gets its line.
    const handlers = inboxHandlers({ db: () => db, policy: () => policy, activity: () => new ActivityLog(db, Date.now), emit: () => {} })
    return { handlers: asControlHandlers(handlers), close: () => { policy.stop() } }
  })
}

export type DelegationView = Omit<DelegationResult, 'timeline'> & {
  readonly timeline: ReadonlyArray<{ state: string, at: string, reason: string, actor: string }>
  /** Set when the result was too large for the control channel: its size as JSON, and that only its start is shown. */
  readonly resultTruncated?: { readonly jsonBytes: number }
}

/** A result this large as JSON would not fit the control channel's 1 MiB line: the CLI gets its start. */
const MAX_RESULT_JSON = 512 * 1024

function view (r: DelegationResult): DelegationView {
  const timeline = r.timeline.map(t => ({ state: t.to, at: new Date(t.at).toISOString(), reason: t.reason, actor: t.actor }))
  const jsonBytes = r.result === undefined ? 0 : Buffer.byteLength(JSON.stringify(r.result))
  if (r.result === undefined || jsonBytes <= MAX_RESULT_JSON) return { ...r, timeline }
  return { ...r, timeline, result: { content: [{ type: 'text', text: `${outputText(r.result, 64 * 1024)}` }] }, resultTruncated: { jsonBytes } }
}

/** `90s`, `15m`, `2h`, `7d`, or a number of seconds. */
export function parseDuration (text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim())
  const unit = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[match?.[2] as 's' | 'm' | 'h' | 'd' ?? 's']
  const ms = match === null ? NaN : Math.round(Number(match[1]) * unit)
  if (!(ms > 0 && Number.isSafeInteger(ms))) throw new UsageError(`${what} "${text}" is not a duration`, { hint: 'write it like 90s, 15m, 2h or 7d' })
  return ms
}

/** `public,contact`: each a known data class, each once. */
export function parseDataClasses (text: string): DataClass[] {
  const classes = text.split(',').map(c => c.trim().toLowerCase()).filter(c => c.length > 0)
  const unknown = classes.filter(c => !(DATA_CLASSES as readonly string[]).includes(c))
  if (classes.length === 0 || unknown.length > 0) {
    throw new UsageError(`--allow takes data classes, not "${unknown.join(', ') || text}"`, { hint: `name some of ${DATA_CLASSES.join(', ')}, comma-separated` })
  }
  return [...new Set(classes)] as DataClass[]
}

function readTaskInput (file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read the input file ${file}: ${(err as Error).message}`, { hint: 'pass a readable file with --input' })
  }
  try {
    const value = JSON.parse(text) as unknown
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // Not JSON: the file's text is the input.
  }
  return { text }
}

const approvalLine = (a: ApprovalRecord): string => `${a.id}  ${a.peer.peerId ?? a.peer.baidId} asks for ${a.capability} in ${a.topic} (${a.price} credits, until ${new Date(a.deadline).toISOString()})\n    ${a.payloadPreview.slice(0, 200)}`
const grantLine = (g: Grant): string => `${g.id}  ${g.peer} may use ${g.capability}${g.topic === undefined ? '' : ` in ${g.topic}`} until ${new Date(g.expiresAt).toISOString()}${g.revokedAt === undefined ? '' : ' (revoked)'}`

const peerLabel = (p: PeerName | undefined): string => p === undefined ? '' : (p.peerId ?? p.baidId)
const taskLine = (t: TaskSummary): string => `${t.task}  ${t.role.padEnd(9)} ${t.state.padEnd(14)} ${t.capability} in ${t.topic}${t.peer === undefined ? '' : ` with ${peerLabel(t.peer)}`}  ${new Date(t.updatedAt).toISOString()}`

/** One timeline line as a person reads it. */
function timelineLine (e: TimelineEntry): string {
  const at = new Date(e.at).toISOString()
  switch (e.kind) {
    case 'terms': return `${at}  terms: reward ${e.reward}, ${e.tier}, due ${new Date(e.deadline).toISOString()}`
    case 'offer': return `${at}  offer from ${peerLabel(e.provider)}: ${e.decision}${e.decision === 'accept' ? ` at ${e.price} credits, eta ${e.etaMs} ms, quality ${e.quality}` : ''}`
    case 'selected': return `${at}  ranked: ${e.order.map(o => `${peerLabel(o.provider)} (${o.score.toFixed(3)})`).join(', ')}`
    case 'state': return `${at}  ${e.from ?? '·'} → ${e.to}: ${e.reason} (${e.actor})`
    case 'verification': return `${at}  ${e.tier} check ${e.passed ? 'passed' : 'failed'}: ${e.detail}`
    case 'receipt': return `${at}  receipt ${e.satisfied ? 'satisfied' : 'unsatisfied'} ${e.digest}`
  }
}

export function tasksCommands (program: Command, run: Runner): void {
  const dataDir = (opts: GlobalOptions): string => resolve(opts.dataDir ?? defaultDataDir())
  const tasks = program.command('tasks').description('the tasks of the running daemon, as requester or provider, newest first')
    .option('--role <role>', 'only tasks this agent delegated (requester) or served (provider)')
    .option('--limit <n>', 'how many tasks', '50')
    .action(run(async (opts) => {
      const limit = Number(opts.limit)
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not ${String(opts.limit)}`)
      if (opts.role !== undefined && opts.role !== 'requester' && opts.role !== 'provider') throw new UsageError(`--role is requester or provider, not ${String(opts.role)}`)
      const r = await callControl(dataDir(opts), 'tasks.list', { limit, ...(opts.role === undefined ? {} : { role: opts.role }) }) as { tasks: TaskSummary[] }
      report(opts, r, v => v.tasks.length === 0 ? 'no tasks' : v.tasks.map(taskLine).join('\n'))
    }))
  tasks.command('show <task>').description('a task\'s timeline: terms, offers, ranking, states, checks, receipt, and its result')
    .action(run(async (opts, task) => {
      const r = await callControl(dataDir(opts), 'tasks.get', { task }) as TaskDetail
      report(opts, r, v => [
        taskLine(v),
        ...v.timeline.map(e => `  ${timelineLine(e)}`),
        ...(v.output === undefined ? [] : [`  result: ${v.output.slice(0, 2000)}`]),
        ...(v.error === undefined ? [] : [`  ended: ${v.error.name}: ${v.error.message}`])
      ].join('\n'))
    }))
  tasks.command('cancel <task>').description('stop a task still running; a provider working on it is told')
    .action(run(async (opts, task) => {
      const r = await callControl(dataDir(opts), 'tasks.cancel', { task }) as TaskSummary
      report(opts, r, v => `task ${v.task} is ${v.state}`)
    }))

  program.command('delegate <intent>')
    .description('hand a task to the network: discover providers, negotiate, verify, and return the result with a co-signed receipt')
    .requiredOption('--input <file>', 'the task input: a JSON object of the tool\'s arguments, or any text (sent as {"text": …})')
    .option('--topic <domain>', 'the semantic domain (default: the best candidate\'s)')
    .option('--capability <id>', 'only providers offering this capability, e.g. builtin/word-count')
    .option('--tier <tier>', 'verification: T0, T1, T2 (live challenge) or T3 (evidence package)')
    .option('--reward <credits>', 'base reward offered')
    .option('--deadline <seconds>', 'how long the network has to deliver', '60')
    .option('--canary', 'at T2 and above, send a known-answer canary call before awarding')
    .option('--allow <classes>', `data classes that may leave in the input, comma-separated (${DATA_CLASSES.join(', ')}); the terms' egress clause (default: public)`)
    .action(run(async (opts, intent) => {
      const deadlineMs = parseDuration(String(opts.deadline), 'the deadline')
      const allow = opts.allow === undefined ? undefined : parseDataClasses(String(opts.allow))
      const params = {
        intent,
        input: readTaskInput(String(opts.input)),
        deadlineMs,
        ...(opts.topic === undefined ? {} : { topic: String(opts.topic) }),
        ...(opts.capability === undefined ? {} : { capability: String(opts.capability) }),
        ...(opts.tier === undefined ? {} : { tier: String(opts.tier).toUpperCase() }),
        ...(opts.reward === undefined ? {} : { reward: Number(opts.reward) }),
        ...(opts.canary === true ? { canary: true } : {}),
        ...(allow === undefined ? {} : { allow })
      }
      // The daemon answers when the negotiation ends: by the deadline, plus a margin for the receipt.
      const result = await callControl(resolve(opts.dataDir ?? defaultDataDir()), 'task.delegate', params, deadlineMs + 30_000) as DelegationView
      report(opts, result, r => [
        `task ${r.task}: ${r.state}${r.provider === undefined ? '' : ` by ${r.provider}`}${r.reason === undefined ? '' : ` — ${r.reason}`}`,
        ...(r.result === undefined ? [] : [`  result: ${JSON.stringify(r.result.structured ?? r.result.content)}`]),
        ...(r.resultTruncated === undefined ? [] : [`  (the result is ${r.resultTruncated.jsonBytes} bytes as JSON: only its start is shown)`]),
        `  receipt: ${r.receipt.bothSigned ? `signed by both sides (${r.receipt.hash ?? ''})` : 'none'}`,
        ...r.attempts.map(a => `  ${a.provider} ${a.stage}: ${a.outcome}${a.reason === undefined ? '' : ` (${a.reason})`}`)
      ].join('\n'))
      if (result.state !== 'completed') process.exitCode = 1
    }))

  const inbox = program.command('inbox').description('requests to serve a task that wait for your approval')
    .action(run(async (opts) => {
      const r = await invoke(opts, 'inbox.list') as { pending: ApprovalRecord[] }
      report(opts, r, v => v.pending.length === 0 ? 'nothing waits for your approval' : v.pending.map(approvalLine).join('\n'))
    }))
  inbox.command('approve <id>').description('serve this request; with --grant, also the peer\'s later requests for the capability')
    .option('--grant <duration>', 'grant the peer this capability for a while: 90s, 15m, 2h, 7d')
    .action(run(async (opts, id) => {
      const ttl = opts.grant === undefined ? undefined : parseDuration(String(opts.grant), 'the grant\'s lifetime')
      const r = await invoke(opts, 'inbox.decide', { id, decision: ttl === undefined ? 'allow-once' : 'allow-grant', ...(ttl === undefined ? {} : { ttlMs: ttl }) }) as ApprovalRecord
      report(opts, r, v => `approved ${v.id}${v.grantId === undefined ? '' : ` and granted (${v.grantId})`}`)
    }))
  inbox.command('deny <id>').description('refuse this request')
    .action(run(async (opts, id) => {
      const r = await invoke(opts, 'inbox.decide', { id, decision: 'deny' }) as ApprovalRecord
      report(opts, r, v => `denied ${v.id}`)
    }))

  const grants = program.command('grants').description('standing permissions: a peer may use a capability until the grant expires')
    .option('--all', 'expired and revoked grants too')
    .action(run(async (opts) => {
      const r = await invoke(opts, 'grants.list', { all: opts.all === true }) as { grants: Grant[] }
      report(opts, r, v => v.grants.length === 0 ? 'no grants in force' : v.grants.map(grantLine).join('\n'))
    }))
  grants.command('add <peer> <capability>').description('let a peer (BAID id or PeerId) use a capability without asking, for a while')
    .requiredOption('--for <duration>', 'how long: 90s, 15m, 2h, 7d')
    .option('--topic <domain>', 'only in this semantic domain')
    .action(run(async (opts, peer, capability) => {
      const r = await invoke(opts, 'grants.add', { peer, capability, ttlMs: parseDuration(String(opts.for), 'the grant\'s lifetime'), ...(opts.topic === undefined ? {} : { topic: String(opts.topic) }) }) as Grant
      report(opts, r, grantLine)
    }))
  grants.command('revoke <id>').description('end a grant now')
    .action(run(async (opts, id) => {
      const r = await invoke(opts, 'grants.revoke', { id }) as Grant
      report(opts, r, v => `revoked ${v.id}`)
    }))
}
