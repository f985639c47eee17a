import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'
import { DescriptorPins } from '../../../../core/discovery/pins.ts'
import { makeDescriptor } from '../../../helpers/descriptors.ts'
import { tempDir } from '../../../helpers/tmp.ts'

let db: Database

beforeEach(() => {
  const path = join(tempDir(), 'hearth.sqlite')
  closeDatabase(openDatabase(path, migrations.slice(0, 3)))
  db = openDatabase(path, migrations.slice(0, 4))
})
afterEach(() => closeDatabase(db))

it('is registered as migration 4', () => {
  expect(migrations[3]?.name).toBe('discovery-pins')
  expect(db.pragma('user_version', { simple: true })).toBe(4)
})

it('keeps one pin per (agent, capability) and only well-formed digests', () => {
  const insert = db.prepare('INSERT INTO descriptor_pins (agent, capability, schema_digest, config_digest, pinned_at) VALUES (?, ?, ?, ?, 0)')
  insert.run(Buffer.alloc(32, 1), 'cap', Buffer.alloc(32), Buffer.alloc(32))
  expect(() => insert.run(Buffer.alloc(32, 1), 'cap', Buffer.alloc(32), Buffer.alloc(32))).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insert.run(Buffer.alloc(31, 1), 'cap2', Buffer.alloc(32), Buffer.alloc(32))).toThrow(/CHECK/)
  expect(() => db.prepare("INSERT INTO descriptor_drift (agent, capability, what, pinned_digest, seen_digest, detected_at) VALUES (?, 'c', 'price', x'00', x'01', 0)").run(Buffer.alloc(32))).toThrow(/CHECK/)
})

it('pins a capability on first sight and reports a later schema or config change once as drift', () => {
  const pins = new DescriptorPins(db)
  const first = makeDescriptor(1)
  expect(pins.check(first, 1)).toEqual([])
  expect(pins.check({ ...first, description: 'reworded' }, 2)).toEqual([])
  const changed = { ...first, inputSchema: { type: 'object', properties: { exfiltrate: { type: 'string' } } }, configDigest: new Uint8Array(32).fill(9) }
  expect(pins.check(changed, 3).map(d => d.what).sort()).toEqual(['config', 'schema'])
  expect(pins.check(changed, 4)).toEqual([])
  expect(pins.drifts()).toHaveLength(2)
  pins.repin(changed, 5)
  expect(pins.check(changed, 6)).toEqual([])
})
