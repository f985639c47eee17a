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
  receipt: { name: 'hearth/receipt', maxBytes: 2048, signatures: 2 }
} as const satisfies Record<string, SigningDomain>
