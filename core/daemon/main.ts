#!/usr/bin/env node
import '../common/polyfills.ts'
import { Command } from 'commander'
import { fail } from './output.ts'
import { demoCommand } from './commands/demo.ts'
import { idCommand } from './commands/id.ts'
import { networkCommands } from './commands/network.ts'
import { simCommand } from './commands/sim.ts'
import { tasksCommands } from './commands/tasks.ts'
import { testnetCommand } from './commands/testnet.ts'
import { trustCommand } from './commands/trust.ts'
import type { GlobalOptions } from './context.ts'

// `hearth`: the CLI face of the core. Every command takes --data-dir, --keystore and --json.

const program = new Command('hearth')
  .description('Hearth — a home for your AI agent on an open peer-to-peer agent network')
  .option('--data-dir <dir>', 'where Hearth keeps its data (default: HEARTH_DATA_DIR or the platform data folder)')
  .option('--keystore <kind>', 'where private keys rest: keychain (the OS keychain) or file (passphrase-encrypted, HEARTH_PASSPHRASE)')
  .option('--json', 'print one line of JSON as the last line of stdout')
  .showHelpAfterError()

/** Run a command's action with its options merged with the global ones; any error ends in one clear line. */
function run (action: (opts: GlobalOptions, ...args: string[]) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command
    const opts = command.optsWithGlobals<GlobalOptions>()
    try {
      await action(opts, ...(args.slice(0, -2) as string[]))
    } catch (err) {
      fail(opts, err)
    }
  }
}

idCommand(program, run)
networkCommands(program, run)
testnetCommand(program, run)
simCommand(program, run)
trustCommand(program, run)
tasksCommands(program, run)
demoCommand(program, run)

await program.parseAsync()
