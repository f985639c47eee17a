import { expect, it } from 'vitest'
import { benchReputation } from '../bench/reputation.ts'

it('runs the reputation bench small: the engine and the C baseline iterate the same graphs to the same vector', () => {
  const r = benchReputation({ peers: 3000, edges: 30_000, topics: 5, seedsPerTopic: 10, batch: 4000, reps: 1 })
  expect(r.edges).toBe(30_000)
  expect(r.rating_rows).toBeGreaterThan(30_000) // some triples carry a second receipt
  expect(r.iterations).toHaveLength(5)
  expect(r.baseline_c_iterations).toEqual(r.iterations)
  expect(r.vector_sum).toBeCloseTo(5, 6)
  expect(r.max_abs_diff).toBeLessThanOrEqual(1e-5)
  expect(r.seconds).toBeGreaterThan(0)
  expect(r.baseline_c_seconds).toBeGreaterThan(0)
  expect(r.ratio).toBeGreaterThan(0)
  expect(r.ingest_ratings_per_s).toBeGreaterThan(0)
}, 120_000)
