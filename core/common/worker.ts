import { Worker } from 'node:worker_threads'

/**
 * A worker thread running the module `name` (no extension) beside the caller (`callerUrl`: its import.meta.url): the
 * compiled `.js` once built, else the TypeScript source, with the tsx loader registered inside the thread first (a worker
 * does not inherit the caller's loader).
 */
export function startWorker (callerUrl: string, name: string, workerData?: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts')
  const entry = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl)
  if (!fromSource) return new Worker(entry, { workerData })
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
