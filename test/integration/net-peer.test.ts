import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { request, serve } from '../../core/net/frames.ts'
import { RequestSessions, serveSessions } from '../../core/net/session.ts'
import { announceTopic, dhtBaidKey, StreamProtocols } from '../../core/net/protocols.ts'
import { meetSubscribers } from '../../core/net/rendezvous.ts'
import { onStreamAbuse } from '../../core/net/stream-abuse.ts'
import { eventually, peerFactory } from '../helpers/peers.ts'
import { Identity } from '../../core/identity/identity.ts'
import { IdentityStore } from '../../core/identity/identity-store.ts'
import { Keystore } from '../../core/identity/keystore.ts'
import { MemorySecretStore } from '../../core/identity/secret-store/memory.ts'
import { BaidVerifier } from '../../core/identity/verifier.ts'
import { migrations } from '../../core/migrations.ts'
import { openDatabase } from '../../core/store/database.ts'
import { digest } from '../helpers/identity.ts'
import { tempDir } from '../helpers/tmp.ts'

const newPeer = peerFactory()
const echoLimits = { maxRequestBytes: 1024, maxResponseBytes: 1024, timeoutMs: 5_000 }

describe('the libp2p peer', () => {
  it('forms a gossip mesh over bootstrap and carries a topic message across two hops', async () => {
    const hub = await newPeer()
    const hubAddr = hub.getMultiaddrs()[0]!.toString()
    const a = await newPeer({ bootstrap: [hubAddr] })
    const c = await newPeer({ bootstrap: [hubAddr] })
    const topic = announceTopic('code_generation')
    for (const p of [hub, a, c]) p.services.pubsub.subscribe(topic)
    const received: string[] = []
    c.services.pubsub.addEventListener('message', evt => { received.push(new TextDecoder().decode(evt.detail.data)) })
    // Two hops need the hub to have grafted both ends into its mesh (one heartbeat after subscriptions spread).
    // getMeshPeers is on the implementation, not the exported interface.
    const meshOf = (peer: typeof hub) => (peer.services.pubsub as unknown as { getMeshPeers: (t: string) => string[] }).getMeshPeers(topic)
    const meshed = (peer: typeof hub, ...others: Array<typeof hub>) => others.every(o => meshOf(peer).includes(o.peerId.toString()))
    await eventually(() => meshed(hub, a, c) && meshed(a, hub) && meshed(c, hub), 'the hub to mesh with both ends', 20_000)
    expect(a.getPeers().map(String)).not.toContain(c.peerId.toString())
    await a.services.pubsub.publish(topic, new TextEncoder().encode('hello from a'))
    await eventually(() => received.includes('hello from a'), 'the message at c')
  })

  it('meets a topic\'s subscribers through a neighbour that knows them, with no DHT record anywhere', async () => {
    const hub = await newPeer()
    const hubAddr = hub.getMultiaddrs()[0]!.toString()
    // DHT clients: a DHT walk from a reaches only the hub, never c.
    const a = await newPeer({ bootstrap: [hubAddr], dhtServer: false })
    const c = await newPeer({ bootstrap: [hubAddr], dhtServer: false })
    const topic = announceTopic('data_analysis')
    // The hub follows nothing; it only sees its neighbours' subscriptions. Nobody advertised the topic in the DHT.
    for (const p of [a, c]) p.services.pubsub.subscribe(topic)
    await eventually(() => hub.services.pubsub.getSubscribers(topic).length === 2, 'the hub to see both subscriptions')
    expect(a.getConnections(c.peerId)).toHaveLength(0)
    await meetSubscribers(a, 'data_analysis', AbortSignal.timeout(10_000))
    expect(a.getConnections(c.peerId).length).toBeGreaterThan(0)
    await eventually(() => a.services.pubsub.getSubscribers(topic).map(String).includes(c.peerId.toString()), 'c as a subscriber a knows')
  })

  it('ignores a remote peer\'s topics outside the allow-list', async () => {
    const ours = await newPeer()
    const rogue = await newPeer({ topics: [announceTopic('data_analysis'), 'rogue/topic'] })
    await rogue.dial(ours.getMultiaddrs()[0]!)
    ours.services.pubsub.subscribe(announceTopic('data_analysis'))
    rogue.services.pubsub.subscribe(announceTopic('data_analysis'))
    rogue.services.pubsub.subscribe('rogue/topic')
    await eventually(() => ours.services.pubsub.getSubscribers(announceTopic('data_analysis')).length > 0, 'the allowed subscription')
    expect(ours.services.pubsub.getSubscribers('rogue/topic')).toEqual([])
  })

  it('lets two peers that cannot dial each other talk through a relay', async () => {
    const relay = await newPeer({ relayServer: true })
    const relayAddr = relay.getMultiaddrs()[0]!
    // B has no address of its own: only a reservation on the relay.
    const b = await newPeer({ listen: ['/p2p-circuit'], bootstrap: [relayAddr.toString()] })
    await serve(b, StreamProtocols.fetch, echoLimits, async req => new Uint8Array([...req].reverse()))
    await eventually(() => b.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit')), 'a relay reservation')
    expect(b.getMultiaddrs().every(ma => ma.toString().includes('/p2p-circuit'))).toBe(true)

    const a = await newPeer({ listen: [] })
    const circuit = multiaddr(`${relayAddr.toString()}/p2p-circuit/p2p/${b.peerId.toString()}`)
    const conn = await a.dial(circuit)
    expect(conn.limits).toBeDefined() // a relayed, limited connection — not a direct one
    const answer = await request(a, b.peerId, StreamProtocols.fetch, new Uint8Array([1, 2, 3]), echoLimits)
    expect([...answer]).toEqual([3, 2, 1])
  })

  it('bounds request frames: an oversized request is refused by the server', async () => {
    const server = await newPeer()
    await serve(server, StreamProtocols.fetch, echoLimits, async req => req)
    const client = await newPeer()
    await client.dial(server.getMultiaddrs()[0]!)
    await expect(request(client, server.peerId, StreamProtocols.fetch, new Uint8Array(4096), echoLimits)).rejects.toThrow()
  })

  it('reports a peer that leaves its request half-sent or breaks the framing, and not one that asks properly, stays silent or hangs up', async () => {
    const server = await newPeer()
    const abuse: Array<{ peer: string, protocol: string, reason: string }> = []
    onStreamAbuse(server, (peer, protocol, reason) => { abuse.push({ peer: peer.toString(), protocol, reason }) })
    const quick = { ...echoLimits, timeoutMs: 1_000 }
    await serve(server, StreamProtocols.range, quick, async req => req)
    await serveSessions(server, StreamProtocols.fetch, quick, async req => req)
    const honest = await newPeer()
    await honest.dial(server.getMultiaddrs()[0]!)
    expect([...await request(honest, server.peerId, StreamProtocols.range, Uint8Array.of(1, 2), quick)]).toEqual([1, 2])
    // An honest session that idles between requests (through several watchdog periods below) is no abuse.
    const sessions = new RequestSessions(honest, StreamProtocols.fetch, quick)
    expect([...await sessions.request(server.peerId, Uint8Array.of(7))]).toEqual([7])
    const hangUp = await honest.dialProtocol(server.peerId, StreamProtocols.range)
    await hangUp.close()
    // Too busy to send its request in time (or this node too busy to read it): nothing half-done, so no fault of its own.
    const silent = await honest.dialProtocol(server.peerId, StreamProtocols.range)
    const rude = await newPeer()
    await rude.dial(server.getMultiaddrs()[0]!)
    // A length prefix that promises more bytes than ever come (slowloris), on a one-shot protocol and on a session; then a
    // length prefix that never ends, which the length-prefixed reader alone would buffer without bound.
    const stalled = await rude.dialProtocol(server.peerId, StreamProtocols.range)
    stalled.send(Uint8Array.of(10, 1, 2))
    const stalledSession = await rude.dialProtocol(server.peerId, StreamProtocols.fetch)
    stalledSession.send(Uint8Array.of(10, 1, 2))
    const endless = await rude.dialProtocol(server.peerId, StreamProtocols.fetch)
    endless.send(new Uint8Array(256 * 1024).fill(0xff))
    await eventually(() => abuse.length >= 3, 'three abuses reported', 10_000)
    expect(abuse.every(a => a.peer === rude.peerId.toString()), JSON.stringify(abuse)).toBe(true)
    expect(silent.status).not.toBe('open') // timed out by the server, unreported
    expect(abuse.map(a => `${a.protocol} ${a.reason}`).sort()).toEqual([
      `${StreamProtocols.fetch} more unread request bytes than a session may queue`,
      `${StreamProtocols.fetch} request not finished before the deadline`,
      `${StreamProtocols.range} request not finished before the deadline`
    ])
    // The honest peer's session still answers.
    expect([...await request(honest, server.peerId, StreamProtocols.range, Uint8Array.of(3), quick)]).toEqual([3])
    expect([...await sessions.request(server.peerId, Uint8Array.of(8))]).toEqual([8])
    sessions.close()
  })

  it('carries many pipelined requests over one session stream, and opens a new one after the holder restarts', async () => {
    const serverKey = await generateKeyPair('Ed25519')
    const server = await newPeer({ privateKey: serverKey })
    const upper = async (req: Uint8Array): Promise<Uint8Array> => new TextEncoder().encode(new TextDecoder().decode(req).toUpperCase())
    await serveSessions(server, StreamProtocols.fetch, echoLimits, upper)
    const client = await newPeer()
    await client.dial(server.getMultiaddrs()[0]!)
    const sessions = new RequestSessions(client, StreamProtocols.fetch, echoLimits)
    const words = Array.from({ length: 40 }, (_, i) => `body-${i}`)
    const answers = await Promise.all(words.map(async w => new TextDecoder().decode(await sessions.request(server.peerId, new TextEncoder().encode(w)))))
    expect(answers).toEqual(words.map(w => w.toUpperCase()))
    const fetchStreams = client.getConnections(server.peerId).flatMap(c => c.streams).filter(s => s.protocol === StreamProtocols.fetch)
    expect(fetchStreams).toHaveLength(1)

    // The holder goes away and comes back at the same address: the dead session is dropped and a fresh one serves.
    const addr = server.getMultiaddrs()[0]!
    await server.stop()
    await expect(sessions.request(server.peerId, new TextEncoder().encode('gone'))).rejects.toThrow()
    const again = await newPeer({ privateKey: serverKey, listen: [addr.decapsulateCode(421).toString()] })
    await serveSessions(again, StreamProtocols.fetch, echoLimits, upper)
    await client.dial(again.getMultiaddrs()[0]!)
    expect(new TextDecoder().decode(await sessions.request(again.peerId, new TextEncoder().encode('back')))).toBe('BACK')
    sessions.close()
  })

  it('answers a session\'s requests each when ready, and fails only the one its handler fails, with the reason', async () => {
    const server = await newPeer()
    // The first request waits (as a task waits for its person), the second fails, the third is answered at once.
    let release: () => void = () => {}
    const held = new Promise<void>(resolve => { release = resolve })
    await serveSessions(server, StreamProtocols.task, echoLimits, async req => {
      const text = new TextDecoder().decode(req)
      if (text === 'wait') await held
      if (text === 'fail') throw new Error('not this one')
      return req
    }, { concurrency: 4 })
    const client = await newPeer()
    await client.dial(server.getMultiaddrs()[0]!)
    const sessions = new RequestSessions(client, StreamProtocols.task, echoLimits)
    const ask = async (text: string): Promise<string> => new TextDecoder().decode(await sessions.request(server.peerId, new TextEncoder().encode(text)))
    const waiting = ask('wait')
    await expect(ask('fail')).rejects.toThrow(expect.objectContaining({ name: 'RemoteRequestError', message: expect.stringMatching(/not this one/) }))
    expect(await ask('quick')).toBe('quick')
    release()
    expect(await waiting).toBe('wait')
    sessions.close()
  })

  it('ends a session whose request frame is over the limit, without answering it', async () => {
    const server = await newPeer()
    await serveSessions(server, StreamProtocols.fetch, { ...echoLimits, maxRequestBytes: 64 }, async req => req)
    const client = await newPeer()
    await client.dial(server.getMultiaddrs()[0]!)
    // The client's own limit is higher, so the oversized frame reaches the server, which must refuse it.
    const sessions = new RequestSessions(client, StreamProtocols.fetch, echoLimits)
    await expect(sessions.request(server.peerId, new Uint8Array(512))).rejects.toThrow()
    expect(await sessions.request(server.peerId, new Uint8Array(16))).toHaveLength(16)
    sessions.close()
  })

  it('dials its bootstrap peers again after losing every connection', async () => {
    const hub = await newPeer()
    const a = await newPeer({ bootstrap: [hub.getMultiaddrs()[0]!.toString()] })
    // Both ends: the hub registers the inbound connection a moment after a does, and hanging up before that is a no-op.
    await eventually(() => a.getPeers().length > 0 && hub.getPeers().some(p => p.equals(a.peerId)), 'a to join through the hub')
    // The disconnect event, not a poll for zero peers: a may redial before a slow poll sees the gap.
    const lost = new Promise<void>(resolve => { a.addEventListener('peer:disconnect', () => resolve(), { once: true }) })
    await hub.hangUp(a.peerId)
    await lost
    await eventually(() => a.getPeers().some(p => p.equals(hub.peerId)), 'a to rejoin the hub', 30_000)
  }, 40_000)

  it('serves valid BAID records under the hearth DHT prefix and drops forged ones', async () => {
    const a = await newPeer()
    const b = await newPeer({ bootstrap: [a.getMultiaddrs()[0]!.toString()] })
    await eventually(() => b.getPeers().length > 0, 'a DHT peer')
    const agent = await testIdentity()
    const drain = async (events: AsyncIterable<unknown>) => { for await (const _ of events) { /* run the query */ } }

    await drain(b.services.dht.put(dhtBaidKey(agent.info.peerId), agent.bundle))
    const found = await firstValue(a.services.dht.get(dhtBaidKey(agent.info.peerId)))
    expect(found).toEqual(agent.bundle)

    // A bundle stored under someone else's PeerId, and garbage, never come back.
    const other = (await generateKeyPair('Ed25519')).publicKey.toString()
    await drain(b.services.dht.put(dhtBaidKey(other), agent.bundle)).catch(() => undefined)
    await drain(b.services.dht.put(dhtBaidKey(agent.info.peerId + 'x'), new Uint8Array([1, 2, 3]))).catch(() => undefined)
    expect(await firstValue(a.services.dht.get(dhtBaidKey(other)))).toBeUndefined()
  })
})

async function firstValue (events: AsyncIterable<{ name: string, value?: Uint8Array }>): Promise<Uint8Array | undefined> {
  try {
    for await (const event of events) if (event.name === 'VALUE' && event.value !== undefined) return event.value
  } catch { /* not found */ }
  return undefined
}

async function testIdentity () {
  const db = openDatabase(`${tempDir()}/hearth.sqlite`, migrations)
  const identity = new Identity({ store: new IdentityStore(db), keystore: new Keystore(new MemorySecretStore()), verifier: new BaidVerifier() })
  const info = await identity.create({ codeDigest: digest('code'), configDigest: digest('config') })
  return { info, bundle: identity.exportBundle() }
}
