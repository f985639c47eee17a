import { afterEach, describe, expect, it } from 'vitest'
import type { ApiMethod, ParamsOf, ResultOf } from '../../core/api/app.ts'
import { createAppCore, type AppCore } from '../../core/app/index.ts'
import { baidIdOf } from '../../core/identity/ids.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { tempDir } from '../helpers/tmp.ts'

// The My agent forms as the UI reaches them through the app core (params checked by the contract's schemas, real SQLite):
// marking JSON fields with a data class, and adding a grant by hand.

const open: AppCore[] = []
afterEach(async () => { await Promise.all(open.splice(0).map(async app => { await app.stop() })) })

type Call = <M extends ApiMethod>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>

async function person (dataDir = tempDir()): Promise<{ call: Call, dataDir: string }> {
  const app = await createAppCore({ dataDir, keystore: 'file', passphrase: async () => 'forms passphrase', kdfCost: TEST_KDF_COST, interactive: () => true, network: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], mdns: false } })
  open.push(app)
  return { call: async (method, params) => await app.request(method, params), dataDir }
}

describe('the privacy form', () => {
  it('marks a field with a data class, which the egress preview then applies, and unmarks it', async () => {
    const { call } = await person()
    const input = { user: { nickname: 'ann', ward: 'cardiology' } }
    expect((await call('egress.preview', { input })).outcome).toBe('send')

    const rules = await call('agent.privacy.set', { classes: {}, marked: { add: [{ path: '$.user.ward', dataClass: 'health' }] } })
    expect(rules.marked).toEqual([{ path: '$.user.ward', dataClass: 'health' }])
    // Health data stays home by default: the whole payload does now.
    const blocked = await call('egress.preview', { input })
    expect(blocked).toMatchObject({ outcome: 'blocked', payload: null, blockedBecause: ['blocked-class'] })
    expect(blocked.findings).toContainEqual(expect.objectContaining({ path: '$.user.ward', dataClass: 'health', action: 'block', source: { kind: 'marked', pattern: '$.user.ward' } }))

    // Marking it again changes its class.
    const personal = await call('agent.privacy.set', { classes: {}, marked: { add: [{ path: '$.user.ward', dataClass: 'personal' }] } })
    expect(personal.marked).toEqual([{ path: '$.user.ward', dataClass: 'personal' }])
    expect(await call('egress.preview', { input })).toMatchObject({ outcome: 'send', payload: { user: { nickname: 'ann', ward: expect.not.stringMatching(/cardiology/) } } })

    expect((await call('agent.privacy.set', { classes: {}, marked: { remove: ['$.user.ward'] } })).marked).toEqual([])
    expect(await call('egress.preview', { input })).toMatchObject({ outcome: 'send', payload: input })
    const { entries } = await call('activity.list', { limit: 10 })
    expect(entries.map(e => e.summary)).toEqual(expect.arrayContaining(['privacy: $.user.ward marked health', 'privacy: $.user.ward unmarked']))
  }, 60_000)

  it('refuses a path it cannot read, with a hint, and then changes nothing else of the same request', async () => {
    const { call } = await person()
    const before = await call('agent.privacy.get', {})
    await expect(call('agent.privacy.set', { classes: { contact: 'allow' }, marked: { add: [{ path: '$.ok', dataClass: 'personal' }, { path: '$.[oops', dataClass: 'personal' }] } }))
      .rejects.toMatchObject({ name: 'InvalidMarkedPathError', hint: expect.stringMatching(/\$\.user\.email/) })
    expect(await call('agent.privacy.get', {})).toEqual(before)
    // Not a path at all: the contract's schema stops it before the policy plane.
    await expect(call('agent.privacy.set', { classes: {}, marked: { add: [{ path: 'user.email', dataClass: 'contact' }] } })).rejects.toMatchObject({ name: 'UsageError' })
  }, 60_000)
})

describe('the grant form', () => {
  it('grants a peer a capability in a topic for the chosen time, listed until revoked', async () => {
    const { call } = await person()
    await call('identity.create', { keystore: 'file' })
    const peer = baidIdOf(new Uint8Array(32).fill(9))
    const before = Date.now()
    const grant = await call('grants.add', { peer, capability: 'builtin/word-count', topic: 'data_analysis', ttlMs: 3_600_000 })
    expect(grant).toMatchObject({ peer, capability: 'builtin/word-count', topic: 'data_analysis', direction: 'serve' })
    expect(grant.expiresAt - grant.createdAt).toBe(3_600_000)
    expect(grant.createdAt).toBeGreaterThanOrEqual(before)
    expect((await call('grants.list', {})).grants).toEqual([grant])

    await call('grants.revoke', { id: grant.id })
    expect((await call('grants.list', {})).grants).toEqual([])
  }, 60_000)

  it('says why a grant cannot be made: a PeerId with no BAID known here, or no lifetime', async () => {
    const { call } = await person()
    await expect(call('grants.add', { peer: '12D3KooWGRYZDHBembyGJQqQ6WgLqJWYNjnECLNKfe6hCDSEDPNv', capability: 'builtin/word-count', ttlMs: 60_000 }))
      .rejects.toMatchObject({ name: 'UsageError', message: expect.stringMatching(/no BAID is known here/) })
    await expect(call('grants.add', { peer: baidIdOf(new Uint8Array(32).fill(9)), capability: 'builtin/word-count', ttlMs: 0 })).rejects.toMatchObject({ name: 'UsageError' })
    expect((await call('grants.list', {})).grants).toEqual([])
  }, 60_000)
})
