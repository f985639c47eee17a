import { expect, type Page } from '@playwright/test'

// How the specs move through the UI, by the names a person reads: nav links, each view's h1, button labels.

/** Open a main view from the nav and wait for its heading. */
export async function openView (page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click()
  await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible()
}

/** Select, in the Inbox, the waiting request whose payload carries this intent (it arrives live). */
export async function openRequest (page: Page, intent: string): Promise<void> {
  const payload = page.getByLabel('Payload')
  await expect(async () => {
    const rows = page.getByRole('region', { name: 'Waiting requests' }).getByRole('link')
    const count = await rows.count()
    for (let i = 0; i < count; i++) {
      await rows.nth(i).click()
      if ((await payload.textContent({ timeout: 2_000 }).catch(() => ''))?.includes(intent) === true) return
    }
    throw new Error(`no waiting request carries "${intent}" yet`)
  }).toPass({ timeout: 60_000 })
}

/** Every Content Security Policy violation the page reports from now on (the console's and the browser's own events). */
export async function watchCsp (page: Page): Promise<string[]> {
  const refused: string[] = []
  page.on('console', message => { if (/Content[- ]Security[- ]Policy/i.test(message.text())) refused.push(message.text()) })
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', e => { console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI} ${e.sample}`) })
  })
  return refused
}
