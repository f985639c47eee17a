/**
 * Signing domains: a signature made for one purpose is never valid for another (libp2p RFC 0002).
 * Each domain has its own size limit, checked before a byte is decoded.
 */
export interface SigningDomain {
  readonly name: string
  readonly maxBytes: number
  /** How many signatures an envelope of this domain carries. */
  readonly signatures: number
}

export const Domains = {
  baid: { name: 'hearth/baid', maxBytes: 2048, signatures: 2 },
  revocation: { name: 'hearth/baid-revocation', maxBytes: 1024, signatures: 1 },
  /** A log entry header: what gossip carries (mechanisms §4); ≤ 1 KiB. */
  logEntry: { name: 'hearth/log-entry', maxBytes: 1024, signatures: 1 },
  message: { name: 'hearth/message', maxBytes: 1024 * 1024, signatures: 1 },
  /** A task receipt: requester and provider both sign it; only ratings that cite one count (mechanisms §5). */
  receipt: { name: 'hearth/receipt', maxBytes: 2048, signatures: 2 },
  /** A negotiation message (request, offer, award, result, cancel): small; bulk input and output travel by digest. */
  task: { name: 'hearth/task', maxBytes: 64 * 1024, signatures: 1 },
  /** One tool call in a T3 evidence chain: hashes and times only, never the data itself. */
  toolCall: { name: 'hearth/tool-call', maxBytes: 1024, signatures: 1 },
  /** The provider's seal over an evidence chain and the task's result; room for a TEE quote (attestation slot). */
  evidence: { name: 'hearth/evidence', maxBytes: 20 * 1024, signatures: 1 },
  /** A T2 live challenge answered: the agent key signs the requester's fresh nonce. */
  challenge: { name: 'hearth/challenge', maxBytes: 512, signatures: 1 }
} as const satisfies Record<string, SigningDomain>
