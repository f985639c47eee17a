import { expect, it } from 'vitest'
import { benchTask } from '../bench/task.ts'

it('runs the task bench small: every round trip between the two agents completes with a receipt both signed', async () => {
  const r = await benchTask(5)
  expect(r).toMatchObject({ tasks: 5, completed: 5, with_receipt: 5, target_p50_ms: 20 })
  expect(r.p50_ms).toBeGreaterThan(0)
  expect(r.p95_ms).toBeGreaterThanOrEqual(r.p50_ms)
  expect(r.mcp_echo_p50_ms).toBeGreaterThan(0)
  expect(r.ping_p50_ms).toBeGreaterThan(0)
  expect(r.cpu_ms_per_task).toBeGreaterThan(0)
}, 120_000)
