import { BaidChainError, BaidVersionReplayError, ConfigDigestMismatchError, UnknownBaidError } from '../api/errors.ts'
import { equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import { assertCurrent, assertSuccessor, openRecord, openRevocation, verifyChain, type BaidChain } from './baid.ts'
import { open, type SignedEnvelope } from './envelope.ts'
import { hex } from './ids.ts'
import type { SigningDomain } from './domains.ts'

// Tiered verification (mechanisms §2). T0: the sender's key signed it. T1: and the sender is the current
// agent of a live BAID chain. Chains are verified once and cached, so T1 costs about one signature check.

export interface T1Options {
  /** The configDigest the message claims (e.g. a descriptor's); it must match the current BAID record. */
  readonly configDigest?: Uint8Array
}

export interface T1Result { readonly envelope: SignedEnvelope, readonly chain: BaidChain }

export class BaidVerifier {
  private readonly chains = new Map<string, BaidChain>()
  /** Every record hash we have verified → its BAID, to place a lone record and to spot replays. */
  private readonly records = new Map<string, string>()
  /** Current agent key → BAID; rotated-out keys are removed. */
  private readonly agents = new Map<string, string>()
  private readonly now: () => number

  constructor (init: { now?: () => number } = {}) {
    this.now = init.now ?? Date.now
  }

  get (baidId: string): BaidChain | undefined {
    return this.chains.get(baidId)
  }

  /** Learn a whole chain (e.g. an imported bundle). An older head than one already seen is a replay. */
  acceptChain (records: readonly Uint8Array[], revocation?: Uint8Array): BaidChain {
    const seen = revocation === undefined ? this.knownAs(records) : undefined
    if (seen !== undefined) return seen
    const chain = verifyChain(records, revocation)
    const known = this.chains.get(chain.baidId)
    if (known !== undefined) {
      const knownVersion = known.head.record.version
      if (chain.head.record.version < knownVersion) {
        throw new BaidVersionReplayError(`${chain.baidId} version ${chain.head.record.version} is older than version ${knownVersion}, already seen`)
      }
      const sameLink = chain.links[knownVersion - 1]!
      if (!equalBytes(sameLink.hash, known.head.hash)) throw new BaidChainError(`${chain.baidId} has two different records for version ${knownVersion}`)
      if (chain.revocation === undefined && known.revocation !== undefined) return this.remember({ ...chain, revocation: known.revocation })
    }
    return this.remember(chain)
  }

  /** Extend a known chain by its next record (what a peer announces after a rotation or config change). */
  acceptRecord (bytes: Uint8Array): BaidChain {
    const link = openRecord(bytes)
    const baidId = link.record.prev === null ? undefined : this.records.get(hex(link.record.prev))
    const chain = baidId === undefined ? undefined : this.chains.get(baidId)
    if (chain === undefined) {
      if (link.record.version === 1) return this.acceptChain([bytes])
      throw new UnknownBaidError(`BAID record version ${link.record.version} extends a chain this peer has not seen`)
    }
    if (this.records.has(hex(link.hash))) return chain
    if (link.record.version <= chain.head.record.version) {
      throw new BaidVersionReplayError(`${chain.baidId} version ${link.record.version} is not newer than version ${chain.head.record.version}, already seen`)
    }
    assertSuccessor(chain.head, link)
    return this.remember({ ...chain, links: [...chain.links, link], head: link })
  }

  acceptRevocation (baidId: string, bytes: Uint8Array): BaidChain {
    const chain = this.chains.get(baidId)
    if (chain === undefined) throw new UnknownBaidError(`cannot apply a revocation for unknown ${baidId}`)
    return this.remember({ ...chain, revocation: openRevocation(bytes, chain.links[0]!.record.owner, chain.genesisHash) })
  }

  /** T0: the envelope verifies and was signed by the key the connection authenticated. */
  t0 (bytes: Uint8Array, domain: SigningDomain, sender: Uint8Array): SignedEnvelope {
    return open(bytes, domain, [sender])
  }

  /** T1: T0, and the sender is the current agent key of a BAID that is live, with a matching configDigest. */
  t1 (bytes: Uint8Array, domain: SigningDomain, sender: Uint8Array, options: T1Options = {}): T1Result {
    const envelope = this.t0(bytes, domain, sender)
    const chain = this.chainOfAgent(sender)
    assertCurrent(chain, this.now())
    if (options.configDigest !== undefined && !equalBytes(options.configDigest, chain.head.record.configDigest)) {
      throw new ConfigDigestMismatchError(`the message's config digest differs from ${chain.baidId} version ${chain.head.record.version}`)
    }
    return { envelope, chain }
  }

  /** Whether `agent` is the current agent key of a known BAID (chainOfAgent would answer). */
  knowsAgent (agent: Uint8Array): boolean {
    const baidId = this.agents.get(hex(agent))
    return baidId !== undefined && this.chains.has(baidId)
  }

  chainOfAgent (agent: Uint8Array): BaidChain {
    const baidId = this.agents.get(hex(agent))
    const chain = baidId === undefined ? undefined : this.chains.get(baidId)
    if (chain === undefined) throw new UnknownBaidError('the sender\'s key is not the current agent key of any known BAID')
    return chain
  }

  /** The known chain made of exactly these records: bytes verified once need no second signature check (every task request carries its requester's bundle). */
  private knownAs (records: readonly Uint8Array[]): BaidChain | undefined {
    const hashes = records.map(record => hex(sha256(record)))
    const baidId = hashes[0] === undefined ? undefined : this.records.get(hashes[0])
    const chain = baidId === undefined ? undefined : this.chains.get(baidId)
    if (chain === undefined || chain.links.length !== hashes.length) return undefined
    return chain.links.every((link, i) => hex(link.hash) === hashes[i]) ? chain : undefined
  }

  private remember (chain: BaidChain): BaidChain {
    const previous = this.chains.get(chain.baidId)
    if (previous !== undefined) this.agents.delete(hex(previous.head.record.agent))
    this.chains.set(chain.baidId, chain)
    for (const link of chain.links) this.records.set(hex(link.hash), chain.baidId)
    this.agents.set(hex(chain.head.record.agent), chain.baidId)
    return chain
  }
}
