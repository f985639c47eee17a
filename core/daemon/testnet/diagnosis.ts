import { callControl } from '../control.ts'
import { quantile } from './orchestrator.ts'

// Why announcements missed their deadline, for the testnet's log: did the header not arrive, arrive late, or arrive
// in time while the body (or the author's BAID it waits for) came too late? Each figure points at a different layer.

const SLICE_MS = 5_000

export interface Announcement { agent: string, id: string, topics: string[], at: number, header: string, publishMs: number }

export interface InspectedNode {
  readonly index: number
  readonly dataDir: string
  readonly agent: string
  readonly interests: readonly string[]
  readonly alive: boolean
  readonly received: ReadonlyArray<{ agent: string, id: string, at: number }>
  /** When the node's processes were up: from ready to killed (a restarted node has several). */
  readonly up: ReadonlyArray<readonly [number, number]>
  /** Whether the node was up for the whole delivery window of an announcement (the measured ones). */
  readonly expects: (a: Announcement) => boolean
}

/** Whether a miss fell on a node that had just come back: catching up after a restart is its own layer. */
function sinceRestart (node: InspectedNode, a: Announcement): string {
  const restarted = node.up.length > 1 ? node.up.findLast(([from]) => from <= a.at)?.[0] : undefined
  if (restarted === undefined || restarted === node.up[0]![0]) return 'never restarted'
  const ms = a.at - restarted
  return ms < 2_000 ? 'restarted < 2 s before' : ms < 5_000 ? 'restarted 2–5 s before' : 'restarted earlier'
}

export async function diagnose (nodes: readonly InspectedNode[], announcements: readonly Announcement[], deadlineMs: number): Promise<string[]> {
  const outcomes: Record<string, number> = {}
  /** Late or missing deliveries by node, and expected and missed ones by when in the window the announcement was made. */
  const missesByNode = new Map<number, number>()
  const first = Math.min(...announcements.map(a => a.at))
  const bySlice: Array<{ expected: number, missed: number }> = []
  const headerMs: number[] = []
  const headerToDescriptorMs: number[] = []
  const waitedForBaid: Record<string, number> = {}
  for (const node of nodes) {
    if (!node.alive) continue
    const mine = announcements.filter(a => node.expects(a))
    const report = await callControl(node.dataDir, 'testnet.inspect', { headers: mine.map(a => a.header) })
      .catch(() => undefined) as { headers: Array<{ receivedAt: number | null, body: boolean }>, waitedForBaid: Record<string, number> } | undefined
    if (report === undefined) continue
    for (const [why, n] of Object.entries(report.waitedForBaid)) waitedForBaid[why] = (waitedForBaid[why] ?? 0) + n
    mine.forEach((a, i) => {
      const { receivedAt, body } = report.headers[i]!
      const got = node.received.find(r => r.agent === a.agent && r.id === a.id && r.at >= a.at)
      const delivered = got === undefined ? 'never' : got.at - a.at <= deadlineMs ? 'in time' : 'late'
      const slice = bySlice[Math.floor((a.at - first) / SLICE_MS)] ??= { expected: 0, missed: 0 }
      slice.expected++
      if (delivered === 'in time') return
      slice.missed++
      missesByNode.set(node.index, (missesByNode.get(node.index) ?? 0) + 1)
      const header = receivedAt === null ? 'no header' : receivedAt - a.at <= deadlineMs ? 'header in time' : 'header late'
      const key = `${delivered}, ${header}, ${body ? 'body held' : 'no body'}, ${sinceRestart(node, a)}`
      outcomes[key] = (outcomes[key] ?? 0) + 1
    })
    mine.forEach((a, i) => {
      const receivedAt = report.headers[i]!.receivedAt
      if (receivedAt === null) return
      headerMs.push(receivedAt - a.at)
      const got = node.received.find(r => r.agent === a.agent && r.id === a.id && r.at >= a.at)
      if (got !== undefined) headerToDescriptorMs.push(got.at - receivedAt)
    })
  }
  const spread = (xs: number[]): string => { xs.sort((x, y) => x - y); return `p50 ${quantile(xs, 0.5)} ms, p90 ${quantile(xs, 0.9)} ms, max ${xs.at(-1) ?? 0} ms` }
  // A slow publish call delays every delivery of its announcement: how much of the tail it makes.
  const slow = announcements.filter(a => a.publishMs > 1_000)
  const slowDeliveries = slow.reduce((sum, a) => sum + nodes.filter(n => n.alive && n.expects(a)).length, 0)
  return [
    `misses by cause ${JSON.stringify(outcomes)}`,
    `announcer's publish call ${spread(announcements.map(a => a.publishMs))}; header arrival ${spread(headerMs)}; header to usable descriptor ${spread(headerToDescriptorMs)}`,
    `missed by when announced (${SLICE_MS / 1000} s slices) ${[...bySlice].map((x, i) => `${i * SLICE_MS / 1000} s: ${x === undefined ? '-' : `${x.missed}/${x.expected}`}`).join(', ')}; by node ${[...missesByNode].sort((x, y) => y[1] - x[1]).map(([i, n]) => `${i}: ${n}`).join(', ') || 'none'}`,
    `descriptors that waited for their author's BAID ${JSON.stringify(waitedForBaid)}; publish calls over 1 s ${slow.length} of ${announcements.length} (${slowDeliveries} expected deliveries)`
  ]
}
