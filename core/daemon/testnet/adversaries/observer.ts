import { z } from 'zod'
import { TOPICS } from '../../../discovery/descriptor.ts'
import { hex } from '../../../identity/ids.ts'
import type { Host, Network } from '../../../host.ts'
import { APP_SPECIFIC_WEIGHT, gossipScore, hasGossipScore } from '../../../net/gossip-config.ts'
import { MISCONDUCT_POINTS, MISCONDUCT_TOLERANCE, type Misconduct } from '../../../reputation/conduct.ts'
import { ReputationStore } from '../../../reputation/store.ts'

// An honest testnet daemon's view of the adversaries (`testnet.attack`): who it met, how gossipsub and reputation scored
// them, and whether anything forged or replayed got in.

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/)
const AttackParams = z.object({
  adversaries: z.array(z.object({ peerId: z.string().min(1).max(128), agent: Hex32 }).strict()).max(1_000),
  forgedHeaders: z.array(Hex32).max(100_000),
  forgedReceipts: z.array(Hex32).max(100_000),
  replayed: z.array(z.object({ h: Hex32, at: z.number() }).strict()).max(100_000),
  replayers: z.array(z.string().min(1).max(128)).max(1_000)
}).strict()

/** The points a peer's noted misconduct came to, without decay. */
function offencePoints (counts: Partial<Record<Misconduct, number>>): number {
  return Object.entries(counts).reduce((sum, [offence, n]) => sum + MISCONDUCT_POINTS[offence as Misconduct] * n, 0)
}

/** Bounded: a testnet run is short, but a flood must not grow this without end. */
const MAX_TRACKED = 200_000

