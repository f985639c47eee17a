import { HearthError, toErrorInfo } from '../api/errors.ts'

// How every command reports: people get readable lines; `--json` gets exactly one JSON line, last on stdout.

export interface OutputOptions { readonly json?: boolean }

export function report<T> (options: OutputOptions, value: T, human: (value: T) => string): void {
  if (options.json === true) process.stdout.write(`${JSON.stringify(value)}\n`)
  else process.stdout.write(`${human(value)}\n`)
}

/** Say what went wrong and what to do, in one line; with --json also as the last stdout line. Exit non-zero. */
export function fail (options: OutputOptions, err: unknown): never {
  const info = toErrorInfo(err)
  const line = info.hint === undefined ? `hearth: ${info.message}` : `hearth: ${info.message} — ${info.hint}`
  process.stderr.write(`${line.replace(/\s*\n\s*/g, ' ')}\n`)
  if (!(err instanceof HearthError) && process.env.HEARTH_DEBUG !== undefined) process.stderr.write(`${(err as Error).stack ?? ''}\n`)
  if (options.json === true) process.stdout.write(`${JSON.stringify({ error: info })}\n`)
  process.exit(1)
}

export function log (message: string): void {
  process.stderr.write(`${message}\n`)
}
