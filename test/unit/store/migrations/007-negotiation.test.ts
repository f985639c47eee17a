import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../../core/migrations.ts'
import { closeDatabase, openDatabase, type Database } from '../../../../core/store/database.ts'
import { tempDir } from '../../../helpers/tmp.ts'

let db: Database

beforeEach(() => {
  // Migrate from version 6 to 7, as an installation made before the negotiation plane would.
  const path = join(tempDir(), 'hearth.sqlite')
  closeDatabase(openDatabase(path, migrations.slice(0, 6)))
  db = openDatabase(path, migrations.slice(0, 7))
})
afterEach(() => closeDatabase(db))

const insertTask = (id: string, state = 'submitted', role = 'requester') =>
  db.prepare('INSERT INTO tasks (id, role, topic, capability, state, deadline, created_at, updated_at) VALUES (?, ?, \'code_generation\', \'cap\', ?, 0, 0, 0)').run(id, role, state)

it('is registered as migration 7', () => {
  expect(migrations[6]?.name).toBe('negotiation')
  expect(db.pragma('user_version', { simple: true })).toBe(7)
})

it('keeps tasks in known states and roles, and transitions only of known tasks', () => {
  insertTask('a')
  expect(() => insertTask('a')).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => insertTask('b', 'pending')).toThrow(/CHECK/)
  expect(() => insertTask('c', 'submitted', 'broker')).toThrow(/CHECK/)
  const transition = db.prepare('INSERT INTO task_transitions (task, seq, from_state, to_state, at, actor, reason) VALUES (?, ?, NULL, \'submitted\', 0, \'self\', \'\')')
  transition.run('a', 0)
  expect(() => transition.run('a', 0)).toThrow(/UNIQUE|PRIMARY KEY/)
  expect(() => transition.run('ghost', 0)).toThrow(/FOREIGN KEY/)
})

it('keeps failure traces of known kinds as JSON', () => {
  const insert = db.prepare('INSERT INTO failure_traces (kind, topic, trace, recorded_at) VALUES (?, \'code_generation\', ?, 0)')
  insert.run('late_delivery', '{}')
  expect(() => insert.run('bad_vibes', '{}')).toThrow(/CHECK/)
  expect(() => insert.run('late_delivery', 'not json')).toThrow(/CHECK/)
})
