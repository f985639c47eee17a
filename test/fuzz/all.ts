import { a2aTarget, dispatchTarget, websocketTarget } from './socket-targets.ts'
import { byteTargets, cardTarget, fixtures, type FuzzTarget } from './targets.ts'

/** Every fuzz target, with fresh keys; socket targets start their servers in open() and stop them in close(). */
export function allTargets (): FuzzTarget<any>[] {
  const f = fixtures()
  return [...byteTargets(f), cardTarget(f), dispatchTarget(), websocketTarget(), a2aTarget(f)]
}
