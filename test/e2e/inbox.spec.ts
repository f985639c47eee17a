import { expect, test } from '@playwright/test'
import { askPerson } from '../../core/demo/index.ts'
import { readState, uniqueIntent, WORD_COUNT } from './fixtures.ts'
import { openRequest, openView } from './ui.ts'

// Requests from the demo peers reach the person's Inbox live; the person's answer decides what the peer gets.

const { person, demo } = readState()
const ask = (peer: number, what: string): { intent: string, answer: Promise<{ state: string, reason?: string }> } => {
  const intent = uniqueIntent(what)
  return { intent, answer: askPerson(demo.dataDirs[peer]!, WORD_COUNT, { intent, deadlineMs: 120_000 }) }
}

test.describe.configure({ mode: 'serial' })

test.beforeEach(async ({ page }) => {
  await page.goto(person.url)
  await openView(page, 'Inbox')
})

test('"Allow once" serves the request: the demo peer gets its word count', async ({ page }) => {
  const { intent, answer } = ask(0, 'allow-once')
  await openRequest(page, intent)
  await expect(page.getByRole('heading', { level: 2 })).toContainText(WORD_COUNT.id)
  await page.getByRole('button', { name: 'Allow once' }).click()
  expect((await answer).state).toBe('completed')
  await expect(page.getByLabel('Payload').filter({ hasText: intent })).toHaveCount(0)
})

test('"Deny" refuses it: the demo peer is declined', async ({ page }) => {
  const { intent, answer } = ask(1, 'deny')
  await openRequest(page, intent)
  await page.getByRole('button', { name: 'Deny' }).click()
  const denied = await answer
  expect(denied.state).toBe('rejected')
  expect(denied.reason).toMatch(/declined|denied|refused/i)
  await expect(page.getByLabel('Payload').filter({ hasText: intent })).toHaveCount(0)
})

test('"Allow for" makes a grant: the same peer\'s next request is served without asking', async ({ page }) => {
  const first = ask(2, 'grant')
  await openRequest(page, first.intent)
  await page.getByLabel('Grant duration').selectOption({ label: '1 hour' })
  await page.getByRole('button', { name: 'Allow for' }).click()
  expect((await first.answer).state).toBe('completed')

  // The next matching request never waits in the Inbox.
  const pendingBefore = await page.getByRole('region', { name: 'Waiting requests' }).getByRole('link').count()
  const second = ask(2, 'granted')
  expect((await second.answer).state).toBe('completed')
  await expect(page.getByRole('region', { name: 'Waiting requests' }).getByRole('link')).toHaveCount(pendingBefore)
  // Activity says the grant answered it.
  await openView(page, 'Activity')
  await expect(page.getByRole('main')).toContainText(/grant/i)
})
