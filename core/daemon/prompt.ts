import { createInterface } from 'node:readline'
import { PassphraseRequiredError, UsageError } from '../api/errors.ts'
import type { PassphraseSource } from '../identity/secret-store/secret-store.ts'

/** A passphrase from the environment variable `envName` or, in a terminal, typed with echo off. */
export function passphraseFrom (envName: string, label: string): PassphraseSource {
  return async ({ confirm, what }) => {
    const fromEnv = process.env[envName]
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv
    if (process.stdin.isTTY !== true) {
      throw new PassphraseRequiredError(`a ${label} is needed to unlock ${what}`, { hint: `set ${envName} or run the command in a terminal` })
    }
    const first = await askHidden(`${label} for ${what}: `)
    if (confirm && await askHidden(`Repeat the ${label}: `) !== first) throw new UsageError('the two passphrases differ', { hint: 'run the command again' })
    if (first === '') throw new PassphraseRequiredError(`an empty ${label} is not allowed`)
    return first
  }
}

function askHidden (question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    const output = rl as unknown as { _writeToOutput: (s: string) => void }
    let prompted = false
    // Echo the question once, then nothing of what is typed.
    output._writeToOutput = (s: string) => { if (!prompted) { prompted = true; process.stderr.write(s) } }
    rl.question(question, answer => { rl.close(); process.stderr.write('\n'); resolve(answer) })
    rl.on('SIGINT', () => { rl.close(); reject(new UsageError('cancelled')) })
  })
}

/** Ask yes/no in a terminal; without one, `--yes` must have been given. */
export async function confirmOrYes (question: string, yes: boolean | undefined): Promise<void> {
  if (yes === true) return
  if (process.stdin.isTTY !== true) throw new UsageError(`${question} needs confirmation`, { hint: 'pass --yes' })
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  const answer = await new Promise<string>(resolve => rl.question(`${question} [y/N] `, resolve))
  rl.close()
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('cancelled')
}
