import { parentPort } from 'node:worker_threads'
import type { MethodName } from './methods.ts'
import type { TrustScenario } from './scenario.ts'
import { runUnit } from './simulate.ts'

// A worker thread of `hearth sim trust`: runs the (seed, method) runs it is sent, reporting a progress line, then the metrics.

parentPort?.on('message', (message: { scenario: TrustScenario, seed: number, name: MethodName }) => {
  const metrics = runUnit(message.scenario, message.seed, message.name, line => parentPort?.postMessage({ kind: 'progress', line }))
  parentPort?.postMessage({ kind: 'done', metrics })
})
