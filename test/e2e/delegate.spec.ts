import { expect, test } from '@playwright/test'
import { readState } from './fixtures.ts'
import { openView } from './ui.ts'

// The person hands a task to the network from the Delegate view and watches its negotiation reach completed.

const { person } = readState()

test('a delegated word count is negotiated with a demo peer and reaches completed in the timeline', async ({ page }) => {
  const intent = `count the words of a text ${Math.random().toString(36).slice(2, 8)}`
  await page.goto(person.url)
  await openView(page, 'Delegate')
  await page.getByLabel('What do you want done?').fill(intent)
  await page.getByLabel(/^Input/).fill('one two three four five')
  // The demo peers' word count shows among the ranked candidates before anything is sent.
  await expect(page.getByRole('region', { name: 'Candidates' })).toContainText('word', { timeout: 60_000 })
  await page.getByRole('button', { name: 'Start negotiation' }).click()
  if (!/negotiations|tasks/.test(page.url())) await openView(page, 'Negotiations')
  const task = page.getByRole('region', { name: 'Tasks' }).getByRole('link', { name: intent })
  await expect(task).toContainText('completed', { timeout: 90_000 })
  await task.click()
  const timeline = page.getByRole('region', { name: 'Timeline' })
  // Terms, offers, the ranking, the state changes up to completed, and the co-signed receipt trust forms from.
  for (const line of ['Terms offered', 'Offer', 'Providers ranked', 'completed', 'Receipt']) await expect(timeline).toContainText(line)
  await expect(page.getByLabel('Result')).toContainText('"words":5')
})
