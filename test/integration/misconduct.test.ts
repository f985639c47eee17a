import { randomBytes } from 'node:crypto'
import { afterAll, expect, it } from 'vitest'
import { gossipScore } from '../../core/net/gossip-config.ts'
import { announceTopic } from '../../core/net/protocols.ts'
import { networkAgent, TASK_TOPIC, type NetworkAgent } from '../helpers/agents.ts'
import { agentDescriptor } from '../helpers/descriptors.ts'
import { meshPeers } from '../helpers/gossip-node.ts'
import { eventually } from '../helpers/peers.ts'

// First-hand misconduct between two real agents: a peer that sends what no honest peer sends is shunned, cut off, and
// refused when it dials again.

const agents: NetworkAgent[] = []

afterAll(async () => { await Promise.all(agents.splice(0).map(a => a.host.stop())) })

it('shuns a peer that floods it with junk gossip, cuts it off, and refuses it when it dials again', async () => {
  const { host: honest, net: h } = await networkAgent({}, [], agents)
  const { net: r } = await networkAgent({}, [h.peer.getMultiaddrs()[0]!.toString()], agents)
  const rudeId = r.peer.peerId.toString()
  const topic = announceTopic(TASK_TOPIC)
  await eventually(() => r.peer.services.pubsub.getSubscribers(topic).some(p => p.equals(h.peer.peerId)), 'the honest agent on the topic, as the rude one sees it', 15_000)

  // Each is a header that does not decode: no honest peer sends one.
  for (let i = 0; i < 3; i++) await r.peer.services.pubsub.publish(topic, randomBytes(300)).catch(() => undefined)
  await eventually(() => honest.reputation.shuns(rudeId), 'the rude peer shunned', 15_000)
  expect(honest.reputation.conductOf(rudeId).counts['invalid-message']).toBeGreaterThanOrEqual(2)
  // Cut off by the honest side: what it sends on the open connection would still cost decoding.
  await eventually(() => !h.peer.getPeers().some(p => p.toString() === rudeId), 'the rude peer cut off', 10_000)
  // gossipsub still remembers what it did: its score stays negative after it left.
  expect(gossipScore(h.peer.services.pubsub, rudeId)).toBeLessThan(0)

  // Dialling again, it gets no further than the handshake that names it.
  await r.peer.dial(h.peer.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
  await new Promise(resolve => setTimeout(resolve, 1_000))
  expect(h.peer.getPeers().map(String)).not.toContain(rudeId)
}, 60_000)

it('drops a shunned author\'s news when an honest relay forwards it, without blaming the relay; others\' news still arrives', async () => {
  const { host: relay, net: b } = await networkAgent({}, [], agents)
  const { host: author, net: a } = await networkAgent({}, [b.peer.getMultiaddrs()[0]!.toString()], agents)
  const { host: honest, net: c } = await networkAgent({}, [b.peer.getMultiaddrs()[0]!.toString()], agents)
  const topic = announceTopic(TASK_TOPIC)
  const authorId = a.peer.peerId.toString()
  const relayId = b.peer.peerId.toString()
  await eventually(() => b.peer.services.pubsub.getSubscribers(topic).length >= 2 && c.peer.services.pubsub.getSubscribers(topic).some(p => p.equals(b.peer.peerId)), 'the relay meshed with both', 15_000)
  await c.peer.dial(a.peer.getMultiaddrs()[0]!)
  // In the honest node's mesh, so gossipsub's heartbeat reads (and caches) its score every second.
  await eventually(() => meshPeers(c.peer, topic).map(String).includes(authorId), 'the author in the honest node\'s mesh', 15_000)
  // What the honest node saw the author do elsewhere (two messages no honest peer sends): it shuns the author.
  honest.reputation.noteMisconduct(authorId, 'invalid-message')
  honest.reputation.noteMisconduct(authorId, 'invalid-message')
  expect(honest.reputation.shuns(authorId)).toBe(true)
  // gossipsub scores it down at once, not a heartbeat later: its next message is already graylisted.
  expect(gossipScore(c.peer.services.pubsub, authorId)).toBeLessThan(0)
  // Cut off, so the author's news can reach the honest node only through the relay.
  await eventually(() => !c.peer.getPeers().some(p => p.toString() === authorId), 'the author cut off by the honest node', 10_000)
  const refused: string[] = []
  c.discovery.events.on('gossip:verdict', ({ verdict, from }) => { if (verdict === 'refused') refused.push(from) })

  const authorKey = author.identity.chain().head.record.agent
  const relayKey = relay.identity.chain().head.record.agent
  await a.discovery.publish(agentDescriptor(author, 1, TASK_TOPIC))
  await eventually(() => b.discovery.logs.latest(authorKey, 'descriptor') !== undefined, 'the author\'s announcement at the relay', 20_000)
  // The relay forwards it once it holds the body: the honest node refuses it there, from the relay.
  await eventually(() => refused.includes(relayId), 'the author\'s announcement refused as the relay forwards it', 20_000)
  // Others' news through the same relay still arrives: the relay's own announcement.
  await b.discovery.publish(agentDescriptor(relay, 2, TASK_TOPIC))
  await eventually(() => c.discovery.logs.latest(relayKey, 'descriptor') !== undefined, 'the relay\'s announcement at the honest node', 20_000)

  expect(c.discovery.logs.latest(authorKey, 'descriptor')).toBeUndefined()
  expect(honest.reputation.conductOf(relayId).counts).toEqual({}) // nothing it did is held against the relay
  expect(honest.reputation.shuns(relayId)).toBe(false)
  expect(gossipScore(c.peer.services.pubsub, relayId)).toBeGreaterThanOrEqual(0)
  expect(relay.reputation.shuns(authorId)).toBe(false) // the relay saw nothing wrong
}, 90_000)
