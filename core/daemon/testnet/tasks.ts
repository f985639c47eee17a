import type { Database } from '../../store/database.ts'
import { VERIFICATION_TIERS, type VerificationTier } from '../../api/negotiation.ts'
import { Policy } from '../../policy/service.ts'
import { callControl } from '../control.ts'
import { quantile } from './orchestrator.ts'

// `hearth testnet --tasks K`: once discovery has settled, K delegations between random peers. Every node offers the built-in
// word count in its topics and serves it under a standing allow rule (set in its data before it starts), so the run measures
// the task protocol — offers, T2 challenges, T3 evidence, co-signed receipts — not a person's answers.

export const TASK_CAPABILITY = 'builtin/word-count'
const INTENT = 'count the words of a text'
const TASK_DEADLINE_MS = 30_000
const CONCURRENCY = 4
/** The tiers the workload cycles through: plain, live challenge, evidence package. */
const TIERS: readonly VerificationTier[] = VERIFICATION_TIERS.slice(1)
const WORDS = ['hearth', 'agent', 'network', 'gossip', 'receipt', 'trust', 'offer', 'award', 'evidence', 'canary', 'peer', 'topic']

export interface TaskFigures {
  requested: number
  completed: number
  failed: number
  /** Completed tasks whose receipt both requester and provider signed. */
  with_receipt: number
  p50_ms: number
  p95_ms: number
}

/** What a testnet node announces when the run has tasks: the word count, in the node's topics. */
export function taskCapabilities (tasks: number, topics: readonly string[]): unknown[] {
  if (tasks <= 0) return []
  return [{
    id: TASK_CAPABILITY,
    name: 'word count',
    description: 'Count the words and lines of a text',
    topics,
    tags: ['words', 'count', 'text'],
    constraints: { maxInputBytes: 65_536, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 10_000, price: 1 }
  }]
}

/** The node's person set a standing yes for the word count, and lifted its rate limits for the run. */
export function allowTasks (db: Database): void {
  const policy = new Policy({ db, interactive: () => false })
  try {
    policy.approvals.setRule({ direction: 'serve', capability: TASK_CAPABILITY, mode: 'allow' })
    policy.cooperation.set({ capability: TASK_CAPABILITY }, { perPeer: { limit: 100_000, windowMs: 60_000 }, overall: { limit: 1_000_000, windowMs: 86_400_000 } })
  } finally {
    policy.stop()
  }
}

interface TaskNode { readonly dataDir: string, readonly interests: readonly string[] }

interface Delegated { state: string, receipt: { bothSigned: boolean } }

/** Run `count` delegations from random requesters, a few at a time; each requester asks in one of its own topics. */
export async function runTasks (nodes: readonly TaskNode[], count: number, random: () => number, log: (line: string) => void): Promise<TaskFigures> {
  const latencies: number[] = []
  const figures: TaskFigures = { requested: count, completed: 0, failed: 0, with_receipt: 0, p50_ms: 0, p95_ms: 0 }
  const failures: Record<string, number> = {}
  // A requester asks in a topic some other node serves: the only one listening to a topic has no provider there.
  const shared = (n: TaskNode): string[] => n.interests.filter(t => nodes.some(m => m !== n && m.interests.includes(t)))
  const requesters = nodes.filter(n => shared(n).length > 0)
  const plan = Array.from({ length: count }, (_, k) => {
    const requester = requesters[Math.floor(random() * requesters.length)]!
    const topics = shared(requester)
    const topic = topics[Math.floor(random() * topics.length)]!
    const text = Array.from({ length: 3 + Math.floor(random() * 30) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ')
    return { requester, params: { intent: INTENT, input: { text }, topic, capability: TASK_CAPABILITY, tier: TIERS[k % TIERS.length], deadlineMs: TASK_DEADLINE_MS } }
  })
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const { requester, params } = plan[next++]!
      const started = Date.now()
      try {
        const done = await callControl(requester.dataDir, 'task.delegate', params, TASK_DEADLINE_MS + 30_000) as Delegated & { reason?: string }
        if (done.state !== 'completed') {
          figures.failed++
          failures[done.reason?.slice(0, 120) ?? done.state] = (failures[done.reason?.slice(0, 120) ?? done.state] ?? 0) + 1
          continue
        }
        figures.completed++
        latencies.push(Date.now() - started)
        if (done.receipt.bothSigned) figures.with_receipt++
      } catch (err) {
        figures.failed++
        const why = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 120)
        failures[why] = (failures[why] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  latencies.sort((x, y) => x - y)
  figures.p50_ms = quantile(latencies, 0.5)
  figures.p95_ms = quantile(latencies, 0.95)
  log(`tasks: ${figures.completed}/${count} completed, ${figures.with_receipt} with a receipt both sides signed; p50 ${figures.p50_ms} ms, p95 ${figures.p95_ms} ms${figures.failed === 0 ? '' : `; failures ${JSON.stringify(failures)}`}`)
  return figures
}
