import { z } from 'zod'
import { isApiMethod, MAX_API_FRAME_BYTES, type ApiBackend } from '../core/api/app.ts'
import { API_PARAMS } from '../core/api/app-schemas.ts'
import { MalformedMessageError, MessageTooLargeError, toErrorInfo, UnknownMethodError, UntrustedSenderError, UsageError, type ErrorInfo } from '../core/api/errors.ts'

// The main side of the preload's two channels, free of electron imports so it is tested as is. Replies are envelopes,
// so a refusal reaches the renderer as a named error rather than an Error object IPC would strip.

export const CALL_CHANNEL = 'hearth:call'
export const EVENT_CHANNEL = 'hearth:event'

export type CallReply = { readonly ok: true, readonly value: unknown } | { readonly ok: false, readonly error: ErrorInfo }

const CallPayload = z.object({ method: z.string().max(64), params: z.unknown() }).strict()

/** Bytes the payload would take as JSON; IPC's structured clone has no limit of its own. */
function jsonBytes (value: unknown): number {
  try {
    const text = JSON.stringify(value)
    return text === undefined ? 0 : Buffer.byteLength(text)
  } catch {
    throw new MalformedMessageError('the call is not plain JSON data', { hint: 'send { method, params } with JSON values only' })
  }
}

/** One `hearth:call`: refused unless it comes from our page, is within the size bound and names a contract method with valid params. */
export async function answerCall (backend: ApiBackend, payload: unknown, trustedSender: boolean): Promise<CallReply> {
  try {
    if (!trustedSender) throw new UntrustedSenderError('this call did not come from the Hearth window\'s own page', { hint: 'only the app\'s page may talk to your agent' })
    if (jsonBytes(payload) > MAX_API_FRAME_BYTES) throw new MessageTooLargeError(`the call is larger than ${MAX_API_FRAME_BYTES} bytes`, { hint: 'send a smaller input' })
    const call = CallPayload.safeParse(payload)
    if (!call.success) throw new MalformedMessageError(`bad call: ${z.prettifyError(call.error)}`, { hint: 'send { method, params }' })
    const { method } = call.data
    if (!isApiMethod(method)) throw new UnknownMethodError(`the api has no method "${method}"`)
    const params = API_PARAMS[method].safeParse(call.data.params ?? {})
    if (!params.success) throw new UsageError(`bad params for ${method}: ${z.prettifyError(params.error)}`)
    const value = await backend.call(method, params.data)
    if (jsonBytes(value) > MAX_API_FRAME_BYTES) throw new MessageTooLargeError(`the answer is larger than ${MAX_API_FRAME_BYTES} bytes`, { hint: 'ask for less (a smaller limit)' })
    return { ok: true, value }
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) }
  }
}
