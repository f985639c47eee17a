import type { SecretStoreKindName } from './keystore.ts'

/** What the person and other tools may see of this agent's identity. Never key material. */
export interface IdentityInfo {
  /** The stable identity: the hash of the genesis BAID record. */
  readonly baidId: string
  /** libp2p PeerId of the current agent key (`12D3KooW…`). */
  readonly peerId: string
  /** The owner's public key as a did:key. */
  readonly owner: string
  readonly baidVersion: number
  readonly issuedAt: string
  readonly expiresAt: string
  readonly revoked: boolean
  readonly codeDigest: string
  readonly configDigest: string
  readonly keystore: SecretStoreKindName
}

/** The result of checking a BAID bundle (`hearth id verify`). */
export interface BaidVerification {
  readonly valid: boolean
  readonly baidId?: string
  readonly peerId?: string
  readonly owner?: string
  readonly baidVersion?: number
  readonly expiresAt?: string
  readonly revoked?: boolean
  readonly error?: { readonly name: string, readonly message: string }
}
