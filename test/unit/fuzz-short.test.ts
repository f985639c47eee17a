import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { MalformedMessageError } from '../../core/api/errors.ts'
import { decode } from '../../core/common/codec.ts'
import { allTargets } from '../fuzz/all.ts'
import { fuzz } from '../fuzz/engine.ts'
import type { FuzzTarget } from '../fuzz/targets.ts'

// The short fuzz run inside `npm test`: every network-input decoder over a few hundred generated and mutated inputs
// (the full run is `npm run -s fuzz -- --json`, ≥ 100,000 per decoder).

const RUNS = 400
const SEED = 20261130
const targets = allTargets()
afterAll(async () => { for (const t of targets) await t.close?.() })

describe('short fuzz run', () => {
  it('covers every decoder that takes network input', () => {
    const names = targets.map(t => t.name)
    for (const name of ['signed-envelope', 'log-entry-header', 'capability-descriptor', 'baid-record', 'baid-bundle', 'task-request', 'task-offer', 'task-award', 'task-result', 'task-cancel', 'task-probe', 'receipt', 'rating', 'session-frame', 'session-answer', 'fetch-response', 'topic-peers-response', 'agent-card', 'a2a-request', 'api-websocket', 'api-dispatch']) {
      expect(names).toContain(name)
    }
  })

  for (const target of targets) {
    it(`${target.name}: every input is accepted or refused with a named error`, async () => {
      const report = await fuzz(target, RUNS, SEED)
      expect(report.inputs).toBe(RUNS)
      expect(report.findings).toEqual([])
      expect({ crashes: report.crashes, unnamed: report.unnamed_errors }).toEqual({ crashes: 0, unnamed: 0 })
      // Mutations of valid inputs must mostly be refused, or the decoder is not checking them.
      expect(report.refused).toBeGreaterThan(RUNS / 4)
    }, 30_000)
  }
})

describe('the fuzz harness', () => {
  const bytes = fc.uint8Array({ maxLength: 16 })
  const Shape = z.object({ n: z.number() })

  it('counts an unnamed error (a schema error let through) and a crash (a fault in the decoder) separately', async () => {
    const target: FuzzTarget = {
      name: 'careless',
      inputs: bytes,
      seeds: [new Uint8Array([0xa1, 0x61, 0x6e, 0x01])],
      run: b => {
        if (b.byteLength === 0) throw new MalformedMessageError('empty')
        if (b[0]! < 0x40) return (undefined as unknown as { x: number }).x
        return Shape.parse(decode(b, 64))
      }
    }
    const report = await fuzz(target, 300, SEED)
    expect(report.crashes).toBeGreaterThan(0)
    expect(report.unnamed_errors).toBeGreaterThan(0)
    expect(report.findings.map(f => f.kind)).toContain('crash')
  })

  it('counts an input that takes too long as a crash (a hang)', async () => {
    const target: FuzzTarget = { name: 'slow', inputs: bytes, concurrency: 2, run: async () => await new Promise(resolve => setTimeout(resolve, 2_500)) }
    const report = await fuzz(target, 2, SEED)
    expect(report.crashes).toBe(2)
    expect(report.findings[0]?.error).toMatch(/no answer within/)
  }, 10_000)
})
