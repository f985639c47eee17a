import { connect, type Socket } from 'node:net'
import type { Stream } from '@libp2p/interface'
import { afterAll, expect, it } from 'vitest'
import { announceTopic, StreamProtocols } from '../../core/net/protocols.ts'
import { networkAgent, TASK_TOPIC, type NetworkAgent } from '../helpers/agents.ts'
import { agentDescriptor } from '../helpers/descriptors.ts'
import { eventually } from '../helpers/peers.ts'

// Floods below the protocol, between real agents on loopback: half-open TCP connections and streams opened by the hundred.
// The victim holds none of them for long, and an honest neighbour's news still arrives.

const agents: NetworkAgent[] = []

afterAll(async () => { await Promise.all(agents.splice(0).map(a => a.host.stop())) })

/** The victim publishes one announcement; `neighbour` gets it whole (header by gossip, body pulled from the victim). */
async function newsArrives (victim: NetworkAgent, neighbour: NetworkAgent, i: number): Promise<void> {
  await eventually(() => victim.net.peer.services.pubsub.getSubscribers(announceTopic(TASK_TOPIC)).some(p => p.equals(neighbour.net.peer.peerId)), 'the neighbour on the victim\'s topic', 15_000)
  const descriptor = agentDescriptor(victim.host, i, TASK_TOPIC)
  const added: string[] = []
  const off = neighbour.net.discovery.events.on('descriptor:added', d => { added.push(d.id) })
  try {
    await victim.net.discovery.publish(descriptor)
    await eventually(() => added.includes(descriptor.id), 'the victim\'s announcement at its neighbour', 30_000)
  } finally {
    off()
  }
}

it('closes hundreds of half-open TCP connections without upgrading them, then serves an honest peer as before', async () => {
  const victim = await networkAgent({}, [], agents)
  const { port } = /\/tcp\/(?<port>\d+)/.exec(victim.net.peer.getMultiaddrs()[0]!.toString())!.groups!
  const sockets: Socket[] = []
  let closed = 0
  for (let i = 0; i < 300; i++) {
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => undefined)
    socket.on('close', () => { closed++ })
    // The first byte of a multistream header, then nothing: a handshake that never finishes.
    socket.write(Uint8Array.of(0x13))
    sockets.push(socket)
  }
  // Refused at once past the pending limit and the per-address rate; the rest dropped at the upgrade deadline.
  await eventually(() => closed === sockets.length, `every half-open connection closed by the victim (${closed} so far)`, 30_000)
  expect(victim.net.peer.getConnections()).toHaveLength(0)

  const neighbour = await networkAgent({}, [victim.net.peer.getMultiaddrs()[0]!.toString()], agents)
  await newsArrives(victim, neighbour, 1)
}, 90_000)

it('takes at most a few streams per protocol from one peer however many it opens, and honest pulls still succeed', async () => {
  const victim = await networkAgent({}, [], agents)
  const neighbour = await networkAgent({}, [victim.net.peer.getMultiaddrs()[0]!.toString()], agents)
  const flooder = await networkAgent({}, [victim.net.peer.getMultiaddrs()[0]!.toString()], agents)
  await eventually(() => flooder.net.peer.getPeers().some(p => p.equals(victim.net.peer.peerId)), 'the flooder connected', 15_000)

  // Body-pull streams by the hundred, each left idle once negotiated: one after another, so each meets the ones before it.
  const streams: Stream[] = []
  for (let i = 0; i < 200; i++) {
    const stream = await flooder.net.peer.dialProtocol(victim.net.peer.peerId, StreamProtocols.fetch, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
    if (stream !== undefined) streams.push(stream)
  }
  // The victim resets what it will not serve; give its resets time to arrive.
  const open = (): number => streams.filter(s => s.status === 'open').length
  await eventually(() => open() <= 4, `at most 4 of the flooder's streams left open (${open()} now)`, 15_000)
  expect(open(), 'the first few are served: a cap per peer, not a refusal of the protocol').toBeGreaterThan(0)

  // Meanwhile the honest neighbour pulls the victim's news over the same protocol.
  await newsArrives(victim, neighbour, 2)
  expect(victim.net.peer.getPeers().some(p => p.equals(neighbour.net.peer.peerId))).toBe(true)
}, 90_000)
