import { expect, test } from '@playwright/test'
import { readState, VIEWS } from './fixtures.ts'
import { openView, watchCsp } from './ui.ts'

// Each main view renders under its own heading, at 1024×700, with nothing refused by the page's Content Security Policy
// (style-src 'self': no inline styles); its screenshot is kept as a test artifact.

const { person } = readState()

for (const view of VIEWS) {
  test(`the ${view} view renders (screenshot)`, async ({ page }, testInfo) => {
    const refused = await watchCsp(page)
    await page.goto(person.url)
    await openView(page, view)
    // No error note left on the page once it settled.
    await page.waitForLoadState('networkidle')
    await expect(page.getByRole('alert')).toHaveCount(0)
    const path = testInfo.outputPath(`${view.toLowerCase().replace(/\s+/g, '-')}.png`)
    await page.screenshot({ path, fullPage: true })
    await testInfo.attach(view, { path, contentType: 'image/png' })
    expect(refused).toEqual([])
  })
}
