import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

// The layering rules live in eslint.config.js; this keeps them from silently rotting.
const eslint = new ESLint({ cwd: fileURLToPath(new URL('../..', import.meta.url)) })

async function importErrors (filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {}\n`, { filePath })
  return (result?.messages ?? []).filter(m => m.ruleId !== '@typescript-eslint/no-unused-vars').map(m => `${m.ruleId}: ${m.message}`)
}

describe('layering', () => {
  it('forbids core/ from importing electron, statically or lazily', async () => {
    expect(await importErrors('core/identity/x.ts', "import { safeStorage } from 'electron'")).toEqual([expect.stringMatching(/never import electron/)])
    expect(await importErrors('core/x.ts', "import type { App } from 'electron/main'")).toHaveLength(1)
    expect(await importErrors('core/x.ts', "export const e = await import('electron')")).toHaveLength(1)
  })

  it('forbids core/ from importing a face', async () => {
    expect(await importErrors('core/net/x.ts', "import { x } from '../../electron/main.ts'")).toHaveLength(1)
  })

  it('lets renderer/ import only core/api from core', async () => {
    expect(await importErrors('renderer/app.ts', "import { x } from '../core/identity/baid.ts'")).toEqual([expect.stringMatching(/only core\/api/)])
    expect(await importErrors('renderer/lib/app.ts', "import type { Database } from '../../core/store/database.ts'")).toHaveLength(1)
    expect(await importErrors('renderer/app.ts', "import { readFileSync } from 'node:fs'")).toHaveLength(1)
    expect(await importErrors('renderer/app.ts', "import { toErrorInfo } from '../core/api/errors.ts'")).toEqual([])
  })

  it('lets electron/ import values only from core/api, core/host.ts and the polyfills', async () => {
    expect(await importErrors('electron/main.ts', "import { openDatabase } from '../core/store/database.ts'")).toEqual([expect.stringMatching(/may import values only from core\/api/)])
    expect(await importErrors('electron/main.ts', "import '../core/common/polyfills.ts'\nimport { app } from 'electron'\nimport { createHost } from '../core/host.ts'")).toEqual([])
    expect(await importErrors('electron/secret-store.ts', "import type { SecretStore } from '../core/identity/secret-store/secret-store.ts'")).toEqual([])
  })
})
