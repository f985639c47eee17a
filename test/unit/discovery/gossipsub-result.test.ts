import { describe, expect, it } from 'vitest'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { BrokenLogError, InvalidSignatureError } from '../../../core/api/errors.ts'
import { gossipsubResult } from '../../../core/discovery/gossip.ts'
import type { IngestVerdict } from '../../../core/discovery/log-store.ts'
import { testSigner } from '../../helpers/identity.ts'

// What gossipsub is told about a header. Its Reject also charges every peer that forwards the same message, so only a
// message no honest peer forwards is rejected there; an author's own fork is the author's fault alone.

describe('the verdict gossipsub is given', () => {
  const author = testSigner()
  const honest = testSigner()
  const peerOf = (key: Uint8Array) => peerIdFromPublicKey(publicKeyFromRaw(key))
  const proof = { author: author.publicKey, seq: 1, headerA: Uint8Array.of(1), headerB: Uint8Array.of(2), detectedAt: 0 }

  it('rejects a message nobody honest forwards, whoever sent it', () => {
    const forged: IngestVerdict = { verdict: 'invalid', error: new InvalidSignatureError('bad signature') }
    for (const from of [author, honest]) expect(gossipsubResult(forged, peerOf(from.publicKey))).toBe(TopicValidatorResult.Reject)
  })

  it('ignores an author\'s fork, even from the author (who pays through its conduct and the fraud proof), so its honest forwarders are not charged', () => {
    const forks: IngestVerdict[] = [
      { verdict: 'equivocation', proof },
      { verdict: 'invalid', error: new BrokenLogError('does not link'), author: author.publicKey }
    ]
    for (const fork of forks) {
      for (const from of [author, honest]) expect(gossipsubResult(fork, peerOf(from.publicKey))).toBe(TopicValidatorResult.Ignore)
    }
  })

  it('ignores old news', () => {
    expect(gossipsubResult({ verdict: 'duplicate', hash: new Uint8Array(32) }, peerOf(honest.publicKey))).toBe(TopicValidatorResult.Ignore)
  })
})
