import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sha256 } from '../../../core/common/hash.ts'
import type { Signer } from '../../../core/identity/envelope.ts'
import { baidIdOf, hex, peerIdOf } from '../../../core/identity/ids.ts'
import { migrations } from '../../../core/migrations.ts'
import { SCORE_THRESHOLDS, scoreParams } from '../../../core/net/gossip-config.ts'
import { sealReceipt } from '../../../core/reputation/receipt.ts'
import { EXPLORATION_CEILING } from '../../../core/reputation/selection.ts'
import { DEFAULT_HALF_LIFE_MS, Reputation } from '../../../core/reputation/service.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { testSigner } from '../../helpers/identity.ts'
import { tempDir } from '../../helpers/tmp.ts'

// The app's reputation plane over a real SQLite file: receipts in, one person's trust per topic out, decisions kept.

interface Agent { signer: Signer, baid: Uint8Array, name: string }
const agent = (name: string): Agent => { const signer = testSigner(); return { signer, baid: sha256(signer.publicKey), name } }
const me = agent('me')
const friend = agent('friend')
const provider = agent('provider')
const rival = agent('rival')
const stranger = agent('stranger')
const everyone = [me, friend, provider, rival, stranger]
const TOPIC = 'data_analysis'

let clock = Date.UTC(2026, 10, 1)
const open: Database[] = []
afterEach(() => { for (const db of open.splice(0)) closeDatabase(db) })

function reputation (path = join(tempDir(), 'hearth.sqlite')): { rep: Reputation, path: string } {
  const db = openDatabase(path, migrations)
  open.push(db)
  const rep = new Reputation({
    db,
    self: () => me.baid,
    baidOf: key => everyone.find(a => hex(a.signer.publicKey) === hex(key))?.baid
  }, { topics: ['code_generation', 'code_review_security', TOPIC], now: () => clock, recomputeDelayMs: 60_000 })
  return { rep, path }
}

let tasks = 0
const receipt = (requester: Agent, served: Agent, satisfied = true, topic = TOPIC): Uint8Array =>
  sealReceipt({ task: `task-${++tasks}`, topic, satisfied }, requester.signer, served.signer)

/** Under the graylist even for a peer whose positive topic score reached its cap. */
const GRAYLISTED = SCORE_THRESHOLDS.graylistThreshold - scoreParams({ topics: [] }).topicScoreCap
const sum = (xs: ReadonlyArray<{ amount: number }>): number => xs.reduce((a, x) => a + x.amount, 0)

