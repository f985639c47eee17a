import { encode, equalBytes } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import { softTransaction, type Database } from '../store/database.ts'
import type { CapabilityDescriptor } from './descriptor.ts'

// Pin what you saw (mechanisms §3, the MCP "rug-pull" lesson): a capability is pinned on first use; a later change of
// its schemas or its agent's config digest is drift, recorded and raised, never silently accepted as the same thing.

export interface Drift {
  readonly agent: Uint8Array
  readonly capability: string
  readonly what: 'schema' | 'config'
  readonly detectedAt: number
}

/** A pin as the Network view lists it, with the latest drift from it (if any) since it was pinned. */
export interface Pin {
  readonly agent: Uint8Array
  readonly capability: string
  readonly pinnedAt: number
  readonly drift?: { readonly what: Drift['what'], readonly at: number }
}

/** Pins listed at most at once: the view pages no further. */
const MAX_PINS = 1000

export function schemaDigestOf (descriptor: CapabilityDescriptor): Uint8Array {
  return sha256(encode({ input: descriptor.inputSchema, output: descriptor.outputSchema }))
}

export class DescriptorPins {
  private readonly db: Database
  private readonly sql: ReturnType<typeof prepare>

  constructor (db: Database) {
    this.db = db
    this.sql = prepare(db)
  }

  /** Pin a capability the first time it is seen; afterwards, report (and record) what drifted from the pin. */
  check (descriptor: CapabilityDescriptor, now: number): Drift[] {
    // Soft: a pin lost to a power cut is set again by the next announcement, and this runs for every descriptor received.
    return softTransaction(this.db, () => this.checkPin(descriptor, now))
  }

  private checkPin (descriptor: CapabilityDescriptor, now: number): Drift[] {
    const schema = schemaDigestOf(descriptor)
    const pin = this.sql.pin.get(descriptor.agent, descriptor.id) as { schema_digest: Buffer, config_digest: Buffer } | undefined
    if (pin === undefined) {
      this.sql.insertPin.run(descriptor.agent, descriptor.id, schema, descriptor.configDigest, now)
      return []
    }
    const drifts: Array<{ what: Drift['what'], pinned: Uint8Array, seen: Uint8Array }> = []
    if (!equalBytes(pin.schema_digest, schema)) drifts.push({ what: 'schema', pinned: pin.schema_digest, seen: schema })
    if (!equalBytes(pin.config_digest, descriptor.configDigest)) drifts.push({ what: 'config', pinned: pin.config_digest, seen: descriptor.configDigest })
    return drifts.filter(d => this.sql.recordDrift.run(descriptor.agent, descriptor.id, d.what, d.pinned, d.seen, now, descriptor.agent, descriptor.id, d.what, d.seen).changes > 0)
      .map(d => ({ agent: descriptor.agent, capability: descriptor.id, what: d.what, detectedAt: now }))
  }

  /** The person accepted the change: the current descriptor becomes the pin. */
  repin (descriptor: CapabilityDescriptor, now: number): void {
    this.sql.repin.run(descriptor.agent, descriptor.id, schemaDigestOf(descriptor), descriptor.configDigest, now)
  }

  /** Every pin, newest first, with its latest drift since it was pinned (a repin starts clean). */
  pinned (limit = MAX_PINS): Pin[] {
    return (this.sql.pinned.all(Math.min(limit, MAX_PINS)) as Array<{ agent: Buffer, capability: string, pinned_at: number, what: Drift['what'] | null, detected_at: number | null }>)
      .map(r => ({
        agent: new Uint8Array(r.agent),
        capability: r.capability,
        pinnedAt: r.pinned_at,
        ...(r.what === null || r.detected_at === null ? {} : { drift: { what: r.what, at: r.detected_at } })
      }))
  }

  drifts (): Drift[] {
    return (this.sql.drifts.all() as Array<{ agent: Buffer, capability: string, what: Drift['what'], detected_at: number }>)
      .map(r => ({ agent: new Uint8Array(r.agent), capability: r.capability, what: r.what, detectedAt: r.detected_at }))
  }
}

function prepare (db: Database) {
  return {
    pin: db.prepare('SELECT schema_digest, config_digest FROM descriptor_pins WHERE agent = ? AND capability = ?'),
    insertPin: db.prepare('INSERT INTO descriptor_pins (agent, capability, schema_digest, config_digest, pinned_at) VALUES (?, ?, ?, ?, ?)'),
    repin: db.prepare('INSERT OR REPLACE INTO descriptor_pins (agent, capability, schema_digest, config_digest, pinned_at) VALUES (?, ?, ?, ?, ?)'),
    recordDrift: db.prepare(`INSERT INTO descriptor_drift (agent, capability, what, pinned_digest, seen_digest, detected_at)
      SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM descriptor_drift WHERE agent = ? AND capability = ? AND what = ? AND seen_digest = ?)`),
    drifts: db.prepare('SELECT agent, capability, what, detected_at FROM descriptor_drift ORDER BY id'),
    pinned: db.prepare(`SELECT p.agent, p.capability, p.pinned_at, d.what, d.detected_at FROM descriptor_pins p
      LEFT JOIN descriptor_drift d ON d.id = (SELECT max(id) FROM descriptor_drift WHERE agent = p.agent AND capability = p.capability AND detected_at >= p.pinned_at)
      ORDER BY p.pinned_at DESC, p.capability LIMIT ?`)
  }
}
