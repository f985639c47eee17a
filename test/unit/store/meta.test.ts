import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrations } from '../../../core/migrations.ts'
import { closeDatabase, openDatabase } from '../../../core/store/database.ts'
import { readMeta, writeMeta } from '../../../core/store/meta.ts'

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'hearth-meta-')) })
afterEach(() => rmSync(dir, { recursive: true, force: true }))

it('keeps the install id across restarts and stores updated facts', () => {
  const path = join(dir, 'hearth.sqlite')
  const first = openDatabase(path, migrations)
  const installId = readMeta(first, 'install_id')
  writeMeta(first, 'theme', 'dark')
  writeMeta(first, 'theme', 'light')
  closeDatabase(first)

  const again = openDatabase(path, migrations)
  expect(installId).toBeTypeOf('string')
  expect(readMeta(again, 'install_id')).toBe(installId)
  expect(readMeta(again, 'theme')).toBe('light')
  expect(readMeta(again, 'missing')).toBeUndefined()
  closeDatabase(again)
})
