import { describe, expect, it } from 'vitest'
import type { ApiEvent } from '../../../core/api/app.ts'
import type { PendingApproval } from '../../../core/api/policy.ts'
import { autostartEntry } from '../../../electron/desktop-settings.ts'
import { inboxRoute, toastFor } from '../../../electron/notifier.ts'

const request: PendingApproval = {
  id: 'apr_7f3a', task: 't1', direction: 'serve', peer: { baidId: 'baid:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', name: 'Ada' },
  capability: 'word-count', topic: 'data_analysis', price: 3, payloadPreview: '{"text":"hi"}', requestedAt: 1, deadline: 2
}
const added = (pending: number): ApiEvent => ({ event: 'inbox:changed', data: { pending, added: request } })

describe('notifications for incoming requests', () => {
  it('shows one for a request that now waits, and clicking it opens that request', () => {
    const toast = toastFor(added(3), true)
    expect(toast).toEqual({ title: 'Request to use word-count', body: 'Ada (unverified name) asks in data_analysis for 3 credits (3 waiting)', route: '#/inbox/apr_7f3a' })
  })

  it('stays quiet when notifications are off, and for other inbox changes', () => {
    expect(toastFor(added(1), false)).toBeUndefined()
    expect(toastFor({ event: 'inbox:changed', data: { pending: 0 } }, true)).toBeUndefined()
    expect(toastFor({ event: 'peers:changed', data: { peers: 2 } }, true)).toBeUndefined()
  })

  it('never puts page-controlled text into the route it navigates to', () => {
    expect(inboxRoute('"; alert(1); "')).toBe('#/inbox')
    expect(inboxRoute('x'.repeat(500))).toBe('#/inbox')
  })
})

describe('launch at login on Linux', () => {
  it('writes an autostart entry that starts the app hidden, quoting paths with spaces', () => {
    const entry = autostartEntry({ exec: '/home/a b/Hearth.AppImage', args: [] })
    expect(entry).toContain('Exec="/home/a b/Hearth.AppImage" --hidden\n')
    expect(entry.startsWith('[Desktop Entry]\nType=Application\nName=Hearth\n')).toBe(true)
  })
})
