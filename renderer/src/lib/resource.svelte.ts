// One call's result as a view shows it: loading, its value, or the error with a hint.
import { errorInfo, type ErrorInfo } from './api.ts'

export class Resource<T> {
  value = $state.raw<T | undefined>(undefined)
  error = $state.raw<ErrorInfo | undefined>(undefined)
  loading = $state(false)
  readonly #load: () => Promise<T>
  #generation = 0

  constructor (load: () => Promise<T>) {
    this.#load = load
  }

  /** Later answers win over earlier ones, so a slow stale reply never overwrites a fresh one. */
  async reload (): Promise<void> {
    const generation = ++this.#generation
    this.loading = true
    try {
      const value = await this.#load()
      if (generation !== this.#generation) return
      this.value = value
      this.error = undefined
    } catch (err) {
      if (generation !== this.#generation) return
      this.error = errorInfo(err)
    } finally {
      if (generation === this.#generation) this.loading = false
    }
  }
}

/** Runs an action and returns the error for the view to show, or undefined when it worked. */
export async function attempt (action: () => Promise<unknown>): Promise<ErrorInfo | undefined> {
  try {
    await action()
    return undefined
  } catch (err) {
    return errorInfo(err)
  }
}