export function attackHandlers (network: Network, host: Pick<Host, 'reputation' | 'db' | 'verifier'>) {
  const everConnected = new Set<string>()
  network.peer.addEventListener('peer:connect', e => { if (everConnected.size < MAX_TRACKED) everConnected.add(e.detail.toString()) })
  for (const p of network.peer.getPeers()) everConnected.add(p.toString())
  /** Gossip verdicts by propagation source, and which source each accepted header first came from, when. */
  const verdicts = new Map<string, Record<string, number>>()
  const acceptedFrom = new Map<string, { from: string, at: number, times: number }>()
  network.discovery.events.on('gossip:verdict', ({ verdict, hash, from, reason }) => {
    const tally = verdicts.get(from) ?? {}
    const key = reason === undefined ? verdict : `${verdict} (${reason})`
    tally[key] = (tally[key] ?? 0) + 1
    if (verdicts.size < MAX_TRACKED) verdicts.set(from, tally)
    if (verdict !== 'accepted' || hash === undefined) return
    const before = acceptedFrom.get(hex(hash))
    if (before !== undefined) before.times++
    else if (acceptedFrom.size < MAX_TRACKED) acceptedFrom.set(hex(hash), { from, at: Date.now(), times: 1 })
  })
  const forgedDescriptors: string[] = []
  network.discovery.events.on('descriptor:added', d => { if (d.id.startsWith('forged-')) forgedDescriptors.push(d.id) })
  const drifts = new Map<string, number>()
  network.discovery.events.on('descriptor:drift', d => { drifts.set(hex(d.agent), (drifts.get(hex(d.agent)) ?? 0) + 1) })
  const receipts = new ReputationStore(host.db)
  return {
    'testnet.attack': async (params: unknown) => {
      const p = AttackParams.parse(params)
      const score = (peerId: string): number => gossipScore(network.peer.services.pubsub, peerId)
      const replayers = new Set(p.replayers)
      const offenders = p.adversaries.map(({ peerId, agent }) => {
        const gossipRecord = hasGossipScore(network.peer.services.pubsub, peerId)
        // gossipsub forgets a peer that left with a score ≥ 0; were it let back in, it would start at its application score.
        const appScore = host.reputation.appScore(peerId)
        const gossipScore = gossipRecord ? score(peerId) : APP_SPECIFIC_WEIGHT * appScore
        // Slashed or blocked (application score), or known bad in every topic (no trust to offer it work with).
        const shunned = host.reputation.shuns(peerId)
        const reputationPenalised = shunned || host.reputation.trustFor(Buffer.from(agent, 'hex'), TOPICS) === undefined
        const conduct = host.reputation.conductOf(peerId)
        // Saw it act: relayed or sent us something, misbehaved towards us, or holds entries it signed here.
        const saw = verdicts.has(peerId) || Object.keys(conduct.counts).length > 0 || network.discovery.logs.latest(Buffer.from(agent, 'hex')) !== undefined
        // Witnessed its offence: holds first-hand evidence of it past what honest mishaps explain (misconduct noted up to the
        // tolerance, before decay: one drift, one half-sent stream under load, or a relayed fork is no offence), or shunned it
        // on evidence (a fraud proof). Relaying honest news, or valid entries of its own, is no evidence.
        const gossipPenalised = gossipScore < 0
        const witnessed = offencePoints(conduct.counts) >= MISCONDUCT_TOLERANCE || reputationPenalised
        const connected = network.peer.getConnections().some(c => c.remotePeer.toString() === peerId)
        return { peerId, met: everConnected.has(peerId), saw, witnessed, gossipScore, gossipPenalised, gossipRecord, connected, reputationPenalised, shunned, points: Number(conduct.points.toFixed(2)), appScore, conduct: conduct.counts, baidKnown: host.verifier.knowsAgent(Buffer.from(agent, 'hex')), verdicts: verdicts.get(peerId) ?? {} }
      })
      const forgedHeaders = p.forgedHeaders.filter(h => network.discovery.logs.header(Buffer.from(h, 'hex')) !== undefined).length
      const forgedReceipts = p.forgedReceipts.filter(h => receipts.receipt(Buffer.from(h, 'hex')) !== undefined).length
      // A replay got in if a header this node already had was taken as new again. A replayed copy that was the first this
      // node saw (an entry it had missed, on a topic it follows) is a relay of valid news, counted apart.
      const replayedAccepted = p.replayed.filter(({ h }) => (acceptedFrom.get(h)?.times ?? 0) > 1).length
      const replayedFirstCopies = p.replayed.filter(({ h, at }) => { const got = acceptedFrom.get(h); return got !== undefined && replayers.has(got.from) && got.at >= at }).length
      const adversaryAgents = new Set(p.adversaries.map(a => a.agent))
      // Collateral damage: honest neighbours this node scores below zero (say, for forwarding what an adversary planted first).
      const adversaryPeers = new Set(p.adversaries.map(a => a.peerId))
      const honestPenalised = [...everConnected].filter(id => !adversaryPeers.has(id) && score(id) < 0).map(id => ({ peerId: id, score: Math.round(score(id)), verdicts: verdicts.get(id) ?? {} }))
      // Misconduct noted against honest neighbours (say, a request left half-sent on a loaded machine): each point lowers their gossip score.
      const honestMisconduct = [...everConnected].filter(id => !adversaryPeers.has(id))
        .map(id => ({ peerId: id, conduct: host.reputation.conductOf(id) }))
        .filter(({ conduct }) => Object.keys(conduct.counts).length > 0)
        .map(({ peerId, conduct }) => ({ peerId, points: Number(conduct.points.toFixed(2)), counts: conduct.counts }))
      return {
        offenders,
        honestPenalised,
        honestMisconduct,
        forgedAccepted: forgedHeaders + forgedReceipts + forgedDescriptors.length,
        replayedAccepted,
        replayedFirstCopies,
        drifts: [...drifts].filter(([agent]) => adversaryAgents.has(agent)).reduce((s, [, n]) => s + n, 0),
        // The peak, not the moment: resourceUsage's maxRSS is in KiB.
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024)
      }
    }
  }
}
