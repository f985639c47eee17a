import { parentPort } from 'node:worker_threads'
import type { TrustScenario } from './scenario.ts'
import { runSeed } from './simulate.ts'

// A worker thread of `hearth sim trust`: runs the seeds it is sent, reporting progress lines, then the metrics.

parentPort?.on('message', (message: { scenario: TrustScenario, seed: number }) => {
  const metrics = runSeed(message.scenario, message.seed, line => parentPort?.postMessage({ kind: 'progress', line }))
  parentPort?.postMessage({ kind: 'done', metrics })
})
