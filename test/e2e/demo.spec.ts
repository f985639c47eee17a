import { expect, test, type Page } from '@playwright/test'
import { ownPerson, WORD_COUNT } from './fixtures.ts'
import { openView, watchCsp } from './ui.ts'

// A new person starts the demo from Settings: the demo agents' requests arrive in the Inbox (badge and list); a grant
// added under My agent answers that agent's next request; each decision shows under Decided; then the demo stops.
// This spec runs its own daemon, so the demo it starts meets a fresh person.

const person = ownPerson()

/** The Decided tab's row that says who or what decided (`you`, `a grant`, …). */
const decidedBy = (page: Page, by: string) => page.getByRole('region', { name: 'Decided requests' }).getByRole('row').filter({ has: page.getByRole('cell', { name: by, exact: true }) })

test('"Start demo" brings requests to the Inbox; a grant and the person answer them; "Stop demo" ends it', async ({ page }) => {
  // A daemon, three demo daemons and their requests, on a shared 2-core machine.
  test.setTimeout(240_000)
  const daemon = await person.start()
  const refused = await watchCsp(page)
  await page.goto(daemon.url)
  await expect(page.getByRole('navigation', { name: 'Main' }).getByLabel(/waiting$/)).toHaveCount(0)

  await openView(page, 'Settings')
  await page.getByRole('button', { name: 'Start demo' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'demo agents started' })).toBeVisible({ timeout: 120_000 })
  await expect(page.getByText('demo running')).toBeVisible()

  // Grant one demo agent the word count at once, before most of its requests arrive.
  await openView(page, 'My agent')
  const form = page.getByRole('form', { name: 'Add a grant' })
  const agentField = form.getByLabel(/^Agent/)
  const suggestion = page.locator('#grant-peers option').first()
  // The form suggests connected agents once their BAID is known here; it asks again each time the field gains focus.
  await expect(async () => {
    await agentField.blur()
    await agentField.focus()
    await expect(suggestion).toBeAttached({ timeout: 2_000 })
  }).toPass({ timeout: 60_000 })
  const granted = await suggestion.getAttribute('value')
  expect(granted).toMatch(/^baid:/)
  await agentField.fill(granted!)
  await form.getByLabel(/^Capability/).selectOption(WORD_COUNT.id)
  await form.getByLabel(/^For/).selectOption({ label: '1 hour' })
  await form.getByRole('button', { name: 'Grant' }).click()
  await expect(page.getByRole('button', { name: `Revoke the grant for ${WORD_COUNT.id} to ${granted!}` })).toBeVisible()

  // The other agents' requests wait for the person: the badge counts them and the list shows them.
  await openView(page, 'Inbox')
  await expect(page.getByRole('navigation', { name: 'Main' }).getByLabel(/^\d+ waiting$/)).toBeVisible({ timeout: 60_000 })
  const rows = page.getByRole('region', { name: 'Waiting requests' }).getByRole('link')
  await expect(rows.first()).toBeVisible()
  await expect(page.getByRole('heading', { level: 2 })).toContainText(WORD_COUNT.id)
  await page.getByRole('button', { name: 'Allow once' }).click()

  await page.getByRole('tab', { name: 'Decided' }).click()
  await expect(decidedBy(page, 'you').filter({ hasText: 'allowed' })).not.toHaveCount(0)
  // The granted agent's next request never reached the Inbox: its grant answered it.
  await expect(decidedBy(page, 'a grant').filter({ hasText: 'allowed' })).not.toHaveCount(0, { timeout: 60_000 })
  const shot = test.info().outputPath('inbox-decided.png')
  await page.screenshot({ path: shot, fullPage: true })
  await test.info().attach('Inbox, Decided', { path: shot, contentType: 'image/png' })

  await openView(page, 'Settings')
  await page.getByRole('button', { name: 'Stop demo' }).click()
  await expect(page.getByRole('status').filter({ hasText: '3 demo agents stopped' })).toBeVisible({ timeout: 60_000 })
  await expect(page.getByText('demo running')).toHaveCount(0)
  // Nothing on the way (the Inbox's list, the Decided tab, the grant form) needed an inline style.
  expect(refused).toEqual([])
})
