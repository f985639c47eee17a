import '../../core/common/polyfills.ts'
import { Command } from 'commander'
import { benchDiscovery } from './discovery.ts'
import { benchIdentity } from './identity.ts'

// `npm run bench -- <name> [--json]`: each benchmark prints a table to stderr and, with --json, one JSON line last on stdout.

const program = new Command('bench').description('Hearth benchmarks: figures beside a baseline measured in the same run')

program.command('identity')
  .description('T0/T1 verification rates against raw native and @noble Ed25519 verifies')
  .option('--json', 'print one line of JSON as the last line of stdout')
  .action((opts: { json?: boolean }) => {
    const result = benchIdentity()
    process.stderr.write([
      'identity verification (per second, same run):',
      `  native Ed25519 verify   ${result.native_verify_per_s}`,
      `  noble Ed25519 verify    ${result.noble_verify_per_s}  (${(result.noble_verify_per_s / result.native_verify_per_s).toFixed(2)}× native)`,
      `  T0 envelope             ${result.t0_per_s}`,
      `  T1 envelope + BAID      ${result.t1_per_s}  (${result.t1_vs_native}× native; target ≥ ${result.target_t1_vs_native}: ${result.target_met ? 'met' : 'MISSED'})`,
      `  cold chain verify (3 records) ${result.t1_cold_chain_ms} ms`,
      ''
    ].join('\n'))
    process.stdout.write(opts.json === true ? `${JSON.stringify(result)}\n` : '')
  })

program.command('discovery')
  .description('intent queries through discover over 10,000 descriptors against a brute-force scan of the same descriptors')
  .option('--json', 'print one line of JSON as the last line of stdout')
  .action(async (opts: { json?: boolean }) => {
    const result = await benchDiscovery()
    process.stderr.write([
      `discovery over ${result.descriptors} descriptors, ${result.queries} intents (ms per query, same run):`,
      `  index build             ${result.index_build_ms} ms`,
      `  discover (index)        p50 ${result.p50_ms}  p99 ${result.p99_ms}  (target p99 ≤ ${result.target_p99_ms}: ${result.target_met ? 'met' : 'MISSED'})`,
      `  brute-force scan        p50 ${result.scan_p50_ms}  p99 ${result.scan_p99_ms}  (index ${result.speedup_p99}× faster at p99)`,
      `  same top candidate      ${(result.top1_agreement * 100).toFixed(1)}% of intents`,
      ''
    ].join('\n'))
    process.stdout.write(opts.json === true ? `${JSON.stringify(result)}\n` : '')
  })

await program.parseAsync()
