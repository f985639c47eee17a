import { expect, test } from '@playwright/test'
import WebSocket from 'ws'
import { readState } from './fixtures.ts'

// The web UI's walls: without this launch's token nothing is served, and a WebSocket from another origin is refused.

const { person } = readState()
const url = new URL(person.url)
const token = url.searchParams.get('token') ?? ''

test('a request without the launch token is refused with 401', async ({ page }) => {
  const bare = await page.goto(`${url.origin}/`)
  expect(bare?.status()).toBe(401)
  const api = await fetch(`${url.origin}/api`)
  expect(api.status).toBe(401)
  const wrong = await fetch(`${url.origin}/?token=${'x'.repeat(token.length)}`)
  expect(wrong.status).toBe(401)
  // The printed URL opens the app.
  const withToken = await page.goto(person.url)
  expect(withToken?.status()).toBe(200)
})

test('a WebSocket from another origin is refused, the UI\'s own origin is let in', async () => {
  const wsUrl = `ws://${url.host}/api?token=${token}`
  const refused = await connect(wsUrl, 'http://evil.example')
  expect(refused).toEqual({ opened: false, status: 403 })
  const noToken = await connect(`ws://${url.host}/api`, url.origin)
  expect(noToken).toEqual({ opened: false, status: 401 })
  const own = await connect(wsUrl, url.origin)
  expect(own).toEqual({ opened: true })
})

function connect (address: string, origin: string): Promise<{ opened: boolean, status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address, { headers: { Origin: origin } })
    ws.once('open', () => { ws.close(); resolve({ opened: true }) })
    ws.once('unexpected-response', (_req, res) => { resolve({ opened: false, status: res.statusCode ?? 0 }); ws.terminate() })
    ws.once('error', err => { if (ws.readyState !== WebSocket.CLOSED) reject(err) })
  })
}
