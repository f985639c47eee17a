import type { MechanismTerms, Offer, TaskRequest } from '../../../core/api/negotiation.ts'
import type { Mechanism } from '../../../core/negotiation/mechanism.ts'
import type { ProviderProfile } from '../../../core/negotiation/best-response.ts'
import { facts, type FailureFacts, type FailureTrace } from '../../../core/negotiation/trace.ts'
import { digest } from '../../helpers/identity.ts'

// Shared shapes for the negotiation tests: a loose mechanism a strategic follower can exploit, and builders around it.

export const NOW = 1_800_000_000_000

export const LOOSE: Mechanism = {
  reward: { base: 15, qualityBonus: 0 },
  tier: 'T1',
  windowMs: 20_000,
  penalties: { forfeitOnFailure: true, lateFee: 0, fraudSlash: 0, shortfall: 0 },
  egress: { allowedDataClasses: ['public', 'personal'], redactionRequired: false },
  canary: false
}

export const terms = (over: Partial<MechanismTerms> = {}): MechanismTerms => ({
  reward: LOOSE.reward, tier: LOOSE.tier, penalties: LOOSE.penalties, egress: LOOSE.egress, canary: false, deadline: NOW + 20_000, ...over
})

export function request (requester: Uint8Array, over: Partial<TaskRequest> = {}): TaskRequest {
  return {
    task: 'task-1',
    topic: 'code_generation',
    capability: 'code.review',
    intent: 'review this patch',
    input: { digest: digest('input'), size: 1200, dataClasses: ['public'] },
    terms: terms(),
    requester,
    createdAt: NOW,
    ...over
  }
}

export const key = (n: number): Uint8Array => Uint8Array.from({ length: 32 }, () => n)

export function offer (provider: number, over: Partial<Offer> = {}): Offer {
  return { task: 'task-1', provider: key(provider), decision: 'accept', price: 5, etaMs: 10_000, quality: 0.8, ...over }
}

export const PROFILE: ProviderProfile = { cost: 4, markup: 1.25, priceFloor: 1, etaMs: 10_000, etaSpread: 0.3, quality: 0.8, failureRate: 0.02 }

export function trace (kind: FailureTrace['kind'], partial: Partial<FailureFacts> & { paid: number }, mechanism: Mechanism = LOOSE): FailureTrace {
  return { kind, topic: 'code_generation', mechanism, facts: facts(partial), recordedAt: NOW }
}