describe('the reputation plane', () => {
  it('gives trust along a contact\'s receipt-backed rating, and explains it exactly', () => {
    const { rep } = reputation()
    rep.addContact(friend.baid)
    expect(rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))).toBe(true)
    const view = rep.show(provider.baid, TOPIC)
    const topic = view.topics[0]!
    expect(topic.standing).toBe('selectable')
    // Relative to the best-trusted peer here: the friend, who is the person's own seed.
    expect(topic.relative).toBeGreaterThan(0.2)
    expect(rep.show(friend.baid, TOPIC).topics[0]!.relative).toBe(1)
    expect(topic.parts).toContainEqual(expect.objectContaining({ kind: 'rating', from: baidIdOf(friend.baid), satisfied: 1, unsatisfied: 0 }))
    expect(sum(topic.parts)).toBeCloseTo(topic.score, 12)
    // Nobody the person trusts rated the stranger: nothing, but still selectable.
    expect(rep.show(stranger.baid, TOPIC).topics[0]).toMatchObject({ score: 0, relative: 0, standing: 'selectable' })
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBe(topic.relative)
    // Never heard of: explored as a fresh identity, after every known peer (the simulator's selection rule).
    const unknown = rep.trustFor(stranger.signer.publicKey, [TOPIC])!
    expect(unknown).toBeGreaterThan(0)
    expect(unknown).toBeLessThanOrEqual(EXPLORATION_CEILING)
    expect(unknown).toBeLessThan(topic.relative)
  })

  it('recomputes as soon as it is free after a receipt of its own, while gossiped ratings wait out the debounce', async () => {
    const { rep } = reputation()
    rep.flush()
    const updated: string[][] = []
    rep.events.on('trust:updated', e => updated.push(e.topics))
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    await new Promise(resolve => setTimeout(resolve, 50))
    // Bursts of the network's ratings are computed from once, a minute on here.
    expect(updated).toEqual([])
    rep.recordReceipt(receipt(me, provider))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(updated).toHaveLength(1)
    expect(updated[0]).toContain(TOPIC)
    rep.stop()
  })

  it('lists a topic\'s peers by trust and records their relative trust each time a recompute changes it', () => {
    const { rep } = reputation()
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    rep.block(rival.baid)
    const scores = rep.scores(TOPIC)
    // The person is not listed; a blocked peer is, with its standing.
    expect(scores.map(x => baidIdOf(x.peer))).toEqual([friend, provider, rival].map(a => baidIdOf(a.baid)))
    expect(scores.map(x => x.standing)).toEqual(['selectable', 'selectable', 'blocked'])
    expect(rep.topics()).toContain(TOPIC)
    const first = rep.trustHistory(provider.baid, TOPIC)
    expect(first).toEqual([{ at: clock, relative: scores[1]!.relative }])
    // An unsatisfied receipt of the person's own lowers it: one more point, at the recompute's time.
    clock += 1000
    rep.recordReceipt(receipt(me, provider, false))
    rep.flush()
    const after = rep.trustHistory(provider.baid, TOPIC)
    expect(after).toHaveLength(2)
    expect(after[1]!.at).toBe(clock)
    expect(after[1]!.relative).toBeLessThan(first[0]!.relative)
    expect(rep.trustHistory(stranger.baid, TOPIC)).toEqual([])
    rep.stop()
  })

  it('lets an announcing newcomer be tried without ranking it as trusted', () => {
    const { rep } = reputation()
    rep.setAnnouncers(topic => topic === TOPIC ? [stranger.signer.publicKey] : [])
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    const fresh = rep.show(stranger.baid, TOPIC).topics[0]!
    expect(fresh.parts).toContainEqual(expect.objectContaining({ kind: 'newcomer' }))
    expect(fresh.score).toBeGreaterThan(0)
    expect(fresh).toMatchObject({ relative: 0, standing: 'selectable' })
    expect(rep.trustFor(stranger.signer.publicKey, [TOPIC])).toBeLessThanOrEqual(EXPLORATION_CEILING)
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeGreaterThan(EXPLORATION_CEILING)
  })

  it('ignores ratings that no co-signed receipt backs, or that someone other than the requester logged', () => {
    const { rep } = reputation()
    const ignored: string[] = []
    rep.events.on('rating:ignored', ({ reason }) => ignored.push(reason))
    const tampered = receipt(rival, provider).slice()
    tampered[tampered.length - 70] = (tampered[tampered.length - 70] as number) ^ 1
    expect(rep.ingestRating(rival.signer.publicKey, tampered)).toBe(false)
    expect(rep.ingestRating(rival.signer.publicKey, new TextEncoder().encode('five stars'))).toBe(false)
    // The provider re-logging a receipt in which it was served would let it rate itself up: only the requester rates.
    expect(rep.ingestRating(provider.signer.publicKey, receipt(friend, provider))).toBe(false)
    // A topic that is no semantic domain could never be gossiped on its topic: not a receipt.
    expect(rep.ingestRating(friend.signer.publicKey, receipt(friend, provider, true, 'Data Analysis'))).toBe(false)
    expect(ignored).toHaveLength(4)
    expect(rep.store.ratingCount()).toBe(0)
  })

  it('holds a rating whose parties are not known yet, and takes it once they are', () => {
    const known = new Set([me, friend].map(a => hex(a.signer.publicKey)))
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    open.push(db)
    const rep = new Reputation({ db, self: () => me.baid, baidOf: key => known.has(hex(key)) ? everyone.find(a => hex(a.signer.publicKey) === hex(key))?.baid : undefined }, { now: () => clock })
    expect(rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))).toBe(false)
    expect(rep.store.ratingCount()).toBe(0)
    known.add(hex(provider.signer.publicKey))
    rep.retryPending()
    expect(rep.store.ratingCount()).toBe(1)
    // Its recompute is scheduled; the database closes after the test.
    rep.stop()
  })

  it('zeroes a peer in every topic on a verified equivocation proof, and excludes it from discovery', () => {
    const { rep } = reputation()
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider, true, 'code_generation'))
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeGreaterThan(0)
    rep.recordFraudProof({ offender: provider.signer.publicKey, kind: 'equivocation', evidence: new Uint8Array([1, 2]) })
    const view = rep.show(provider.baid)
    expect(view.slashed).toBe(true)
    for (const t of view.topics) expect(t).toMatchObject({ score: 0, standing: 'slashed' })
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC, 'code_generation'])).toBeUndefined()
    expect(rep.appScore(peerIdOf(provider.signer.publicKey))).toBeLessThan(GRAYLISTED)
  })

  it('never slashes on the person\'s own failed canaries (one accuser), but vetoes the provider there and explores it last elsewhere', () => {
    const { rep } = reputation()
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    rep.ingestRating(friend.signer.publicKey, receipt(friend, rival))
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeGreaterThan(0)
    for (let i = 0; i < 3; i++) rep.recordFraudProof({ offender: provider.signer.publicKey, kind: 'failed-canary', topic: TOPIC, evidence: new Uint8Array([i]) })
    const view = rep.show(provider.baid)
    expect(view.slashed).toBe(false)
    expect(view.topics.find(t => t.topic === TOPIC)).toMatchObject({ standing: 'blocked', penalties: expect.arrayContaining([{ kind: 'vetoed' }]) })
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeUndefined()
    // Unknown to the person in code_generation, like the rival: the proof standing against it puts it after the rival.
    const elsewhere = rep.trustFor(provider.signer.publicKey, ['code_generation'])!
    expect(elsewhere).toBeGreaterThan(0)
    expect(elsewhere).toBeLessThan(rep.trustFor(rival.signer.publicKey, ['code_generation'])!)
    expect(rep.appScore(peerIdOf(provider.signer.publicKey))).toBe(0)
  })

  it('lets the person block and unblock a peer, and set a per-topic threshold', () => {
    const { rep } = reputation()
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    rep.ingestRating(friend.signer.publicKey, receipt(friend, rival))
    const providerTrust = rep.trustFor(provider.signer.publicKey, [TOPIC])!
    const rivalTrust = rep.trustFor(rival.signer.publicKey, [TOPIC])!
    expect(rivalTrust).toBeGreaterThan(0)
    expect(rivalTrust).toBeLessThan(providerTrust)
    rep.block(provider.baid)
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeUndefined()
    expect(rep.appScore(peerIdOf(provider.signer.publicKey))).toBeLessThan(GRAYLISTED)
    rep.unblock(provider.baid)
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeCloseTo(providerTrust, 2)
    expect(rep.appScore(peerIdOf(provider.signer.publicKey))).toBe(0)
    const between = (providerTrust + rivalTrust) / 2
    rep.setThreshold(TOPIC, between)
    expect(rep.trustFor(rival.signer.publicKey, [TOPIC])).toBeUndefined()
    expect(rep.trustFor(provider.signer.publicKey, [TOPIC])).toBeCloseTo(providerTrust, 2)
    expect(rep.show(rival.baid, TOPIC).topics[0]).toMatchObject({ standing: 'below-threshold', threshold: between })
    // Another topic's threshold does not apply here.
    expect(rep.trustFor(rival.signer.publicKey, ['code_generation'])).toBeDefined()
  })

  it('gives a peer that is no Hearth agent a neutral gossip score instead of failing', async () => {
    const { rep } = reputation()
    // gossipsub asks about every peer it meets; a secp256k1 or RSA PeerId has no agent key and no BAID.
    expect(rep.appScore(peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString())).toBe(0)
  })

  it('scores a peer down in gossip from its first offence here, shuns it past a tolerance for honest mishaps, and forgives it as its misconduct decays', () => {
    const { rep } = reputation()
    const rude = peerIdOf(stranger.signer.publicKey)
    const shunned: string[] = []
    rep.events.on('peer:shunned', ({ peerId }) => { shunned.push(peerId) })
    // One broken message and a stalled stream: what a glitch or a slow link may cause.
    rep.noteMisconduct(rude, 'invalid-message')
    rep.noteMisconduct(rude, 'stream-abuse')
    expect(rep.shuns(rude)).toBe(false)
    // Scored down in gossip from the first offence, but still above the gossip threshold: it hears gossip and is heard.
    expect(rep.appScore(rude)).toBeLessThan(0)
    expect(rep.appScore(rude)).toBeGreaterThan(SCORE_THRESHOLDS.gossipThreshold)
    rep.noteMisconduct(rude, 'drift')
    expect(rep.shuns(rude)).toBe(true)
    expect(rep.appScore(rude)).toBeLessThan(GRAYLISTED)
    rep.noteMisconduct(rude, 'invalid-message')
    expect(shunned).toEqual([rude])
    expect(rep.conductOf(rude)).toMatchObject({ shunned: true, counts: { 'invalid-message': 2, 'stream-abuse': 1, drift: 1 } })
    // Nobody else pays for it.
    expect(rep.shuns(peerIdOf(provider.signer.publicKey))).toBe(false)
    clock += 20 * 60 * 1000 // two half-lives: 5 points fall under the tolerance
    expect(rep.shuns(rude)).toBe(false)
    expect(rep.appScore(rude)).toBeLessThan(0)
    expect(rep.appScore(rude)).toBeGreaterThan(SCORE_THRESHOLDS.gossipThreshold)
    clock += 40 * 60 * 1000 // four more: forgiven
    expect(rep.appScore(rude)).toBe(0)
  })

  it('counts a rating over a receipt with a forged co-signature against the agent that signed it into its log', () => {
    const { rep } = reputation()
    const forged = receipt(stranger, provider)
    forged[forged.byteLength - 5]! ^= 0xff // inside the provider's signature, the last field
    expect(rep.ingestRating(stranger.signer.publicKey, forged)).toBe(false)
    expect(rep.conductOf(peerIdOf(stranger.signer.publicKey)).counts).toEqual({ 'forged-receipt': 1 })
    expect(rep.ingestRating(stranger.signer.publicKey, receipt(stranger, provider))).toBe(true)
    expect(rep.conductOf(peerIdOf(stranger.signer.publicKey)).counts).toEqual({ 'forged-receipt': 1 })
  })

  it('keeps evidence and the person\'s choices across a restart', () => {
    const first = reputation()
    first.rep.addContact(friend.baid)
    first.rep.block(rival.baid)
    first.rep.setThreshold(TOPIC, 0.1)
    first.rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    const before = first.rep.show(provider.baid, TOPIC)
    closeDatabase(open.pop()!)
    const again = reputation(first.path)
    expect(again.rep.show(provider.baid, TOPIC)).toEqual(before)
    expect(again.rep.trustFor(rival.signer.publicKey, [TOPIC])).toBeUndefined()
    expect(again.rep.contacts().map(c => hex(c.peer))).toEqual([hex(friend.baid)])
  })

  it('lets a person\'s own bad receipt veto a peer that others praise', () => {
    const { rep } = reputation()
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    rep.recordReceipt(receipt(me, provider, false))
    expect(rep.show(provider.baid, TOPIC).topics[0]!.standing).toBe('blocked')
    expect(() => rep.recordReceipt(receipt(friend, rival))).toThrow(/must name this agent/)
  })

  it('keeps a receipt of ours only with its rating logged: a log write that fails leaves neither, and a retry keeps both', () => {
    const { rep } = reputation()
    const bytes = receipt(me, provider, false)
    const hash = sha256(bytes)
    expect(() => rep.recordReceipt(bytes, () => { throw new Error('the log is full') })).toThrow(/log is full/)
    expect(rep.store.receipt(hash)).toBeUndefined()
    // Not counted either: the provider is still selectable, as if the receipt never came.
    expect(rep.show(provider.baid, TOPIC).topics[0]!.standing).toBe('selectable')
    const logged: string[] = []
    expect(rep.recordReceipt(bytes, topic => { logged.push(topic) })).toMatchObject({ added: true, rater: 'self' })
    expect(logged).toEqual([TOPIC])
    expect(rep.store.receipt(hash)).toBeDefined()
    expect(rep.show(provider.baid, TOPIC).topics[0]!.standing).toBe('blocked')
    // Held already: not logged twice. And a receipt where we served is the requester's to log, not ours.
    expect(rep.recordReceipt(bytes, topic => { logged.push(topic) }).added).toBe(false)
    expect(rep.recordReceipt(receipt(friend, me), topic => { logged.push(topic) })).toMatchObject({ added: true, rater: 'peer' })
    expect(logged).toEqual([TOPIC])
  })

  it('weighs old evidence less: a rating one half-life old counts half', () => {
    const { rep, path } = reputation()
    rep.addContact(friend.baid)
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    clock += DEFAULT_HALF_LIFE_MS
    rep.stop()
    closeDatabase(open.pop()!)
    const later = reputation(path).rep
    const part = later.show(provider.baid, TOPIC).topics[0]!.parts.find(p => p.kind === 'rating')
    expect(part).toMatchObject({ satisfied: expect.closeTo(0.5, 6) })
  })

  it('recomputes a topic shortly after evidence arrives, on its own', async () => {
    const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations)
    open.push(db)
    const rep = new Reputation({ db, self: () => me.baid, baidOf: key => everyone.find(a => hex(a.signer.publicKey) === hex(key))?.baid }, { topics: [TOPIC], recomputeDelayMs: 10 })
    rep.addContact(friend.baid)
    rep.flush()
    const updated = new Promise<string[]>(resolve => rep.events.on('trust:updated', ({ topics }) => resolve(topics)))
    rep.ingestRating(friend.signer.publicKey, receipt(friend, provider))
    expect(await updated).toContain(TOPIC)
    expect(rep.store.trustOf(provider.baid, TOPIC)).toBeGreaterThan(0)
    rep.stop()
  })
})
