import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { ENV, ROOT, VIEWS } from './fixtures.ts'

// The same flows in the desktop app, where an Electron binary exists (npm ci skips its download; it cannot be fetched on
// every machine). Without one, the spec says why it skips.

const binaryPath = join(ROOT, 'node_modules', 'electron', 'path.txt')
const hasElectron = existsSync(binaryPath)
if (!hasElectron) process.stderr.write('electron.spec: skipped — no Electron binary (node_modules/electron/path.txt is missing; `npm start` fetches it on a connected machine)\n')

test.describe('desktop app (Electron)', () => {
  test.skip(!hasElectron, 'no Electron binary: node_modules/electron/path.txt is missing')

  test('opens on the Inbox and moves through every main view', async () => {
    // A throwaway data folder: never the person's own.
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-e2e-electron-'))
    const app = await electron.launch({ args: [join(ROOT, 'electron', 'bootstrap.mjs')], cwd: ROOT, env: { ...process.env, ...ENV, HEARTH_DATA_DIR: dataDir } })
    try {
      const window = await app.firstWindow()
      for (const view of VIEWS) {
        await window.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: view }).click()
        await expect(window.getByRole('heading', { level: 1, name: view, exact: true })).toBeVisible()
      }
    } finally {
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
