import { describe, expect, it } from 'vitest'
import { verifyChain } from '../../../core/identity/baid.ts'
import { answerChallenge, checkChallengeAnswer, createChallenge, verifyChallengeAnswer } from '../../../core/execution/challenge.ts'
import { buildChain, testSigner } from '../../helpers/identity.ts'

// T2 live challenge: only the agent key the expected BAID names now can answer the requester's fresh nonce.

const owner = testSigner()
const oldAgent = testSigner()
const agent = testSigner()
const requester = testSigner()
// Two versions: the agent rotated from oldAgent to agent.
const chain = verifyChain(buildChain(owner, [oldAgent, agent]).map(l => l.envelope.bytes))
const own = { signer: agent, baidId: chain.baidId }

describe('challenge-response', () => {
  it('passes when the BAID\'s current agent key signs this very challenge', () => {
    const challenge = createChallenge(requester.publicKey, chain.baidId)
    const answer = answerChallenge(challenge, own)
    expect(() => verifyChallengeAnswer(answer, challenge, chain)).not.toThrow()
    expect(checkChallengeAnswer(answer, challenge, chain)).toMatchObject({ ok: true, baidId: chain.baidId })
  })

  it('fails for another key, including the agent\'s own rotated-out key', () => {
    const challenge = createChallenge(requester.publicKey, chain.baidId)
    for (const signer of [testSigner(), oldAgent]) {
      const answer = answerChallenge(challenge, { signer, baidId: chain.baidId })
      expect(() => verifyChallengeAnswer(answer, challenge, chain)).toThrow(expect.objectContaining({ name: 'UnexpectedSignerError' }))
    }
    expect(checkChallengeAnswer(answerChallenge(challenge, { signer: oldAgent, baidId: chain.baidId }), challenge, chain))
      .toMatchObject({ ok: false, error: { name: 'UnexpectedSignerError' } })
  })

  it('fails for a replayed answer to an earlier nonce, an answer for another requester, or a late one', () => {
    const earlier = createChallenge(requester.publicKey, chain.baidId)
    const replay = answerChallenge(earlier, own)
    const challenge = createChallenge(requester.publicKey, chain.baidId)
    expect(() => verifyChallengeAnswer(replay, challenge, chain)).toThrow(expect.objectContaining({ name: 'ChallengeFailedError' }))
    const relayed = answerChallenge({ ...challenge, challenger: testSigner().publicKey }, own)
    expect(() => verifyChallengeAnswer(relayed, challenge, chain)).toThrow(expect.objectContaining({ name: 'ChallengeFailedError' }))
    const answer = answerChallenge(challenge, own)
    expect(() => verifyChallengeAnswer(answer, challenge, chain, { now: challenge.issuedAt + 60_000 })).toThrow(expect.objectContaining({ name: 'ChallengeFailedError', message: expect.stringMatching(/over the 10000 ms/) }))
  })

  it('is checked against the BAID the requester expects, and refused by a provider it is not addressed to', () => {
    const stranger = verifyChain(buildChain(testSigner(), [agent]).map(l => l.envelope.bytes))
    const challenge = createChallenge(requester.publicKey, stranger.baidId)
    expect(() => answerChallenge(challenge, own)).toThrow(expect.objectContaining({ name: 'ChallengeFailedError' }))
    const mine = createChallenge(requester.publicKey, chain.baidId)
    expect(() => verifyChallengeAnswer(answerChallenge(mine, own), mine, stranger)).toThrow(expect.objectContaining({ name: 'ChallengeFailedError' }))
  })
})
