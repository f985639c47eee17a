import { performance } from 'node:perf_hooks'

/** Operations per second of `op`, run in batches for about `ms` after a short warm-up. */
export function perSecond (op: (i: number) => void, ms = 1500): number {
  for (let i = 0; i < 200; i++) op(i)
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) op(count + i)
    count += 100
    elapsed = performance.now() - start
  }
  return Math.round(count / (elapsed / 1000))
}
