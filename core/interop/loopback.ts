import { timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { A2aBindRefusedError } from '../api/errors.ts'

// The local endpoint's walls: loopback only, the right Host (no DNS rebinding), no browser origins, the launch's token.

export function isLoopback (address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
  if (isIP(v4) === 4) return v4.startsWith('127.')
  return address === '::1'
}

export function assertLoopbackBind (host: string): void {
  if (!isLoopback(host)) throw new A2aBindRefusedError(`the A2A endpoint binds to loopback only, not ${host}`, { hint: 'A2A clients on this machine reach it at 127.0.0.1; other machines talk to your agent over the Hearth network' })
}

export function originOf (host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}

/** A request from this machine, addressed to this endpoint by a loopback name, and not from a web page elsewhere. */
export function isLocalRequest (remote: string | undefined, hostHeader: string | undefined, origin: string | undefined, port: number, own: string): boolean {
  if (!isLoopback(remote)) return false
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
  if (hostHeader === undefined || !allowed.includes(hostHeader.toLowerCase())) return false
  return origin === undefined || origin === own
}

export function hasBearer (authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')
  if (match === null) return false
  const given = Buffer.from(match[1]!)
  const expected = Buffer.from(token)
  return given.byteLength === expected.byteLength && timingSafeEqual(given, expected)
}
