import { expect, it } from 'vitest'
import { sha256 } from '../../core/common/hash.ts'
import { StreamProtocols } from '../../core/net/protocols.ts'
import { RequestSessions, serveSessions } from '../../core/net/session.ts'
import { peerFactory } from '../helpers/peers.ts'
import { socketWrites } from '../helpers/socket-writes.ts'

// Receive credit on yamux streams is granted back once half the window is used, not after every data frame: a large
// transfer arrives whole, and costs its receiver a handful of window-update frames instead of one per frame.

const newPeer = peerFactory()
const limits = { maxRequestBytes: 64 << 10, maxResponseBytes: 1024, timeoutMs: 20_000 }

it('carries 2 MiB in 16 KiB messages whole, with a window-update frame per half window rather than per message', async () => {
  const server = await newPeer()
  await serveSessions(server, StreamProtocols.fetch, limits, async request => sha256(request))
  const client = await newPeer()
  await client.dial(server.getMultiaddrs()[0]!)
  const sessions = new RequestSessions(client, StreamProtocols.fetch, limits)
  await sessions.request(server.peerId, new Uint8Array(64)) // opens the session stream
  const messages = Array.from({ length: 128 }, (_, k) => new Uint8Array(16 << 10).map((_, i) => (i * 7919 + k) % 251))
  const { sizes } = await socketWrites(async () => {
    const answers = await Promise.all(messages.map(async m => await sessions.request(server.peerId, m)))
    answers.forEach((answer, k) => { expect(answer).toEqual(sha256(messages[k]!)) })
  })
  // A window update is a 12-byte yamux header in a Noise frame (2 + 12 + 16 bytes); nothing else here is that small.
  const updates = sizes.filter(n => n <= 40).length
  // Granted per data frame (js-yamux's own way) this is about one update per message read, on either side: 146 when measured.
  // By halves of a 256 KiB window, at most one per 128 KiB received (7 when measured).
  expect(updates).toBeGreaterThan(0)
  expect(updates).toBeLessThanOrEqual(16)
  sessions.close()
})
