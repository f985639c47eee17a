import { join } from 'node:path'
import { afterEach } from 'vitest'
import { migrations } from '../../core/migrations.ts'
import { Policy, type PolicyInit } from '../../core/policy/service.ts'
import { closeDatabase, openDatabase, type Database } from '../../core/store/database.ts'
import { tempDir } from './tmp.ts'

// The policy plane over a real SQLite file, with a clock the test moves and a person who is there or not.

export const peer = (n: number): Buffer => Buffer.alloc(32, n)

export interface PolicyRig {
  readonly path: string
  readonly clock: { now: number }
  interactive: boolean
  db: Database
  policy: Policy
  /** Close the file and open it again, as a restart would. */
  reopen: () => Policy
}

const open: Array<{ db: Database, policy: Policy }> = []
afterEach(() => {
  for (const { db, policy } of open.splice(0)) { policy.stop(); closeDatabase(db) }
})

export function policyRig (init: Omit<PolicyInit, 'now'> = {}): PolicyRig {
  const path = join(tempDir(), 'hearth.sqlite')
  const clock = { now: Date.UTC(2026, 10, 1) }
  const start = (): { db: Database, policy: Policy } => {
    const db = openDatabase(path, migrations)
    const policy = new Policy({ db, interactive: () => rig.interactive }, { ...init, now: () => clock.now })
    open.push({ db, policy })
    return { db, policy }
  }
  const rig: PolicyRig = {
    path,
    clock,
    interactive: true,
    ...start(),
    reopen: () => {
      rig.policy.stop()
      closeDatabase(rig.db)
      const next = start()
      rig.db = next.db
      rig.policy = next.policy
      return next.policy
    }
  }
  return rig
}
