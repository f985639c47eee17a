import { describe, expect, it } from 'vitest'
import { RequestSessions, serveSessions } from '../../core/net/session.ts'
import { StreamProtocols } from '../../core/net/protocols.ts'
import { peerFactory } from '../helpers/peers.ts'
import { socketWrites } from '../helpers/socket-writes.ts'

// Noise hands TCP each frame as two buffers, its length prefix and its ciphertext; the peer's TCP writes them as one.

const newPeer = peerFactory()
const limits = { maxRequestBytes: 4 << 20, maxResponseBytes: 4 << 20, timeoutMs: 20_000 }

describe('TCP with coalesced writes', () => {
  it('sends each Noise frame\'s length prefix and ciphertext in one socket write', async () => {
    const server = await newPeer()
    await serveSessions(server, StreamProtocols.fetch, limits, async req => req)
    const client = await newPeer()
    await client.dial(server.getMultiaddrs()[0]!)
    const sessions = new RequestSessions(client, StreamProtocols.fetch, limits)
    await sessions.request(server.peerId, new Uint8Array(64)) // opens the session stream
    const { buffers, writes } = await socketWrites(async () => { expect(await sessions.request(server.peerId, new Uint8Array(300).fill(7))).toEqual(new Uint8Array(300).fill(7)) })
    // Uncoalesced, every buffer was its own write (38 for this exchange); coalesced, a Noise frame's two buffers are one.
    expect(buffers).toBeGreaterThan(10)
    expect(writes).toBeLessThan(buffers * 0.75)
    sessions.close()
  })

  it('still carries large answers whole, many at once, through the socket\'s backpressure', async () => {
    const server = await newPeer()
    await serveSessions(server, StreamProtocols.fetch, limits, async req => req.every(b => b === req[0]) ? new Uint8Array(512 << 10).fill(req[0]!) : new Uint8Array(0))
    const client = await newPeer()
    await client.dial(server.getMultiaddrs()[0]!)
    const sessions = new RequestSessions(client, StreamProtocols.fetch, limits)
    const answers = await Promise.all([1, 2, 3, 4].map(async k => await sessions.request(server.peerId, new Uint8Array(256 << 10).fill(k))))
    answers.forEach((answer, i) => {
      expect(answer.byteLength).toBe(512 << 10)
      expect(answer.every(b => b === i + 1)).toBe(true)
    })
    sessions.close()
  })
})
