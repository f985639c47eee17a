import { z } from 'zod'
import { API_PARAMS } from '../api/app-schemas.ts'
import { isApiMethod, type ApiMethod, type ParamsOf } from '../api/app.ts'
import { UsageError } from '../api/errors.ts'
import type { Handler, Handlers } from './context.ts'

// One way into any set of handlers: the method must be the contract's, its params must pass the method's schema, and the
// answer or the named error goes back as is.

/** Bad input is the person's (or the UI's) to fix: one UsageError saying what is wrong. */
export function parseParams<M extends ApiMethod> (method: M, params: unknown): ParamsOf<M> {
  const parsed = (API_PARAMS[method] as z.ZodType).safeParse(params ?? {})
  if (!parsed.success) throw new UsageError([...new Set(parsed.error.issues.map(i => i.message))].join('; '), { hint: `see the params of ${method} in core/api/app.ts` })
  return parsed.data as ParamsOf<M>
}

export async function dispatch (handlers: Handlers, method: string, params: unknown): Promise<unknown> {
  if (!isApiMethod(method)) throw new UsageError(`there is no command "${method.slice(0, 64)}"`)
  const handler = handlers[method] as Handler<ApiMethod> | undefined
  if (handler === undefined) throw new UsageError(`"${method}" is not answered here`, { hint: 'start the daemon (`hearth daemon`) or the app, which answer every command' })
  return await handler(parseParams(method, params))
}

/** The handlers as a record of name → untrusted-params function, for the control socket and the CLI's in-process fallback. */
export function asControlHandlers (handlers: Handlers): Record<string, (params: unknown) => Promise<unknown>> {
  return Object.fromEntries(Object.keys(handlers).map(method => [method, async (params: unknown) => await dispatch(handlers, method, params)]))
}
