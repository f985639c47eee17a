import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

// The web UI's walls, checked on every request and WebSocket upgrade: a loopback Host (no DNS rebinding), no other
// origin, and the launch's token (in the URL, an Authorization header, or the cookie the first request set).

export type Refusal = { readonly status: 401 | 403 | 421, readonly text: string }

export interface UiGuard {
  /** What the request may not do, or undefined when it may go on. */
  refuse (headers: IncomingHttpHeaders, url: URL, opts: { readonly upgrade: boolean }): Refusal | undefined
  /** Whether the request carried the token itself (not only the cookie), so it should get the cookie. */
  needsCookie (headers: IncomingHttpHeaders, url: URL): boolean
  readonly cookie: string
}

export function uiGuard (port: number, token: string): UiGuard {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`]
  const origins = hosts.map(h => `http://${h}`)
  // Cookies ignore ports: one name per port keeps two daemons' UIs on this machine from overwriting each other's.
  const cookieName = `hearth-ui-${port}`
  const fromCookie = (headers: IncomingHttpHeaders): string | undefined => cookieValue(headers.cookie, cookieName)
  const fromRequest = (headers: IncomingHttpHeaders, url: URL): string | undefined =>
    url.searchParams.get('token') ?? /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1]

  return {
    cookie: `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
    refuse (headers, url, { upgrade }) {
      if (headers.host === undefined || !hosts.includes(headers.host.toLowerCase())) {
        return { status: 421, text: `This is the Hearth web UI: open it as http://127.0.0.1:${port}/ (the URL hearth daemon --ui printed).` }
      }
      const origin = headers.origin
      // Browsers always send Origin on a WebSocket; on plain requests only cross-origin ones carry it.
      if (upgrade ? origin === undefined || !origins.includes(origin) : origin !== undefined && !origins.includes(origin)) {
        return { status: 403, text: 'Requests from other web pages are refused.' }
      }
      const site = headers['sec-fetch-site']
      if (site === 'cross-site' || site === 'same-site') return { status: 403, text: 'Requests from other web pages are refused.' }
      if (!sameToken(fromRequest(headers, url), token) && !sameToken(fromCookie(headers), token)) {
        return { status: 401, text: 'Open the URL `hearth daemon --ui` printed: it carries this launch\'s token.' }
      }
      return undefined
    },
    needsCookie (headers, url) {
      return sameToken(fromRequest(headers, url), token) && !sameToken(fromCookie(headers), token)
    }
  }
}

function cookieValue (header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

function sameToken (given: string | undefined, token: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  // Constant time, so how long a refusal takes never tells how much of a guess was right.
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}
