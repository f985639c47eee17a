import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ApiBackend, ApiMethod } from '../../../core/api/app.ts'
import { answerCall, CALL_CHANNEL } from '../../../electron/ipc.ts'
import { CONTENT_SECURITY_POLICY, isRendererFile, isTrustedSender, lockDownContents, lockDownSession, mainWindowOptions, WEB_PREFERENCES } from '../../../electron/security.ts'

// The desktop window's lock-down, read from the code the shell runs: any setting turned off fails here.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MAIN = readFileSync(join(ROOT, 'electron/main.ts'), 'utf8')
const RENDERER_DIR = '/opt/hearth/renderer'
const INDEX = join(RENDERER_DIR, 'index.html')

describe('the main window', () => {
  it('states the sandbox settings explicitly', () => {
    const { webPreferences } = mainWindowOptions('/app/preload.cjs')
    expect(webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/app/preload.cjs' })
    expect(webPreferences).toMatchObject({ nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, allowRunningInsecureContent: false, webviewTag: false })
    expect(Object.isFrozen(WEB_PREFERENCES)).toBe(true)
  })

  it('is 1200×800 and usable down to 1024×700', () => {
    expect(mainWindowOptions('/p')).toMatchObject({ width: 1200, height: 800, minWidth: 1024, minHeight: 700 })
  })

  it('is the only window main.ts makes, with those options and the lock-downs applied', () => {
    expect(MAIN.match(/new BrowserWindow\(/g)).toHaveLength(1)
    expect(MAIN).toContain('new BrowserWindow({ ...mainWindowOptions(PRELOAD), icon: ICON })')
    expect(MAIN).not.toMatch(/webPreferences|nodeIntegration|contextIsolation|sandbox:/)
    expect(MAIN).toContain('lockDownSession(session.defaultSession, rendererDir)')
    expect(MAIN).toContain("app.on('web-contents-created', (_event, contents) => lockDownContents(contents))")
    expect(MAIN).toContain('app.requestSingleInstanceLock()')
    // One IPC channel in, answered only through the guard.
    expect(MAIN.match(/ipcMain\.\w+\(/g)).toEqual(['ipcMain.handle('])
    expect(MAIN).toContain('ipcMain.handle(CALL_CHANNEL, onCall)')
    expect(MAIN).toContain('answerCall(backend, payload, trusted)')
    expect(MAIN).toContain('isTrustedSender(event.senderFrame, mainWindow?.webContents.mainFrame, rendererIndex)')
  })
})

describe('the content security policy', () => {
  it('allows only our own scripts and styles: nothing inline, no eval, no remote origin, no plugins, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map(d => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]))
    expect(directives.get('default-src')).toEqual(["'none'"])
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('style-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|https?:|\*/)
  })
})

/** The parts of a Session the lock-down sets, recorded so the test can ask each handler what it decides. */
function recordingSession () {
  const handlers: Record<string, (...args: any[]) => unknown> = {}
  const set = (name: string) => (handler: (...args: any[]) => unknown) => { handlers[name] = handler }
  const session = {
    webRequest: { onBeforeRequest: set('beforeRequest'), onHeadersReceived: set('headersReceived') },
    setPermissionRequestHandler: set('permissionRequest'),
    setPermissionCheckHandler: set('permissionCheck'),
    setDevicePermissionHandler: set('devicePermission'),
    setDisplayMediaRequestHandler: set('displayMedia'),
    on: (event: string, handler: (...args: any[]) => unknown) => { handlers[event] = handler }
  }
  return { session, handlers }
}

describe('the session', () => {
  const { session, handlers } = recordingSession()
  lockDownSession(session as any, RENDERER_DIR)
  const decide = (url: string): boolean => {
    let cancel: boolean | undefined
    handlers.beforeRequest!({ url }, (answer: { cancel: boolean }) => { cancel = answer.cancel })
    return cancel!
  }

  it('loads nothing but the renderer\'s own files', () => {
    expect(decide(pathToFileURL(INDEX).href)).toBe(false)
    expect(decide(pathToFileURL(join(RENDERER_DIR, 'assets/index-abc.js')).href)).toBe(false)
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:4780/', 'ws://127.0.0.1:1/api', pathToFileURL('/etc/passwd').href,
      pathToFileURL('/opt/hearth/renderer-evil/index.html').href, 'file:///opt/hearth/renderer/../secrets.txt', 'file://remote-host/opt/hearth/renderer/index.html']) {
      expect(decide(url), url).toBe(true)
    }
  })

  it('denies every permission, asked for or checked', () => {
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined
      handlers.permissionRequest!({}, permission, (answer: boolean) => { granted = answer })
      expect(granted, permission).toBe(false)
      expect(handlers.permissionCheck!({}, permission)).toBe(false)
    }
    expect(handlers.devicePermission!({})).toBe(false)
  })

  it('puts the CSP on every response and refuses downloads', () => {
    let headers: Record<string, string[]> | undefined
    handlers.headersReceived!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (answer: { responseHeaders: Record<string, string[]> }) => { headers = answer.responseHeaders })
    expect(headers?.['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY])
    let prevented = false
    handlers['will-download']!({ preventDefault: () => { prevented = true } })
    expect(prevented).toBe(true)
  })
})

describe('the window\'s contents', () => {
  it('blocks navigation, redirects, webviews and new windows', () => {
    const contents = Object.assign(new EventEmitter(), { openHandler: undefined as undefined | (() => unknown), setWindowOpenHandler (h: () => unknown) { this.openHandler = h } })
    lockDownContents(contents as any)
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false
      contents.emit(event, { preventDefault: () => { prevented = true }, isMainFrame: true })
      expect(prevented, event).toBe(true)
    }
    expect(contents.openHandler?.()).toEqual({ action: 'deny' })
  })
})

