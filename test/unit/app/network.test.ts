import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { peerViews, pinnedView } from '../../../core/app/network.ts'
import { agentNamer } from '../../../core/app/tasks.ts'
import { CapabilityIndex } from '../../../core/discovery/matcher.ts'
import { DescriptorPins } from '../../../core/discovery/pins.ts'
import { peerIdOf } from '../../../core/identity/ids.ts'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { makeDescriptor } from '../../helpers/descriptors.ts'
import { tempDir } from '../../helpers/tmp.ts'

// The Network view's pieces: one row per connected peer, and pinned capabilities with the drift the person must see.

const open: Database[] = []
afterEach(() => { for (const db of open.splice(0)) closeDatabase(db) })
const database = (): Database => { const db = openDatabase(join(tempDir(), 'hearth.sqlite'), migrations); open.push(db); return db }

describe('the peer list', () => {
  it('shows each peer once, with every address it is connected on and its first connection\'s direction and time', () => {
    const views = peerViews([
      { peerId: 'B', addr: '/ip4/127.0.0.1/tcp/2', direction: 'inbound', openedAt: 30 },
      { peerId: 'A', addr: '/ip4/127.0.0.1/tcp/1', direction: 'outbound', openedAt: 20 },
      { peerId: 'B', addr: '/ip4/127.0.0.1/tcp/3', direction: 'outbound', openedAt: 10 },
      { peerId: 'B', addr: '/ip4/127.0.0.1/tcp/3', direction: 'outbound', openedAt: 40 }
    ], peerId => peerId === 'A' ? 'baid:zA' : '', peerId => peerId === 'A' ? 'word count' : undefined)
    expect(views).toEqual([
      { baidId: '', peerId: 'B', addrs: ['/ip4/127.0.0.1/tcp/3', '/ip4/127.0.0.1/tcp/2'], direction: 'outbound', openedAt: 10 },
      { baidId: 'baid:zA', peerId: 'A', name: 'word count', addrs: ['/ip4/127.0.0.1/tcp/1'], direction: 'outbound', openedAt: 20 }
    ])
  })
})

describe('pinned descriptors', () => {
  it('list each pin with its name and its latest drift, and a repin starts clean', () => {
    const db = database()
    const pins = new DescriptorPins(db)
    const first = makeDescriptor(1)
    const index = new CapabilityIndex()
    index.upsert(first)
    expect(pins.check(first, 100)).toEqual([])
    const name = agentNamer(db)
    const peer = { baidId: '', peerId: peerIdOf(first.agent) }
    expect(pins.pinned().map(p => pinnedView(p, { index }, name))).toEqual([{ peer, capability: first.id, name: first.name, pinnedAt: 100 }])

    // The same capability with another input schema, then another config too: the latest drift shows.
    const changed = { ...first, inputSchema: { type: 'object', properties: { other: { type: 'string' } } } }
    expect(pins.check(changed, 200).map(d => d.what)).toEqual(['schema'])
    expect(pins.check({ ...changed, configDigest: new Uint8Array(32) }, 300).map(d => d.what)).toEqual(['config'])
    expect(pins.pinned().map(p => pinnedView(p, { index }, name))).toEqual([{ peer, capability: first.id, name: first.name, pinnedAt: 100, drift: { what: 'config', at: 300 } }])

    // Accepted by the person: pinned anew, no drift; a descriptor no longer held is named by its id.
    pins.repin(changed, 400)
    expect(pins.pinned().map(p => pinnedView(p, undefined, name))).toEqual([{ peer, capability: first.id, name: first.id, pinnedAt: 400 }])
  })
})
