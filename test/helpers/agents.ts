import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { hearth } from './cli.ts'
import { tempDir } from './tmp.ts'

// Agents as a person sets them up for the CLI tests: a data directory with a config and an identity (file keystore).

export const TASK_TOPIC = 'data_analysis'

/** The built-in word count, offered in TASK_TOPIC to any requester: what the provider daemons of the task tests serve. */
export const WORD_COUNT = {
  id: 'builtin/word-count',
  name: 'word count',
  description: 'Count the words and lines of a text',
  topics: [TASK_TOPIC],
  tags: ['words', 'count'],
  constraints: { maxInputBytes: 65_536, dataClasses: ['public'], minRequesterTrust: 0, ratePerMinute: 100, price: 1 }
}

/** A fresh data directory with `config.json` (these capabilities, listening to TASK_TOPIC) and a created identity. */
export async function agentDir (env: Record<string, string>, capabilities: unknown[] = [], config: Record<string, unknown> = {}): Promise<string> {
  const dir = tempDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, capabilities, interests: [TASK_TOPIC] }))
  expect((await hearth(['--data-dir', dir, '--keystore', 'file', 'id', 'create', '--json'], env)).code).toBe(0)
  return dir
}
