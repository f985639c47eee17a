import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase } from '../../../core/store/database.ts'
import { Identity, verifyBundle } from '../../../core/identity/identity.ts'
import { IdentityStore } from '../../../core/identity/identity-store.ts'
import { Keystore } from '../../../core/identity/keystore.ts'
import { TEST_KDF_COST } from '../../../core/identity/passphrase-box.ts'
import { MemorySecretStore } from '../../../core/identity/secret-store/memory.ts'
import { BaidVerifier } from '../../../core/identity/verifier.ts'
import { DAY, digest } from '../../helpers/identity.ts'
import { tempDir } from '../../helpers/tmp.ts'

const digests = { codeDigest: digest('code v1'), configDigest: digest('config v1') }

/** An Identity over a real SQLite file and an in-memory SecretStore that outlives reopenings. */
function harness (dir = tempDir(), secrets = new MemorySecretStore(), now = () => Date.now()) {
  const db = openDatabase(join(dir, 'hearth.sqlite'), migrations)
  const identity = new Identity({ store: new IdentityStore(db), keystore: new Keystore(secrets), verifier: new BaidVerifier({ now }) }, { now })
  return { dir, db, secrets, identity, close: () => closeDatabase(db) }
}

async function rejectName (p: Promise<unknown> | (() => unknown)): Promise<string> {
  try { await (typeof p === 'function' ? p() : p) } catch (err) { return (err as Error).name }
  throw new Error('expected a rejection')
}

describe('Identity (BAID lifecycle)', () => {
  it('creates version 1 with a libp2p PeerId, a did:key owner, and refuses a second create', async () => {
    const { identity } = harness()
    const info = await identity.create(digests)
    expect(info.peerId).toMatch(/^12D3KooW/)
    expect(info.owner).toMatch(/^did:key:z6Mk/)
    expect(info.baidId).toMatch(/^baid:z/)
    expect(info.baidVersion).toBe(1)
    expect(info.keystore).toBe('memory')
    expect(await rejectName(identity.create(digests))).toBe('IdentityExistsError')
  })

  it('survives a restart: the same identity is read back from SQLite', async () => {
    const first = harness()
    const created = await first.identity.create(digests)
    first.close()
    const again = harness(first.dir, first.secrets)
    expect(again.identity.info()).toEqual(created)
  })

  it('rotation keeps the BAID, changes the PeerId, and deletes the old agent key', async () => {
    const { identity, secrets } = harness()
    const before = await identity.create(digests)
    const after = await identity.rotate(digests)
    expect(after.baidId).toBe(before.baidId)
    expect(after.peerId).not.toBe(before.peerId)
    expect(after.baidVersion).toBe(2)
    expect(await secrets.get(`agent/${before.peerId}`)).toBeUndefined()
    expect(await secrets.get(`agent/${after.peerId}`)).toBeDefined()
  })

  it('issues a new version at start-up only when code, config or expiry call for it', async () => {
    let now = Date.now()
    const { identity } = harness(undefined, undefined, () => now)
    const { peerId } = await identity.create(digests)
    expect(await identity.refresh(digests)).toBeUndefined()
    expect(identity.info().baidVersion).toBe(1)
    expect(await identity.refresh({ ...digests, configDigest: digest('config v2') })).toBe('config')
    expect(await identity.refresh({ ...digests, configDigest: digest('config v2'), codeDigest: digest('code v2') })).toBe('code')
    expect(identity.info().baidVersion).toBe(3)
    now += 150 * DAY
    expect(await identity.refresh({ configDigest: digest('config v2'), codeDigest: digest('code v2') })).toBe('expiry')
    expect(identity.info().baidVersion).toBe(4)
    // A re-issue keeps the agent key; only `rotate` replaces it.
    expect(identity.info().peerId).toBe(peerId)
  })

  it('revocation ends the identity: it shows as revoked and can no longer be rotated', async () => {
    const { identity } = harness()
    await identity.create(digests)
    expect((await identity.revoke('device stolen')).revoked).toBe(true)
    expect(await rejectName(identity.rotate(digests))).toBe('IdentityRevokedError')
    expect(verifyBundle(identity.exportBundle(), Date.now()).error?.name).toBe('BaidRevokedError')
  })

  it('exports a bundle a peer can verify and import; an older bundle after a newer one is a replay, even after restart', async () => {
    const alice = harness()
    await alice.identity.create(digests)
    const v1 = alice.identity.exportBundle()
    await alice.identity.rotate(digests)
    const v2 = alice.identity.exportBundle()
    expect(verifyBundle(v2, Date.now())).toMatchObject({ valid: true, baidVersion: 2, peerId: alice.identity.info().peerId })

    const bob = harness()
    expect(bob.identity.importBundle(v2).head.record.version).toBe(2)
    expect(await rejectName(() => bob.identity.importBundle(v1))).toBe('BaidVersionReplayError')
    bob.close()
    const bobAgain = harness(bob.dir, bob.secrets)
    expect(await rejectName(() => bobAgain.identity.importBundle(v1))).toBe('BaidVersionReplayError')
  })

  it('reports a tampered or expired bundle by name', async () => {
    const now = Date.now()
    const { identity } = harness(undefined, undefined, () => now)
    await identity.create(digests)
    const bundle = identity.exportBundle()
    const tampered = bundle.slice()
    tampered[tampered.length - 40]! ^= 0xff
    expect(verifyBundle(tampered, now).valid).toBe(false)
    expect(verifyBundle(bundle, now + 181 * DAY).error?.name).toBe('BaidExpiredError')
    expect(verifyBundle(new Uint8Array([1, 2, 3]), now).error?.name).toBe('MalformedMessageError')
  })

  it('backs up and restores onto a new device; a wrong passphrase changes nothing', async () => {
    const old = harness()
    const created = await old.identity.create(digests, 'Alice')
    const box = await old.identity.backup('correct horse', TEST_KDF_COST)

    const fresh = harness()
    expect(await rejectName(fresh.identity.restore(box, 'wrong horse'))).toBe('WrongPassphraseError')
    expect(fresh.identity.exists()).toBe(false)
    expect(await fresh.secrets.get('owner')).toBeUndefined()

    const restored = await fresh.identity.restore(box, 'correct horse')
    expect(restored).toEqual({ ...created })
    // The restored keys work: the agent can rotate under the same BAID.
    expect((await fresh.identity.rotate(digests)).baidId).toBe(created.baidId)
    expect(await rejectName(fresh.identity.restore(box, 'correct horse'))).toBe('IdentityExistsError')
  })

  it('says clearly when the keys are missing from the keystore', async () => {
    const first = harness()
    await first.identity.create(digests)
    first.close()
    const elsewhere = harness(first.dir, new MemorySecretStore())
    expect(await rejectName(elsewhere.identity.rotate(digests))).toBe('SecretMissingError')
  })
})

describe('Identity backup files', () => {
  it('reports a truncated backup as BackupCorruptError and restores nothing', async () => {
    const old = harness()
    await old.identity.create(digests)
    const box = await old.identity.backup('pw', TEST_KDF_COST)
    const fresh = harness()
    expect(await rejectName(fresh.identity.restore(box.subarray(0, box.length - 10), 'pw'))).toBe('BackupCorruptError')
    expect(fresh.identity.exists()).toBe(false)
  })
})
