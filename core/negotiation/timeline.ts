import type { NegotiationEvents, TaskTransition, VerificationTier } from '../api/negotiation.ts'
import type { EgressPreview } from '../api/policy.ts'

// A task's timeline as the negotiation plane keeps it: its state changes and, between them, the terms it was published
// with, each offer, the selection order, every verification and the receipt. Peers are hex agent keys here; the app names them.

export type TaskTimelineEntry =
  | { readonly kind: 'state', readonly at: number, readonly from: TaskTransition['from'], readonly to: TaskTransition['to'], readonly reason: string, readonly actor: string }
  | TaskNote

/** A timeline line that is not a state change. */
export type TaskNote =
  | {
    readonly kind: 'terms', readonly at: number, readonly intent: string, readonly reward: number, readonly deadline: number, readonly tier: VerificationTier, readonly egress?: EgressPreview
    /** The candidates asked (hex agent keys): told when the task ends, after a restart too. */
    readonly asked?: readonly string[]
    /** Who asked for the delegation, when not the person here (e.g. `a2a:<context id>`): the A2A endpoint finds its tasks by it. */
    readonly origin?: string
  }
  | { readonly kind: 'offer', readonly at: number, readonly provider: string, readonly decision: 'accept' | 'decline', readonly price: number, readonly etaMs: number, readonly quality: number, readonly reason?: string }
  | { readonly kind: 'selected', readonly at: number, readonly order: ReadonlyArray<{ readonly provider: string, readonly score: number }> }
  | { readonly kind: 'verification', readonly at: number, readonly tier: VerificationTier, readonly passed: boolean, readonly detail: string }
  | { readonly kind: 'receipt', readonly at: number, readonly satisfied: boolean, readonly digest: string }
  /** The delivered result as text (and whole, when small): kept for the task's detail, not drawn as a line of its own. */
  | { readonly kind: 'output', readonly at: number, readonly text: string, readonly result?: ToolResultLike }

export type TaskNoteKind = TaskNote['kind']

/** The plane's events, plus one per timeline line (state changes included), for the live timeline. */
export interface TaskBoardEvents extends NegotiationEvents {
  'task:entry': { task: string, entry: TaskTimelineEntry }
}

/** A tool result as kept on the timeline (the execution plane's ToolResult, by shape). */
export interface ToolResultLike { readonly content: readonly unknown[], readonly structured?: unknown }

/** The largest result kept whole on the timeline, as JSON; a larger one is kept as text only. */
export const MAX_KEPT_RESULT_JSON = 256 * 1024

/** A tool result as the person reads it: its structured value, else its text parts. Bounded: the timeline is not a store for bulk output. */
export function outputText (result: { readonly content: readonly unknown[], readonly structured?: unknown }, max = 65_536): string {
  const text = result.structured !== undefined
    ? JSON.stringify(result.structured)
    : result.content.map(part => typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : JSON.stringify(part)).join('\n')
  return text.length > max ? `${text.slice(0, max)}…` : text
}

export function stateEntry (t: TaskTransition): TaskTimelineEntry {
  return { kind: 'state', at: t.at, from: t.from, to: t.to, reason: t.reason, actor: t.actor }
}
