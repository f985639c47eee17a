import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { ChallengeFailedError, toErrorInfo } from '../api/errors.ts'
import type { ChallengeVerification } from '../api/execution.ts'
import { equalBytes } from '../common/codec.ts'
import { bytes } from '../common/schema.ts'
import { assertCurrent, type BaidChain } from '../identity/baid.ts'
import { Domains } from '../identity/domains.ts'
import { open, payloadOf, seal, type Signer } from '../identity/envelope.ts'

// T2 live challenge: the requester sends a fresh nonce; the provider's current agent key signs it under its own domain.

export const CHALLENGE_TYPE = 'challenge-answer'
const NONCE_BYTES = 32
/** An answer later than this is refused: a live challenge proves presence now, not a relayed signature from before. */
export const DEFAULT_CHALLENGE_MAX_AGE_MS = 10_000

/** What the requester sends; untrusted on the provider's side until parsed with ChallengeSchema. */
export interface Challenge {
  readonly nonce: Uint8Array
  /** The requester's agent key: an answer is good for this requester only. */
  readonly challenger: Uint8Array
  /** The BAID the requester expects to be talking to. */
  readonly baidId: string
  readonly issuedAt: number
}

export const ChallengeSchema = z.object({
  nonce: bytes(NONCE_BYTES),
  challenger: bytes(32),
  baidId: z.string().min(1).max(128),
  issuedAt: z.number().int().min(0)
}).strict()

const AnswerPayload = z.object({ v: z.literal(1), nonce: bytes(NONCE_BYTES), challenger: bytes(32), baidId: z.string().min(1).max(128) }).strict()

export function createChallenge (challenger: Uint8Array, baidId: string, now = Date.now()): Challenge {
  return { nonce: new Uint8Array(randomBytes(NONCE_BYTES)), challenger, baidId, issuedAt: now }
}

/** The provider answers only challenges addressed to its own BAID. */
export function answerChallenge (challenge: Challenge, own: { readonly signer: Signer, readonly baidId: string }): Uint8Array {
  if (challenge.baidId !== own.baidId) throw new ChallengeFailedError(`the challenge is for ${challenge.baidId}, not this agent (${own.baidId})`)
  return seal(Domains.challenge, CHALLENGE_TYPE, { v: 1, nonce: challenge.nonce, challenger: challenge.challenger, baidId: challenge.baidId }, [own.signer]).bytes
}

/**
 * The answer must be signed by the agent key `chain` (already verified, T1) names now, over this very challenge, in time.
 * Throws UnexpectedSignerError for another key, Baid*Error for a dead chain, ChallengeFailedError otherwise.
 */
export function verifyChallengeAnswer (answer: Uint8Array, challenge: Challenge, chain: BaidChain, options: { now?: number, maxAgeMs?: number } = {}): void {
  const now = options.now ?? Date.now()
  if (chain.baidId !== challenge.baidId) throw new ChallengeFailedError(`the challenge was for ${challenge.baidId}, the chain given is ${chain.baidId}`)
  assertCurrent(chain, now)
  const payload = payloadOf(open(answer, Domains.challenge, [chain.head.record.agent]), CHALLENGE_TYPE, AnswerPayload)
  const same = equalBytes(payload.nonce, challenge.nonce) && equalBytes(payload.challenger, challenge.challenger) && payload.baidId === challenge.baidId
  if (!same) throw new ChallengeFailedError(`${challenge.baidId} answered a different challenge`)
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_CHALLENGE_MAX_AGE_MS
  if (now - challenge.issuedAt > maxAgeMs) throw new ChallengeFailedError(`${challenge.baidId} answered after ${now - challenge.issuedAt} ms, over the ${maxAgeMs} ms allowed`)
}

/** The UI's view of a check: never throws. */
export function checkChallengeAnswer (answer: Uint8Array, challenge: Challenge, chain: BaidChain, options: { now?: number, maxAgeMs?: number } = {}): ChallengeVerification {
  const now = options.now ?? Date.now()
  try {
    verifyChallengeAnswer(answer, challenge, chain, { ...options, now })
    return { ok: true, baidId: challenge.baidId, roundTripMs: now - challenge.issuedAt }
  } catch (err) {
    return { ok: false, baidId: challenge.baidId, error: toErrorInfo(err) }
  }
}
