import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { InvalidRatingError } from '../../../core/api/errors.ts'
import { migrations } from '../../../core/migrations.ts'
import { ReputationStore } from '../../../core/reputation/store.ts'
import { closeDatabase, openDatabase, type Database } from '../../../core/store/database.ts'
import { tempDir } from '../../helpers/tmp.ts'

// Migration 13: ratings name their topic by number. An installation's ratings come through it whole, and read as before.

const key = (n: number): Buffer => Buffer.alloc(32, n)
const open: Database[] = []
afterEach(() => { for (const db of open.splice(0)) closeDatabase(db) })

it('is registered as migration 13 and carries every rating across, topic names and weights intact', () => {
  const path = join(tempDir(), 'hearth.sqlite')
  const before = openDatabase(path, migrations.slice(0, 12))
  const insert = before.prepare('INSERT INTO ratings (topic, rater, ratee, receipt, satisfied, unsatisfied, ts) VALUES (?, ?, ?, ?, ?, ?, ?)')
  insert.run('data_analysis', key(1), key(2), key(10), 1, 0, 5)
  insert.run('data_analysis', key(1), key(2), key(11), 0, 1, 6)
  insert.run('code_generation', key(3), key(2), key(10), 2, 0, 7)
  closeDatabase(before)

  const db = openDatabase(path, migrations)
  open.push(db)
  expect(migrations[12]?.name).toBe('rating-topics')
  expect(db.pragma('user_version', { simple: true })).toBe(13)
  const store = new ReputationStore(db)
  expect(store.ratingCount()).toBe(3)
  expect(store.ratingCount('data_analysis')).toBe(2)
  expect(store.topics()).toEqual(['code_generation', 'data_analysis'])
  expect([...store.ratingsByTopic('data_analysis')]).toEqual([{ rater: key(1), ratee: key(2), topic: 'data_analysis', satisfied: 1, unsatisfied: 1 }])
  expect([...store.decayedRatings(7, 1000)].map(t => t.topic).sort()).toEqual(['code_generation', 'data_analysis'])

  // New ratings join the topics already numbered, and the same receipt is still held once.
  const rating = (receipt: number, topic: string) => ({ rater: key(1), ratee: key(2), topic, satisfied: 1, unsatisfied: 0, receipt: key(receipt), ts: 8 })
  expect(store.ingestRatings([rating(10, 'data_analysis'), rating(12, 'data_analysis'), rating(12, 'creative_writing')])).toBe(2)
  expect(store.ratingCount('data_analysis')).toBe(3)
  expect(db.prepare('SELECT count(*) FROM rating_topics').pluck().get()).toBe(3)
  // A topic name out of bounds is refused as before, and nothing of its batch stays.
  expect(() => store.ingestRatings([rating(13, 'translation'), rating(14, 'x'.repeat(65))])).toThrow(InvalidRatingError)
  expect(() => store.ingestRatings([rating(15, '')])).toThrow(InvalidRatingError)
  expect(store.ratingCount()).toBe(5)
  expect(store.topics()).toEqual(['code_generation', 'creative_writing', 'data_analysis'])
})
