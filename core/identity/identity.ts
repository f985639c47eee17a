import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { bytes } from '../common/schema.ts'
import { BackupCorruptError, IdentityExistsError, IdentityRevokedError, NoIdentityError } from '../api/errors.ts'
import type { BaidVerification, IdentityInfo } from '../api/identity.ts'
import { toErrorInfo } from '../api/errors.ts'
import { decode, encode, equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { assertCurrent, commitmentOf, issueRecord, issueRevocation, verifyChain, type BaidChain, type BaidRecord } from './baid.ts'
import { decodeBundle, encodeBundle } from './bundle.ts'
import type { Signer } from './envelope.ts'
import { baidIdOf, hex, ownerIdOf, peerIdOf } from './ids.ts'
import type { IdentityStore } from './identity-store.ts'
import type { Keystore } from './keystore.ts'
import type { KdfCost } from './passphrase-box.ts'
import type { BaidVerifier } from './verifier.ts'

/** What the agent runs: the code and the configuration its BAID record commits to. */
export interface Digests { readonly codeDigest: Uint8Array, readonly configDigest: Uint8Array }

export interface IdentityComponents {
  readonly store: IdentityStore
  readonly keystore: Keystore
  readonly verifier: BaidVerifier
}

export interface IdentityInit {
  /** How long a BAID record is valid. */
  readonly lifetimeMs?: number
  /** Re-issue at start-up when less than this is left of the current record. */
  readonly renewBeforeMs?: number
  readonly now?: () => number
}

export type ReissueReason = 'code' | 'config' | 'expiry'

const DAY = 24 * 60 * 60 * 1000
const MAX_BACKUP_ATTACHMENT_BYTES = 4 * 1024 * 1024

const BackupAttachment = z.object({
  bundle: bytes(),
  ownerClaim: z.string().max(1024),
  salt: bytes(32)
}).strict()

/** This agent's BAID: creating it, keeping it current, rotating and revoking it, and moving it between devices. */
export class Identity {
  private readonly store: IdentityStore
  private readonly keystore: Keystore
  private readonly verifier: BaidVerifier
  private readonly lifetimeMs: number
  private readonly renewBeforeMs: number
  private readonly now: () => number

  constructor (components: IdentityComponents, init: IdentityInit = {}) {
    this.store = components.store
    this.keystore = components.keystore
    this.verifier = components.verifier
    this.lifetimeMs = init.lifetimeMs ?? 180 * DAY
    this.renewBeforeMs = init.renewBeforeMs ?? 60 * DAY
    this.now = init.now ?? Date.now
    // Warm the verifier with every chain we stored; each was verified before it was saved.
    for (const baidId of this.store.allBaidIds()) {
      const bundle = this.store.bundle(baidId)
      if (bundle !== undefined) this.verifier.acceptChain(bundle.records, bundle.revocation)
    }
  }

  exists (): boolean {
    return this.store.self() !== undefined
  }

  async create (digests: Digests, ownerClaim = ''): Promise<IdentityInfo> {
    if (this.exists()) throw new IdentityExistsError('this data directory already has an identity', { hint: 'use another --data-dir, or `hearth id show` to see it' })
    const owner = await this.keystore.createOwnerKey()
    const agent = await this.keystore.createAgentKey()
    const salt = new Uint8Array(randomBytes(32))
    const now = this.now()
    const link = issueRecord({
      v: 1, agent, owner, version: 1, prev: null,
      codeDigest: digests.codeDigest,
      configDigest: digests.configDigest,
      commitment: commitmentOf(digests.codeDigest, digests.configDigest, ownerClaim, salt),
      issuedAt: now,
      expiresAt: now + this.lifetimeMs
    }, await this.keystore.ownerSigner(owner), await this.keystore.agentSigner(agent))
    const chain = this.verifier.acceptChain([link.envelope.bytes])
    this.store.saveSelf(chain, ownerClaim, salt, now)
    return this.info()
  }

  chain (): BaidChain {
    const self = this.store.self()
    const chain = self === undefined ? undefined : this.verifier.get(self.baidId)
    if (chain === undefined) throw new NoIdentityError('this data directory has no identity yet', { hint: 'create one with `hearth id create`, or `hearth id restore <backup>`' })
    return chain
  }

  info (): IdentityInfo {
    const chain = this.chain()
    const head = chain.head.record
    return {
      baidId: chain.baidId,
      peerId: peerIdOf(head.agent),
      owner: ownerIdOf(head.owner),
      baidVersion: head.version,
      issuedAt: new Date(head.issuedAt).toISOString(),
      expiresAt: new Date(head.expiresAt).toISOString(),
      revoked: chain.revocation !== undefined,
      codeDigest: hex(head.codeDigest),
      configDigest: hex(head.configDigest),
      keystore: this.keystore.kind
    }
  }

  /** Why the current record no longer describes this agent, or undefined if it still does. */
  staleness (digests: Digests): ReissueReason | undefined {
    const head = this.chain().head.record
    if (!equalBytes(head.codeDigest, digests.codeDigest)) return 'code'
    if (!equalBytes(head.configDigest, digests.configDigest)) return 'config'
    if (head.expiresAt - this.now() < this.renewBeforeMs) return 'expiry'
    return undefined
  }

  /** At start-up: issue the next version if code, config or expiry call for it. */
  async refresh (digests: Digests): Promise<ReissueReason | undefined> {
    const reason = this.staleness(digests)
    if (reason !== undefined) await this.issueNext(digests, this.chain().head.record.agent)
    return reason
  }

  /** A new agent key under the same BAID; the old key is deleted once the new version is stored. */
  async rotate (digests: Digests): Promise<IdentityInfo> {
    this.assertLive()
    const oldAgent = this.chain().head.record.agent
    const newAgent = await this.keystore.createAgentKey()
    await this.issueNext(digests, newAgent)
    await this.keystore.deleteAgentKey(oldAgent)
    return this.info()
  }

  /** The owner ends this identity for good; peers that learn of it stop trusting every version. */
  async revoke (reason: string): Promise<IdentityInfo> {
    this.assertLive()
    const chain = this.chain()
    const envelope = issueRevocation({ v: 1, baid: chain.genesisHash, version: chain.head.record.version, reason, revokedAt: this.now() },
      await this.keystore.ownerSigner(chain.head.record.owner))
    this.store.saveChain(this.verifier.acceptRevocation(chain.baidId, envelope.bytes), this.now())
    return this.info()
  }

  exportBundle (): Uint8Array {
    return encodeBundle(this.chain())
  }

  /** Learn a peer's BAID from a bundle file; an older version than one already stored is refused as a replay. */
  importBundle (bytes: Uint8Array): BaidChain {
    const { records, revocation } = decodeBundle(bytes)
    const known = records[0] === undefined ? undefined : this.verifier.get(baidIdOf(sha256(records[0])))
    const chain = this.verifier.acceptChain(records, revocation)
    // A bundle already known as it is (a requester's, on each of its tasks) changes nothing to store.
    if (chain !== known) this.store.saveChain(chain, this.now(), 'soft')
    return chain
  }

  /** Signs as the current agent key (log entries, task messages); the key itself stays in the keystore. */
  async agentSigner (): Promise<Signer> {
    return this.keystore.agentSigner(this.chain().head.record.agent)
  }

  async libp2pKey (): Promise<Ed25519PrivateKey> {
    return this.keystore.libp2pKey(this.chain().head.record.agent)
  }

  async backup (passphrase: string, cost?: KdfCost): Promise<Uint8Array> {
    const chain = this.chain()
    const self = this.store.self()!
    const attachment = encode({ bundle: encodeBundle(chain), ownerClaim: self.ownerClaim, salt: self.salt })
    return this.keystore.sealBackup(chain.head.record.owner, chain.head.record.agent, attachment, passphrase, cost)
  }

  /** Restore keys and chain from a backup into this (empty) data directory. */
  async restore (box: Uint8Array, passphrase: string): Promise<IdentityInfo> {
    if (this.exists()) throw new IdentityExistsError('this data directory already has an identity', { hint: 'restore into a new --data-dir' })
    const { owner, agent, attachment } = await this.keystore.restoreBackup(box, passphrase)
    const parsed = BackupAttachment.safeParse(decode(attachment, MAX_BACKUP_ATTACHMENT_BYTES, 'backup attachment'))
    if (!parsed.success) throw new BackupCorruptError('the backup\'s identity record is damaged')
    const { records, revocation } = decodeBundle(parsed.data.bundle)
    const chain = this.verifier.acceptChain(records, revocation)
    if (!equalBytes(chain.head.record.owner, owner) || !equalBytes(chain.head.record.agent, agent)) {
      throw new BackupCorruptError('the backup\'s keys do not belong to the identity it carries')
    }
    this.store.saveSelf(chain, parsed.data.ownerClaim, parsed.data.salt, this.now())
    return this.info()
  }

  private assertLive (): void {
    const chain = this.chain()
    if (chain.revocation !== undefined) throw new IdentityRevokedError(`${chain.baidId} is revoked`, { hint: 'create a new identity in a new --data-dir' })
  }

  private async issueNext (digests: Digests, agent: Uint8Array): Promise<void> {
    this.assertLive()
    const chain = this.chain()
    const head = chain.head.record
    const self = this.store.self()!
    const now = Math.max(this.now(), head.issuedAt)
    const record: BaidRecord = {
      ...head,
      agent,
      version: head.version + 1,
      prev: chain.head.hash,
      codeDigest: digests.codeDigest,
      configDigest: digests.configDigest,
      commitment: commitmentOf(digests.codeDigest, digests.configDigest, self.ownerClaim, self.salt),
      issuedAt: now,
      expiresAt: now + this.lifetimeMs
    }
    const link = issueRecord(record, await this.keystore.ownerSigner(head.owner), await this.keystore.agentSigner(agent))
    this.store.saveChain(this.verifier.acceptRecord(link.envelope.bytes), now)
  }
}

/** Verify a bundle as `hearth id verify` reports it: valid, or the named reason it is not. */
export function verifyBundle (bytes: Uint8Array, now: number): BaidVerification {
  let chain: BaidChain | undefined
  try {
    const { records, revocation } = decodeBundle(bytes)
    chain = verifyChain(records, revocation)
    assertCurrent(chain, now)
    return { valid: true, ...describe(chain) }
  } catch (err) {
    const { name, message } = toErrorInfo(err)
    return { valid: false, ...(chain === undefined ? {} : describe(chain)), error: { name, message } }
  }
}

function describe (chain: BaidChain): Omit<BaidVerification, 'valid' | 'error'> {
  const head = chain.head.record
  return {
    baidId: chain.baidId,
    peerId: peerIdOf(head.agent),
    owner: ownerIdOf(head.owner),
    baidVersion: head.version,
    expiresAt: new Date(head.expiresAt).toISOString(),
    revoked: chain.revocation !== undefined
  }
}
