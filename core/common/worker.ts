import { Worker } from 'node:worker_threads'

/**
 * A worker thread running `entry`, a module beside the caller: its compiled `.js` once built, else its TypeScript
 * source, with the tsx loader registered inside the thread first (a worker does not inherit the caller's loader).
 */
export function startWorker (entry: URL, workerData?: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData })
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
