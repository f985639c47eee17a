import type { ApiEventName, ApiEvents, ApiMethod, ParamsOf, ResultOf } from '../api/app.ts'
import type { Host, Network } from '../host.ts'

// What every handler factory of the app core gets, and the shape of what it returns. Handlers receive params already
// validated against core/api/app-schemas.ts, so a handler trusts its params' types.

/** One api method's implementation. */
export type Handler<M extends ApiMethod> = (params: ParamsOf<M>) => Promise<ResultOf<M>>

/** Some methods' implementations: each plane's factory returns the ones it answers. */
export type Handlers = Partial<{ [M in ApiMethod]: Handler<M> }>

/** Push one event to every subscribed UI. */
export type Emit = <E extends ApiEventName>(event: E, data: ApiEvents[E]) => void

/** What handler factories may use. The host is there once an identity exists; the network while the agent is online. */
export interface AppContext {
  readonly dataDir: string
  /** The open host (database, identity, reputation, policy); it exists from the start, even before first-run setup. */
  host (): Host
  /** The running network, or undefined while offline or before an identity exists. */
  network (): Network | undefined
  /** The running network, or a NotOnlineError saying why there is none. */
  requireNetwork (): Network
  emit: Emit
  /** Write one line to the audit log (and push `activity:added`). */
  record (entry: { kind: ActivityKind, summary: string, ref?: string }): void
}

export type ActivityKind = ApiEvents['activity:added']['kind']
