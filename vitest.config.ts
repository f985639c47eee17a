import { configDefaults, defineConfig } from 'vitest/config'

// Files that start many processes or time soft state and deadlines run alone, after the rest; the rest run two at a time
// (most of their time is spent waiting on the daemons and CLI processes they start).
const ALONE = [
  'test/integration/testnet.test.ts',
  'test/integration/testnet-adversaries.test.ts',
  'test/integration/soak.test.ts',
  'test/integration/crash-safety.test.ts',
  'test/integration/task-faults.test.ts',
  'test/integration/discovery-soft-state.test.ts',
  'test/integration/cli-tasks.test.ts'
]

export default defineConfig({
  test: {
    setupFiles: ['core/common/polyfills.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'together', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE], maxWorkers: 2, sequence: { groupOrder: 0 } }
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } }
      }
    ]
  }
})
