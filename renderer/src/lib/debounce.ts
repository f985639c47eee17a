// Waits for typing (or a slider) to settle before asking the core, and drops a call a newer one replaced.
export function debounce<A extends unknown[]> (fn: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = (...args: A): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => { timer = undefined; fn(...args) }, ms)
  }
  return Object.assign(run, { cancel: () => { if (timer !== undefined) clearTimeout(timer) } })
}