describe('IPC from the page', () => {
  const mainFrame = { url: `${pathToFileURL(INDEX).href}#/inbox/abc`, parent: null } as any

  it('trusts only the main window\'s top frame showing our index.html', () => {
    expect(isTrustedSender(mainFrame, mainFrame, INDEX)).toBe(true)
    expect(isTrustedSender(null, mainFrame, INDEX)).toBe(false)
    expect(isTrustedSender({ url: mainFrame.url, parent: mainFrame } as any, mainFrame, INDEX)).toBe(false)
    const elsewhere = { url: 'https://example.com/', parent: null } as any
    expect(isTrustedSender(elsewhere, elsewhere, INDEX)).toBe(false)
    const otherFile = { url: pathToFileURL(join(RENDERER_DIR, 'other.html')).href, parent: null } as any
    expect(isTrustedSender(otherFile, otherFile, INDEX)).toBe(false)
    expect(isTrustedSender(mainFrame, undefined, INDEX)).toBe(false)
    expect(isRendererFile(pathToFileURL(RENDERER_DIR).href, RENDERER_DIR)).toBe(false)
  })

  /** A core that answers app.status and records what reached it. */
  function core () {
    const reached: Array<{ method: ApiMethod, params: unknown }> = []
    const backend: ApiBackend = {
      call: async (method, params) => { reached.push({ method, params }); return { apiVersion: 1, echo: params } },
      subscribe: () => () => {}
    }
    return { backend, reached }
  }

  it('answers a valid call from our page in an envelope', async () => {
    const { backend, reached } = core()
    expect(await answerCall(backend, { method: 'trust.show', params: { peer: 'baid:zAbc', topic: 'data_analysis' } }, true))
      .toEqual({ ok: true, value: { apiVersion: 1, echo: { peer: 'baid:zAbc', topic: 'data_analysis' } } })
    expect(reached).toHaveLength(1)
    expect(CALL_CHANNEL).toBe('hearth:call')
  })

  it('refuses, by name and before the core sees it, a call from elsewhere, of another method, too large or with bad params', async () => {
    const { backend, reached } = core()
    const refusal = async (payload: unknown, trusted = true): Promise<string> => {
      const reply = await answerCall(backend, payload, trusted)
      if (reply.ok) throw new Error('accepted')
      return reply.error.name
    }
    expect(await refusal({ method: 'app.status', params: {} }, false)).toBe('UntrustedSenderError')
    expect(await refusal({ method: 'shell.openExternal', params: {} })).toBe('UnknownMethodError')
    expect(await refusal({ method: 'toString', params: {} })).toBe('UnknownMethodError')
    expect(await refusal({ method: 'egress.preview', params: { input: { text: 'x'.repeat(1024 * 1024) } } })).toBe('MessageTooLargeError')
    expect(await refusal({ method: 'trust.threshold.set', params: { topic: 'data_analysis', minTrust: 7 } })).toBe('UsageError')
    expect(await refusal({ method: 'app.status', params: {}, extra: 1 })).toBe('MalformedMessageError')
    expect(await refusal('app.status')).toBe('MalformedMessageError')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(await refusal({ method: 'app.status', params: cyclic })).toBe('MalformedMessageError')
    expect(reached).toEqual([])
  })
})
