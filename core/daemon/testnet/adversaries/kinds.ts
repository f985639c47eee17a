import { randomBytes } from 'node:crypto'
import { connect as tcpConnect, type Socket } from 'node:net'
import type { PeerId, Stream } from '@libp2p/interface'
import { encode } from '../../../common/codec.ts'
import { sha256 } from '../../../common/hash.ts'
import { TOPICS, type CapabilityDescriptor } from '../../../discovery/descriptor.ts'
import { LOG_ENTRY_TYPE, signEntry, type LogEntry } from '../../../discovery/log-entry.ts'
import { Domains } from '../../../identity/domains.ts'
import { signingBytes, type Signer } from '../../../identity/envelope.ts'
import { hex } from '../../../identity/ids.ts'
import type { Host, Network } from '../../../host.ts'
import { MAX_RANGE_ENTRIES } from '../../../net/limits.ts'
import { announceTopic, StreamProtocols } from '../../../net/protocols.ts'
import { RECEIPT_TYPE, sealReceipt } from '../../../reputation/receipt.ts'
import { agentDescriptor } from '../workload.ts'

// The hostile behaviours of `hearth testnet --adversaries`: each kind is a real peer (its own process, key and BAID, joined
// through the bootstrap node) running Hearth's own code, plus one attack made through the real wire protocol.

export const ADVERSARY_KINDS = ['sybil', 'forger', 'replayer', 'equivocator', 'spammer', 'colluder', 'drifter', 'slowloris'] as const
export type AdversaryKind = typeof ADVERSARY_KINDS[number]

/** One hostile agent: a joined host with its network. */
export interface Agent { readonly host: Host, readonly network: Network, readonly signer: Signer }

export interface AttackContext {
  /** The first hostile agent; kinds that need more identities ask `spawn`. */
  readonly agent: Agent
  /** Another hostile agent, joined like the first. */
  spawn (name: string): Promise<Agent>
  /** The honest agents' keys (victims to impersonate or to replay). */
  readonly victims: readonly Uint8Array[]
  /** What the orchestrator should check the honest nodes for: one JSON line on stdout. */
  report (event: AttackEvent): void
  readonly signal: AbortSignal
}

/** What an adversary tells the orchestrator it did, so it can ask the honest nodes whether any of it was accepted. */
export type AttackEvent =
  | { joined: { peerId: string, agent: string } }
  | { forgedHeader: string }
  | { forgedReceipt: string }
  | { replayed: string, at: number }
  | { sent: string, count: number }

const topicOf = (i: number): string => TOPICS[i % TOPICS.length]!
/** Twice the testnet's delivery deadline: by then every honest node holds a header, so a copy sent later is a replay, not a relay. */
const REPLAY_AGE_MS = 10_000

/** A descriptor of this agent's, valid for its BAID, with the given capability id. */
function ownDescriptor (agent: Agent, i: number, id: string): CapabilityDescriptor {
  return { ...agentDescriptor(agent.host, i, topicOf(i)), id }
}

/** `ms` unless the attack is called off first. */
async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
  })
}

/** Publish raw bytes on a topic; a hostile node does not care whether anyone got them. */
async function shout (agent: Agent, topic: string, data: Uint8Array): Promise<void> {
  await agent.network.peer.services.pubsub.publish(announceTopic(topic), data).catch(() => undefined)
}

async function repeat (ctx: AttackContext, everyMs: number, round: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; !ctx.signal.aborted; i++) {
    await round(i).catch(() => undefined)
    await pause(everyMs, ctx.signal)
  }
}

/** A header envelope with any author, signed by `signer` (so the signer need not be the author), built by hand: seal() refuses a signature that does not verify. */
function headerSignedBy (entry: LogEntry, signer: Signer): Uint8Array {
  const payload = encode(entry)
  return encode({ d: Domains.logEntry.name, t: LOG_ENTRY_TYPE, p: payload, s: [[signer.publicKey, signer.sign(signingBytes(Domains.logEntry.name, LOG_ENTRY_TYPE, payload))]] })
}

function fakeEntry (author: Uint8Array, seq: number): LogEntry {
  const body = randomBytes(64)
  return { v: 1, author, seq, prev: seq === 1 ? null : randomBytes(32), ts: Date.now(), kind: 'descriptor', bodyHash: sha256(body), bodySize: body.byteLength, topics: [topicOf(seq)], tp: [0], keywords: ['forged'] }
}

