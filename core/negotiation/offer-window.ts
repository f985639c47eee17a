import { anySignal } from '../common/abort.ts'

// When the leader stops collecting offers and ranks what it has: once every asked candidate answered; once `quorum`
// acceptable offers arrived and `graceMs` more passed (late but better offers still count); once any acceptable offer has
// waited `patienceMs` for company; or when the task ends. A candidate still deciding (its person, say) is not waited for
// until the deadline; its ask is aborted.

export interface OfferWindow {
  /** Acceptable offers that are enough to rank (capped at the number asked). */
  readonly quorum: number
  /** How long after the quorum is reached other offers are still taken. */
  readonly graceMs: number
  /** How long the first acceptable offer waits for the quorum before it is ranked alone (with any that came meanwhile). */
  readonly patienceMs: number
}

/** Two offers leave a failover; a quarter second lets a near-tie arrive; two seconds is as long as one offer waits for a second. */
export const DEFAULT_OFFER_WINDOW: OfferWindow = { quorum: 2, graceMs: 250, patienceMs: 2_000 }

/** What an ask that was cut off by the window is told (its signal's reason). */
export class OfferWindowClosed extends Error {
  override readonly name = 'OfferWindowClosed'
}

/**
 * Run every ask at once; answers in ask order, `undefined` for an ask still running when the window closed.
 * Asks must not reject (an unreachable candidate is an answer too); one that does counts as answered with nothing.
 */
export async function gatherOffers<T> (asks: ReadonlyArray<(signal: AbortSignal) => Promise<T>>, acceptable: (answer: T) => boolean, window: OfferWindow, signal: AbortSignal): Promise<Array<T | undefined>> {
  const answers: Array<T | undefined> = asks.map(() => undefined)
  if (asks.length === 0 || signal.aborted) return answers
  const cut = new AbortController()
  const asking = anySignal(signal, cut.signal)
  const quorum = Math.max(1, Math.min(window.quorum, asks.length))
  return await new Promise(resolve => {
    let answered = 0
    let accepted = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    let patience: ReturnType<typeof setTimeout> | undefined
    let closed = false
    const close = (): void => {
      if (closed) return
      closed = true
      clearTimeout(timer)
      clearTimeout(patience)
      signal.removeEventListener('abort', close)
      const taken = [...answers]
      cut.abort(new OfferWindowClosed('the leader ranked the offers it had'))
      resolve(taken)
    }
    signal.addEventListener('abort', close, { once: true })
    asks.forEach((ask, i) => {
      const settle = (answer: T | undefined): void => {
        if (closed) return
        answers[i] = answer
        answered++
        if (answer !== undefined && acceptable(answer)) accepted++
        if (answered === asks.length) close()
        else if (accepted >= quorum && timer === undefined) timer = setTimeout(close, window.graceMs)
        else if (accepted >= 1 && patience === undefined) patience = setTimeout(close, window.patienceMs)
      }
      ask(asking).then(settle, () => { settle(undefined) })
    })
  })
}
