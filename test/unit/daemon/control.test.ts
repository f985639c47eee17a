import { afterEach, expect, it } from 'vitest'
import type { Server } from 'node:net'
import { createConnection } from 'node:net'
import { callControl, controlPath, serveControl } from '../../../core/daemon/control.ts'
import { tempDir } from '../../helpers/tmp.ts'

// The control socket between the CLI (or the testnet orchestrator) and a daemon, over a real Unix socket.

const servers: Server[] = []
afterEach(async () => { await Promise.all(servers.splice(0).map(s => new Promise(resolve => s.close(resolve)))) })

it('answers a call, and names a command the daemon does not have', async () => {
  const dir = tempDir()
  servers.push(await serveControl(controlPath(dir), { 'echo': async params => params }))
  expect(await callControl(dir, 'echo', { a: 1 })).toEqual({ a: 1 })
  await expect(callControl(dir, 'nope')).rejects.toThrow('the daemon has no command "nope"')
})

it('fails a call at once when the daemon goes away before answering, instead of waiting out the timeout', async () => {
  const dir = tempDir()
  let hangUp = (): void => {}
  const server = await serveControl(controlPath(dir), { 'slow': async () => await new Promise(() => { hangUp() }) })
  servers.push(server)
  server.on('connection', socket => { hangUp = () => socket.destroy() })
  const began = Date.now()
  await expect(callControl(dir, 'slow', {}, 20_000)).rejects.toMatchObject({ name: 'DaemonNotRunningError' })
  expect(Date.now() - began).toBeLessThan(20_000)
})

it('survives a client that leaves before its answer is written', async () => {
  const dir = tempDir()
  let answer = (): void => {}
  const answered = new Promise<void>(resolve => { answer = resolve })
  servers.push(await serveControl(controlPath(dir), {
    // Busy, as a daemon writing a heap snapshot is: the client's hang-up is not seen until the answer is already being written.
    'late': async () => { const until = Date.now() + 300; while (Date.now() < until) { /* blocked */ } answer(); return { big: 'x'.repeat(512 * 1024) } },
    'echo': async params => params
  }))
  const client = createConnection(controlPath(dir))
  await new Promise(resolve => client.once('connect', resolve))
  client.write(`${JSON.stringify({ id: 1, method: 'late', params: {} })}\n`, () => { setTimeout(() => client.destroy(), 50) })
  await answered
  await new Promise(resolve => setTimeout(resolve, 100))
  // Still serving: the failed write to the departed client did not take the daemon down.
  expect(await callControl(dir, 'echo', { still: 'here' })).toEqual({ still: 'here' })
})
