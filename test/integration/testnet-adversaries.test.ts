import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { hearth } from '../helpers/cli.ts'

// A short attacked testnet (the full one is `hearth testnet --nodes 30 --adversaries sybil,forger,…`): 4 honest daemons and
// 3 hostile peers, each its own process, attacking through the real wire protocol.

describe('hearth testnet --adversaries', () => {
  it('takes nothing forged or replayed, penalises every offender in gossip and reputation, and honest announcements still arrive', async () => {
    const run = await hearth(['testnet', '--nodes', '4', '--announcements', '16', '--adversaries', 'forger,replayer,equivocator', '--json'])
    expect(run.code).toBe(0)
    const { attack, bodyless } = run.json
    const why = `${JSON.stringify(attack)}\n${run.stderr.split('\n').filter(l => l.includes('attack')).join('\n')}`
    expect(attack.forged_accepted, why).toBe(0)
    expect(attack.replayed_accepted, why).toBe(0)
    expect(attack.honest_delivery).toBe(bodyless.delivery)
    expect(attack.honest_delivery, why).toBeGreaterThanOrEqual(0.9)
    // Late ones count by the end of the run: the attack may delay honest news, and loses none of it here.
    expect(attack.honest_delivery_eventual, why).toBe(bodyless.delivery_eventual)
    expect(attack.honest_delivery_eventual, why).toBeGreaterThanOrEqual(attack.honest_delivery)
    // Its baseline: the same announcements without the adversaries, run just before.
    expect(attack.honest_delivery_unattacked, why).toBeGreaterThanOrEqual(0.9)
    const { equivocator, forger, replayer } = attack.offenders_by_kind
    // The equivocator announces on every topic, so every honest node sees both entries: it scores it down and slashes it.
    expect(equivocator.witnessed, why).toBeGreaterThan(0)
    expect(equivocator.witnessed, why).toBe(equivocator.saw)
    expect(equivocator.gossip_penalised, why).toBe(equivocator.witnessed)
    expect(equivocator.reputation_penalised, why).toBe(equivocator.witnessed)
    expect(attack.offenders_escaped, why).toEqual([])
    // Forged headers and replays moved to other topics are rejected, so their senders' scores fall; each honest node that met
    // them also shuns them for what it saw them send (first-hand conduct), so neither gets work or connections from it.
    // They send their forgeries and replays on every topic: whoever saw them act saw them offend.
    for (const kind of [forger, replayer]) {
      expect(kind.witnessed, why).toBeGreaterThan(0)
      expect(kind.witnessed, why).toBe(kind.saw)
      expect(kind.gossip_penalised, why).toBe(kind.witnessed)
      expect(kind.reputation_penalised, why).toBe(kind.witnessed)
    }
    expect(attack.offenders_unwitnessed, why).toEqual([])
    // Honest peers forward the equivocator's other branch in good faith: no honest node scores them down for it.
    expect(attack.honest_penalised, why).toBe(0)
    // Nor notes misconduct against them: each point would lower an honest peer's gossip score.
    expect(attack.honest_misconduct, why).toBe(0)
    expect(attack.offenders_penalised, why).toBe(1)
    expect(attack.honest_max_rss_mb).toBeGreaterThan(0)
    expect(attack.honest_max_rss_mb).toBeLessThan(300)
    // The machine's load beside the delivery figures: the adversaries' processes run on the honest nodes' cores.
    expect(attack.machine_cores).toBe(availableParallelism())
    expect(attack.honest_cores).toBe(bodyless.cores)
    expect(attack.honest_cores_unattacked, why).toBeGreaterThan(0)
    expect(attack.adversary_cores, why).toBeGreaterThan(0)
    expect(attack.adversary_cores, why).toBeLessThanOrEqual(attack.machine_cores)
    // The log splits that load by kind, so the heaviest hostile process can be told apart.
    const byKind = /adversaries' processes used ([\d.]+) cores from joining to here \(forger ([\d.]+), replayer ([\d.]+), equivocator ([\d.]+)\)/.exec(run.stderr)
    expect(byKind, run.stderr).not.toBeNull()
    const [total, ...kinds] = byKind!.slice(1).map(Number)
    expect(Math.abs(kinds.reduce((s, c) => s + c, 0) - total!)).toBeLessThanOrEqual(0.02)
  }, 180_000)

  it('names the kinds it knows when given one it does not', async () => {
    const run = await hearth(['testnet', '--nodes', '2', '--adversaries', 'forger,gremlin', '--json'])
    expect(run.code).toBe(1)
    expect(run.json.error.name).toBe('UsageError')
    expect(run.json.error.message).toContain('gremlin')
    expect(run.json.error.message).toContain('equivocator')
  })
})
