import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

// Temp directories made during a test file, removed when the file is done (registered once, at import).
const made: string[] = []
afterAll(() => { for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true }) })

/** A fresh temp directory, removed after this test file. */
export function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-test-'))
  made.push(dir)
  return dir
}
