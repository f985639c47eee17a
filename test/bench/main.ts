import '../../core/common/polyfills.ts'
import { Command } from 'commander'
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

await program.parseAsync()
