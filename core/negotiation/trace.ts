import { z } from 'zod'
import { FAILURE_KINDS, type FailureKind } from '../api/negotiation.ts'
import { domainName } from '../common/schema.ts'
import { MechanismSchema, type Mechanism } from './mechanism.ts'

// A failure or abuse as the leader saw it: what happened, under which mechanism, and the few facts the replay needs.

/** What the leader observed about the provider's offer and delivery. Quantities it could not observe are its best estimate. */
export interface FailureFacts {
  /** Credits the provider received for this task. */
  readonly paid: number
  readonly price: number
  /** The median price among the task's accepting offers: what the market asked. */
  readonly marketPrice: number
  readonly offeredEtaMs: number
  readonly deliveredAfterMs: number
  readonly committedQuality: number
  readonly deliveredQuality: number
  /** The data class that left the device against the requester's interest (egress violations). */
  readonly dataClass?: string
}

export interface FailureTrace {
  readonly kind: FailureKind
  readonly topic: string
  /** The mechanism in force when it happened. */
  readonly mechanism: Mechanism
  readonly facts: FailureFacts
  readonly recordedAt: number
  /** Set once stored. */
  readonly id?: number
  readonly task?: string
  /** Hex agent key of the provider. */
  readonly provider?: string
}

const amount = () => z.number().min(0).max(1e9)
const duration = () => z.number().min(0).max(Number.MAX_SAFE_INTEGER)
const share = () => z.number().min(0).max(1)

export const FailureFactsSchema = z.object({
  paid: amount(),
  price: amount(),
  marketPrice: amount(),
  offeredEtaMs: duration(),
  deliveredAfterMs: duration(),
  committedQuality: share(),
  deliveredQuality: share(),
  dataClass: z.string().max(32).optional()
}).strict() satisfies z.ZodType<FailureFacts>

export const FailureTraceSchema = z.object({
  kind: z.enum(FAILURE_KINDS),
  topic: domainName(),
  mechanism: MechanismSchema,
  facts: FailureFactsSchema,
  recordedAt: z.number().int().min(0),
  id: z.number().int().min(1).optional(),
  task: z.string().max(128).optional(),
  provider: z.string().regex(/^[0-9a-f]{64}$/).optional()
}).strict() satisfies z.ZodType<FailureTrace>

/** A trace whose facts carry no data class, for kinds other than egress. */
export function facts (partial: Partial<FailureFacts> & Pick<FailureFacts, 'paid'>): FailureFacts {
  return {
    price: partial.paid,
    marketPrice: partial.paid,
    offeredEtaMs: 0,
    deliveredAfterMs: 0,
    committedQuality: 1,
    deliveredQuality: 1,
    ...partial
  }
}

export type { FailureKind }
