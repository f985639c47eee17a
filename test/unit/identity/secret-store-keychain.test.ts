import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { KeychainUnavailableError } from '../../../core/api/errors.ts'
import { KeychainSecretStore } from '../../../core/identity/secret-store/keychain.ts'
import { keychainAccounts, removeKeychainEntries } from '../../helpers/keychain.ts'
import { secretStoreCompliance } from './secret-store.compliance.ts'

// Runs against the real OS keychain (gnome-keyring over Secret Service in CI), never a mock.
// A host without one fails here, unless HEARTH_TEST_NO_KEYCHAIN=1 says that is expected.
const NO_KEYCHAIN = process.env.HEARTH_TEST_NO_KEYCHAIN === '1'
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

it('says where the secrets live: the OS keychain, service hearth, and the data directory\'s account prefix', () => {
  expect(new KeychainSecretStore({ namespace: 'ns-1' }).location).toMatch(/^OS keychain \(.+\), service hearth, account prefix ns-1\/$/)
})

if (NO_KEYCHAIN) {
  describe('KeychainSecretStore without an OS keychain (HEARTH_TEST_NO_KEYCHAIN=1)', () => {
    const store = new KeychainSecretStore({ namespace: `hearth-test-${randomUUID()}` })

    it.each([
      ['read', () => store.get('owner')],
      ['write', () => store.set('owner', new Uint8Array(32))],
      ['delete', () => store.delete('owner')]
    ])('cannot %s, and says to unlock the keyring or use --keystore file', async (action, op) => {
      const err = await op().then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(KeychainUnavailableError)
      expect((err as KeychainUnavailableError).message).toContain(`could not ${action} secret "owner" in the OS keychain`)
      expect((err as KeychainUnavailableError).hint).toMatch(/login keyring/)
      expect((err as KeychainUnavailableError).hint).toContain('`--keystore file`')
    })
  })
} else {
  describe('KeychainSecretStore on the real OS keychain', () => {
    const namespace = `hearth-test-${randomUUID()}`

    afterEach(async () => {
      await removeKeychainEntries(namespace)
    })

    it('reaches an unlocked OS keychain (on a host without one, set HEARTH_TEST_NO_KEYCHAIN=1)', async () => {
      const store = new KeychainSecretStore({ namespace })
      await store.set('owner', new Uint8Array([1, 2, 3]))
      expect(await store.get('owner')).toEqual(new Uint8Array([1, 2, 3]))
    })

    it('keeps each secret as its own OS keychain entry under service hearth and the data directory\'s prefix', async () => {
      const store = new KeychainSecretStore({ namespace })
      await store.set('owner', new Uint8Array(32))
      await store.set('agent/12D3KooWA', new Uint8Array(32))
      expect(await keychainAccounts(`${namespace}/`)).toEqual([`${namespace}/agent/12D3KooWA`, `${namespace}/owner`])
      await store.delete('owner')
      expect(await keychainAccounts(`${namespace}/`)).toEqual([`${namespace}/agent/12D3KooWA`])
    })
  })

  secretStoreCompliance('keychain', {
    persistent: true,
    create: async () => {
      const run = `hearth-test-${randomUUID()}`
      return {
        open: async place => new KeychainSecretStore({ namespace: `${run}-${place}` }),
        cleanup: async () => removeKeychainEntries(run)
      }
    }
  })

  // Only Linux reaches its keychain over D-Bus, so only there can a dead bus address take it away.
  describe.runIf(process.platform === 'linux')('without a Secret Service', () => {
    it('every keychain operation fails with KeychainUnavailableError (HEARTH_TEST_NO_KEYCHAIN=1 run in a child process)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'hearth-no-keychain-'))
      try {
        const report = join(dir, 'report.json')
        const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')))
        const child = spawnSync(process.execPath, [
          join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run',
          'test/unit/identity/secret-store-keychain.test.ts', 'test/unit/identity/open-secret-store.test.ts',
          '--reporter=json', `--outputFile=${report}`
        ], {
          cwd: ROOT,
          env: { ...env, HEARTH_TEST_NO_KEYCHAIN: '1', DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'no-such-bus')}` },
          encoding: 'utf8',
          timeout: 90_000
        })
        const results = (JSON.parse(await readFile(report, 'utf8')) as JsonReport).testResults.flatMap(file => file.assertionResults)
        const failed = results.filter(r => r.status !== 'passed').map(r => r.fullName)
        expect(failed, child.stderr).toEqual([])
        expect(child.status, child.stderr).toBe(0)
        const withoutKeychain = results.filter(r => r.fullName.includes('HEARTH_TEST_NO_KEYCHAIN=1'))
        expect(withoutKeychain.map(r => r.title)).toEqual(expect.arrayContaining([
          'cannot read, and says to unlock the keyring or use --keystore file',
          'cannot write, and says to unlock the keyring or use --keystore file',
          'cannot delete, and says to unlock the keyring or use --keystore file'
        ]))
        expect(withoutKeychain.length).toBeGreaterThanOrEqual(4)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }, 120_000)
  })
}

interface JsonReport { testResults: Array<{ assertionResults: Array<{ title: string, fullName: string, status: string }> }> }
