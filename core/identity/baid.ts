import { z } from 'zod'
import { bytes } from '../common/schema.ts'
import { sha256 } from '../common/hash.ts'
import { equalBytes } from '../common/codec.ts'
import { BaidChainError, BaidExpiredError, BaidRevokedError, UnexpectedSignerError } from '../api/errors.ts'
import { Domains } from './domains.ts'
import { open, payloadOf, seal, type SignedEnvelope, type Signer } from './envelope.ts'
import { baidIdOf } from './ids.ts'

// BAID: the owner binds an agent key to a code and config digest; each change is a new version chained to the last.

const Bytes32 = bytes(32)
const Time = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

export const BaidRecordSchema = z.object({
  v: z.literal(1),
  agent: Bytes32,
  owner: Bytes32,
  version: z.number().int().min(1).max(2 ** 31),
  prev: Bytes32.nullable(),
  codeDigest: Bytes32,
  configDigest: Bytes32,
  commitment: Bytes32,
  issuedAt: Time,
  expiresAt: Time
}).strict()
export type BaidRecord = z.infer<typeof BaidRecordSchema>

export const RevocationSchema = z.object({
  v: z.literal(1),
  baid: Bytes32,
  version: z.number().int().min(1).max(2 ** 31),
  reason: z.string().max(256),
  revokedAt: Time
}).strict()
export type Revocation = z.infer<typeof RevocationSchema>

export const RECORD_TYPE = 'baid-record'
export const REVOCATION_TYPE = 'baid-revocation'
/** A chain longer than this is refused: it bounds the work a bundle from a stranger can cause. */
export const MAX_CHAIN_LENGTH = 1024

export interface ChainLink { readonly record: BaidRecord, readonly envelope: SignedEnvelope, readonly hash: Uint8Array }

export interface BaidChain {
  readonly baidId: string
  readonly genesisHash: Uint8Array
  readonly links: readonly ChainLink[]
  readonly head: ChainLink
  readonly revocation: { readonly record: Revocation, readonly envelope: SignedEnvelope } | undefined
}

/** H(codeDigest ‖ configDigest ‖ ownerClaim ‖ salt): the owner can later prove a claim without publishing it. */
export function commitmentOf (codeDigest: Uint8Array, configDigest: Uint8Array, ownerClaim: string, salt: Uint8Array): Uint8Array {
  return sha256(codeDigest, configDigest, new TextEncoder().encode(ownerClaim), salt)
}

export function issueRecord (record: BaidRecord, owner: Signer, agent: Signer): ChainLink {
  if (!equalBytes(owner.publicKey, record.owner) || !equalBytes(agent.publicKey, record.agent)) {
    throw new UnexpectedSignerError('a BAID record must be signed by its own owner and agent keys')
  }
  const envelope = seal(Domains.baid, RECORD_TYPE, BaidRecordSchema.parse(record), [owner, agent])
  return { record, envelope, hash: sha256(envelope.bytes) }
}

export function issueRevocation (revocation: Revocation, owner: Signer): SignedEnvelope {
  return seal(Domains.revocation, REVOCATION_TYPE, RevocationSchema.parse(revocation), [owner])
}

/** Verify one record envelope: both signatures, then the payload, then that the signers are the record's own keys. */
export function openRecord (bytes: Uint8Array): ChainLink {
  const envelope = open(bytes, Domains.baid)
  const record = payloadOf(envelope, RECORD_TYPE, BaidRecordSchema)
  if (!equalBytes(envelope.signers[0]!, record.owner) || !equalBytes(envelope.signers[1]!, record.agent)) {
    throw new UnexpectedSignerError(`BAID record v${record.version} is not signed by its owner and agent keys`)
  }
  if (record.expiresAt <= record.issuedAt) throw new BaidChainError(`BAID record v${record.version} expires before it is issued`)
  return { record, envelope, hash: sha256(bytes) }
}

/** Check that `next` is the direct successor of `prev`: same owner, next version, hash-linked, not older. */
export function assertSuccessor (prev: ChainLink, next: ChainLink): void {
  const { record } = next
  if (record.version !== prev.record.version + 1) throw new BaidChainError(`BAID version ${record.version} does not follow version ${prev.record.version}`)
  if (record.prev === null || !equalBytes(record.prev, prev.hash)) throw new BaidChainError(`BAID version ${record.version} does not link to version ${prev.record.version}`)
  if (!equalBytes(record.owner, prev.record.owner)) throw new BaidChainError(`BAID version ${record.version} changes the owner key`)
  if (record.issuedAt < prev.record.issuedAt) throw new BaidChainError(`BAID version ${record.version} is issued before version ${prev.record.version}`)
}

export function openRevocation (bytes: Uint8Array, owner: Uint8Array, genesisHash: Uint8Array): { record: Revocation, envelope: SignedEnvelope } {
  const envelope = open(bytes, Domains.revocation, [owner])
  const record = payloadOf(envelope, REVOCATION_TYPE, RevocationSchema)
  if (!equalBytes(record.baid, genesisHash)) throw new BaidChainError('the revocation is for a different BAID')
  return { record, envelope }
}

/** Verify a whole chain from its genesis record. Expiry and revocation are reported by `assertCurrent`, so a dead chain can still be read. */
export function verifyChain (records: readonly Uint8Array[], revocation?: Uint8Array): BaidChain {
  if (records.length === 0) throw new BaidChainError('a BAID chain needs at least its genesis record')
  if (records.length > MAX_CHAIN_LENGTH) throw new BaidChainError(`a BAID chain of ${records.length} records is over the ${MAX_CHAIN_LENGTH} limit`)
  const links: ChainLink[] = []
  for (const bytes of records) {
    const link = openRecord(bytes)
    const prev = links.at(-1)
    if (prev === undefined) {
      if (link.record.version !== 1 || link.record.prev !== null) throw new BaidChainError('a BAID chain must start at its genesis record (version 1, no prev)')
    } else {
      assertSuccessor(prev, link)
    }
    links.push(link)
  }
  const genesis = links[0]!
  const head = links.at(-1)!
  return {
    baidId: baidIdOf(genesis.hash),
    genesisHash: genesis.hash,
    links,
    head,
    revocation: revocation === undefined ? undefined : openRevocation(revocation, genesis.record.owner, genesis.hash)
  }
}

/** T1's liveness: the chain is neither revoked nor past its head's expiry. */
export function assertCurrent (chain: BaidChain, now: number): void {
  if (chain.revocation !== undefined) throw new BaidRevokedError(`${chain.baidId} was revoked by its owner: ${chain.revocation.record.reason || 'no reason given'}`)
  if (now >= chain.head.record.expiresAt) throw new BaidExpiredError(`${chain.baidId} version ${chain.head.record.version} expired at ${new Date(chain.head.record.expiresAt).toISOString()}`)
}
