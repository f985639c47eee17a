import { base58btc } from 'multiformats/bases/base58'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from '../api/errors.ts'
import { BoundedMemo } from '../common/memo.ts'

// The text forms people and other tools see: libp2p PeerIds, did:key owners, and BAID ids.

/** The libp2p PeerId of an Ed25519 agent key. */
export function agentPeerId (agentPublicKey: Uint8Array): PeerId {
  const key = Buffer.from(agentPublicKey).toString('base64')
  let peerId = peerIds.get(key)
  if (peerId === undefined) peerIds.set(key, peerId = peerIdFromPublicKey(publicKeyFromRaw(agentPublicKey)))
  return peerId
}

/** PeerIds of the agents we deal with: each task message and gossiped header names them, and a multihash costs more than a lookup. */
const peerIds = new BoundedMemo<string, PeerId>(4096)

/** libp2p's standard string form of an Ed25519 key, `12D3KooW…` (a PeerId keeps its string once made). */
export function peerIdOf (agentPublicKey: Uint8Array): string {
  return agentPeerId(agentPublicKey).toString()
}

/** The agent key behind a `12D3KooW…` PeerId; a UsageError for anything else. */
export function agentKeyOf (peerId: string): Uint8Array {
  let key: Uint8Array | undefined
  try {
    const id = peerIdFromString(peerId)
    key = id.type === 'Ed25519' ? id.publicKey.raw : undefined
  } catch {
    key = undefined
  }
  if (key === undefined) throw new UsageError(`"${peerId}" is not an Ed25519 PeerId`, { hint: 'a PeerId looks like 12D3KooW…' })
  return key
}

const ED25519_PUB_MULTICODEC = Uint8Array.from([0xed, 0x01])

/** The owner's key as a W3C did:key (`did:key:z6Mk…`), readable by other identity tools. */
export function ownerIdOf (ownerPublicKey: Uint8Array): string {
  const bytes = new Uint8Array(ED25519_PUB_MULTICODEC.byteLength + ownerPublicKey.byteLength)
  bytes.set(ED25519_PUB_MULTICODEC)
  bytes.set(ownerPublicKey, ED25519_PUB_MULTICODEC.byteLength)
  return `did:key:${base58btc.encode(bytes)}`
}

/** A BAID is named by the hash of its genesis record: stable across key rotations. */
export function baidIdOf (genesisHash: Uint8Array): string {
  return `baid:${base58btc.encode(genesisHash)}`
}

/** Decoded BAID ids: reputation asks for the same few (its own, its peers') at every recompute, and base58 is slow. */
const genesisHashes = new BoundedMemo<string, Uint8Array>(4096)

/** The genesis hash a BAID id names; a UsageError for anything else. */
export function genesisHashOf (baidId: string): Uint8Array {
  const known = genesisHashes.get(baidId)
  if (known !== undefined) return known.slice()
  let hash: Uint8Array | undefined
  try {
    hash = baidId.startsWith('baid:') ? base58btc.decode(baidId.slice('baid:'.length)) : undefined
  } catch {
    hash = undefined
  }
  if (hash?.byteLength !== 32) throw new UsageError(`"${baidId}" is not a BAID id`, { hint: 'a BAID id looks like baid:z…' })
  genesisHashes.set(baidId, hash.slice())
  return hash
}

export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