export const ATTACKS: Record<AdversaryKind, (ctx: AttackContext) => Promise<void>> = {
  /** Many fresh identities, each announcing: cheap to make, so they must earn no trust by numbers. */
  async sybil (ctx) {
    const agents = [ctx.agent, ...await Promise.all([1, 2, 3].map(async n => await ctx.spawn(`sybil-${n}`)))]
    await repeat(ctx, 3_000, async i => {
      await Promise.all(agents.map(async (a, n) => await a.network.discovery.publish(ownDescriptor(a, i * agents.length + n, `sybil-${n}-${i}`))))
    })
  },

  /** Headers in an honest author's name (its key, not its signature), and descriptors claiming another agent or config. */
  async forger (ctx) {
    const { agent } = ctx
    await repeat(ctx, 1_000, async i => {
      const victim = ctx.victims[i % ctx.victims.length]!
      // Signed by us but naming the victim as author; then the victim's key beside a signature it never made.
      const byUs = headerSignedBy(fakeEntry(victim, 1_000 + i), agent.signer)
      const impostor = { publicKey: victim, sign: () => randomBytes(64) }
      const unsigned = headerSignedBy(fakeEntry(victim, 2_000 + i), impostor)
      for (const header of [byUs, unsigned]) {
        ctx.report({ forgedHeader: hex(sha256(header)) })
        for (const topic of TOPICS) await shout(agent, topic, header)
      }
      // Our own valid header over a descriptor that names the victim, then one claiming a config our BAID does not commit to.
      const own = ownDescriptor(agent, i, `forged-${i}`)
      await agent.network.discovery.publish(i % 2 === 0 ? { ...own, agent: victim } : { ...own, configDigest: randomBytes(32) })
    })
  },

  /** Honest authors' validly signed headers, sent again long after they spread: on their own topic and on every other. */
  async replayer (ctx) {
    const { agent } = ctx
    const firstSeen = new Map<string, number>()
    const pubsub = agent.network.peer.services.pubsub
    await repeat(ctx, 2_000, async () => {
      const now = Date.now()
      const held = ctx.victims.flatMap(v => agent.network.discovery.logs.range(v, 1, Number.MAX_SAFE_INTEGER, MAX_RANGE_ENTRIES))
      // Only old news: what every honest node had time to get (a fresh header we pass on is forwarding, not a replay).
      const old = held.filter(h => { const key = hex(sha256(h)); if (!firstSeen.has(key)) firstSeen.set(key, now); return now - firstSeen.get(key)! > REPLAY_AGE_MS })
      // Our own gossipsub remembers what it saw and refuses to publish it again: a modified node forgets.
      ;(pubsub as unknown as { seenCache: { clear (): void } }).seenCache.clear()
      for (const header of old.slice(-40)) {
        ctx.report({ replayed: hex(sha256(header)), at: Date.now() })
        for (const topic of TOPICS) await shout(agent, topic, header)
      }
    })
  },

  /** Announces normally, then signs a second, different entry at a position of its log honest peers already hold. */
  async equivocator (ctx) {
    const { agent } = ctx
    // Once its neighbours' subscriptions are known: a first entry sent to nobody would leave the twin the only one they saw.
    await pause(3_000, ctx.signal)
    await repeat(ctx, 2_000, async i => {
      // On every topic, so every honest node holds the entry its twin contradicts.
      const signed = await agent.network.discovery.publish({ ...ownDescriptor(agent, i, `equivocal-${i}`), topics: [...TOPICS] })
      await pause(2_500, ctx.signal)
      const body = randomBytes(48)
      const { v: _v, author: _author, ...fields } = signed.entry
      const twin = signEntry({ ...fields, ts: fields.ts + 1, bodyHash: sha256(body), bodySize: body.byteLength }, agent.signer)
      for (const topic of signed.entry.topics) await shout(agent, topic, twin.bytes)
    })
  },

  /** Floods gossip with junk and oversized messages, and every neighbour with gap-fill requests. */
  async spammer (ctx) {
    const { agent } = ctx
    let junk = 0
    let requests = 0
    await repeat(ctx, 100, async i => {
      for (let k = 0; k < 10; k++) await shout(agent, topicOf(i + k), randomBytes(k === 0 ? 2_000 : 64 + ((i * 31 + k * 97) % 800)))
      junk += 10
      for (const peer of agent.network.peer.getPeers().slice(0, 8)) {
        void agent.network.peer.dialProtocol(peer, StreamProtocols.range, { signal: AbortSignal.timeout(2_000) })
          .then(async stream => { stream.send(lengthPrefixed(encode({ i: 0, m: encode({ a: randomBytes(32), f: 1, t: 1_000_000 }) }))); await stream.close() })
          .catch(() => undefined)
        requests++
      }
      if (i % 20 === 0) { ctx.report({ sent: 'junk gossip messages', count: junk }); ctx.report({ sent: 'range requests', count: requests }) }
    })
  },

  /** Two hostile agents praise each other with receipts of tasks that never ran, and rate an honest agent with a forged co-signature. */
  async colluder (ctx) {
    const a = ctx.agent
    const b = await ctx.spawn('colluder-partner')
    await repeat(ctx, 2_000, async i => {
      const topic = topicOf(i)
      const [requester, provider] = i % 2 === 0 ? [a, b] : [b, a]
      await requester.network.discovery.publishRating(sealReceipt({ task: `praise-${i}`, topic, satisfied: true }, requester.signer, provider.signer), topic)
      const victim = ctx.victims[i % ctx.victims.length]!
      const forged = forgedReceipt({ task: `slander-${i}`, topic, satisfied: false }, a.signer, victim)
      ctx.report({ forgedReceipt: hex(sha256(forged)) })
      await a.network.discovery.publishRating(forged, topic)
    })
  },

  /** Re-announces one capability under the same id with another schema each time: drift from what peers pinned. */
  async drifter (ctx) {
    const { agent } = ctx
    await repeat(ctx, 2_500, async i => {
      const base = ownDescriptor(agent, 0, 'drifting-capability')
      await agent.network.discovery.publish({ ...base, inputSchema: { ...base.inputSchema, title: `changed ${i}` }, issuedAt: Date.now() })
    })
  },

  /** Opens streams and raw TCP connections to every neighbour and dribbles a byte at a time, never finishing a frame. */
  async slowloris (ctx) {
    const { agent } = ctx
    const streams: Stream[] = []
    const sockets: Socket[] = []
    const protocols = [StreamProtocols.fetch, StreamProtocols.range, StreamProtocols.task, StreamProtocols.topicPeers]
    const open = async (peer: PeerId): Promise<void> => {
      await Promise.all(protocols.flatMap(protocol => Array.from({ length: 8 }, async () => {
        const stream = await agent.network.peer.dialProtocol(peer, protocol, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
        if (stream === undefined) return
        stream.send(Uint8Array.of(0xff)) // a varint that promises more length bytes
        streams.push(stream)
      })))
      const known = await agent.network.peer.peerStore.get(peer).catch(() => undefined)
      for (const address of known?.addresses ?? []) {
        const match = /^\/ip4\/([\d.]+)\/tcp\/(\d+)$/.exec(address.multiaddr.toString())
        if (match === null) continue
        for (let k = 0; k < 8; k++) {
          const socket = tcpConnect(Number(match[2]), match[1]!)
          socket.on('error', () => undefined)
          sockets.push(socket)
        }
      }
    }
    const met = new Set<string>()
    await repeat(ctx, 1_000, async () => {
      const fresh = agent.network.peer.getPeers().filter(peer => !met.has(peer.toString()))
      for (const peer of fresh) met.add(peer.toString())
      await Promise.all(fresh.map(open))
      for (const stream of streams) if (stream.status === 'open') stream.send(Uint8Array.of(0xff))
      for (const socket of sockets) if (!socket.destroyed) socket.write(Uint8Array.of(0x13))
      ctx.report({ sent: 'streams opened', count: streams.length })
      ctx.report({ sent: 'raw TCP connections opened', count: sockets.length })
      ctx.report({ sent: 'streams still open', count: streams.filter(s => s.status === 'open').length })
      ctx.report({ sent: 'raw TCP connections still open', count: sockets.filter(s => !s.destroyed).length })
    })
    for (const socket of sockets) socket.destroy()
  }
}

function lengthPrefixed (bytes: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let n = bytes.byteLength
  while (n >= 0x80) { prefix.push((n & 0x7f) | 0x80); n >>>= 7 }
  prefix.push(n)
  return Uint8Array.from([...prefix, ...bytes])
}

/** A receipt whose provider signature is made up: the provider never agreed to it. */
function forgedReceipt (receipt: { task: string, topic: string, satisfied: boolean }, requester: Signer, provider: Uint8Array): Uint8Array {
  const payload = encode(receipt)
  const message = signingBytes(Domains.receipt.name, RECEIPT_TYPE, payload)
  return encode({ d: Domains.receipt.name, t: RECEIPT_TYPE, p: payload, s: [[requester.publicKey, requester.sign(message)], [provider, randomBytes(64)]] })
}
