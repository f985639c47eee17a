import { expect, test } from '@playwright/test'
import { hearth } from '../helpers/cli.ts'
import { ENV, ownPerson } from './fixtures.ts'
import { openView } from './ui.ts'

// A trust threshold set with its slider takes effect at once and is still set after the daemon restarts. This spec runs its
// own daemon, since it restarts it.

const person = ownPerson()

test('a threshold slider\'s setting survives a daemon restart', async ({ page }) => {
  // Two daemon starts and a CLI run on a shared 2-core machine.
  test.setTimeout(240_000)
  let daemon = await person.start()
  await page.goto(daemon.url)
  await openView(page, 'Trust')
  const slider = page.getByRole('slider').first()
  await expect(slider).toBeVisible()
  const name = await slider.getAttribute('aria-label') ?? await slider.getAttribute('id') ?? ''
  await slider.fill('0.4')
  await expect(slider).toHaveValue('0.4')
  // Taken at once: the UI says the core holds it.
  await expect(page.getByText('Saved: in effect now')).toBeVisible()

  await daemon.stop()
  // Between runs the data directory itself holds it.
  const listed = await hearth(['--data-dir', person.dataDir(), 'trust', 'threshold', 'list', '--json'], ENV)
  expect(listed.json.thresholds).toContainEqual(expect.objectContaining({ minTrust: 0.4 }))

  daemon = await person.start()
  await page.goto(daemon.url)
  await openView(page, 'Trust')
  const again = name === '' ? page.getByRole('slider').first() : page.getByRole('slider', { name, exact: true })
  await expect(again).toHaveValue('0.4')
})
