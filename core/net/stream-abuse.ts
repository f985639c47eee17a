import type { PeerId, Stream } from '@libp2p/interface'
import { HearthError } from '../api/errors.ts'

// Requests that no honest peer sends on a Hearth stream protocol — left half-sent past the deadline, past their size limit, or
// malformed — reported per node to whoever keeps the peers' conduct (reputation), without the net layer depending on it.

export type StreamAbuseListener = (peer: PeerId, protocol: string, reason: string) => void

const listeners = new WeakMap<object, StreamAbuseListener>()

/** Where this node's stream handlers report abuse (one listener per node). */
export function onStreamAbuse (node: object, listener: StreamAbuseListener): void {
  listeners.set(node, listener)
}

/** Errors of the length-prefixed reader that only a sender breaking the framing causes. */
const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError'])

/**
 * Why a failed inbound request was the sender's fault, or undefined when it was not (it hung up, or we failed). `stalled`: our
 * deadline passed with part of its request received — an honest sender writes a request whole, while a peer (or this node)
 * merely too busy to send or read in time leaves nothing half-done.
 */
export function abuseIn (err: unknown, stalled: boolean): string | undefined {
  if (stalled) return 'request not finished before the deadline'
  if (!(err instanceof Error)) return undefined
  if (FRAMING_ERRORS.has(err.name)) return `broken framing (${err.name})`
  if (err instanceof HearthError && (err.name === 'MessageTooLargeError' || err.name === 'MalformedMessageError')) return `${err.name}: ${err.message}`
  return undefined
}

export function reportStreamAbuse (node: object, peer: PeerId, protocol: string, reason: string): void {
  listeners.get(node)?.(peer, protocol, reason)
}

/** Counts the bytes a stream has received so far (beside whatever reads them), until stopped. */
export function countReceived (stream: Stream): { readonly bytes: number, stop (): void } {
  const counter = { bytes: 0, stop: () => { stream.removeEventListener('message', onMessage) } }
  const onMessage = (evt: { data: { byteLength: number } }): void => { counter.bytes += evt.data.byteLength }
  stream.addEventListener('message', onMessage)
  return counter
}
