import { expect, test } from '@playwright/test'
import { readState } from './fixtures.ts'
import { openView } from './ui.ts'

// The privacy form under My agent: the person marks a field of task inputs as holding a data class, sees a path it cannot
// read refused with a hint, and unmarks the field again.

const { person } = readState()

test('marks a JSON field with a data class, refuses a path it cannot read, and unmarks it', async ({ page }) => {
  await page.goto(person.url)
  await openView(page, 'My agent')
  const form = page.getByRole('form', { name: 'Mark a field' })
  const marked = page.getByRole('list', { name: 'Marked fields' })

  await form.getByLabel('Field path').fill('$.patient.ward')
  await form.getByLabel('Holds').selectOption('health')
  await form.getByRole('button', { name: 'Mark' }).click()
  await expect(marked.getByRole('listitem').filter({ hasText: '$.patient.ward' })).toContainText('health')
  await expect(form.getByLabel('Field path')).toHaveValue('')

  await form.getByLabel('Field path').fill('$.[oops')
  await form.getByRole('button', { name: 'Mark' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'is not a field path' })).toBeVisible()

  // Still marked after a reload: the core holds it.
  await page.reload()
  await openView(page, 'My agent')
  await page.getByRole('button', { name: 'Unmark $.patient.ward' }).click()
  await expect(page.getByRole('list', { name: 'Marked fields' })).toHaveCount(0)
  await expect(page.getByText('No field marked')).toBeVisible()
})
