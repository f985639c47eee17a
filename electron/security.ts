import { relative, isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserWindowConstructorOptions, Session, WebContents, WebFrameMain } from 'electron'

// The window's lock-down, in one module that imports electron only as types, so test/unit/electron/security.test.ts
// can load it and fail when a setting is off.

/** The renderer's policy: only its own files; no inline script, no eval, no network, no plugins, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** Stated explicitly even where Electron defaults to them, so a default changing upstream cannot loosen the sandbox. */
export const WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false
} satisfies BrowserWindowConstructorOptions['webPreferences'])

export function mainWindowOptions (preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    title: 'Hearth',
    show: false,
    backgroundColor: '#faf7f2',
    webPreferences: { ...WEB_PREFERENCES, preload }
  }
}

/** Whether `url` is a file of the built renderer (its index.html, scripts, styles, images). */
export function isRendererFile (url: string, rendererDir: string): boolean {
  let path: string
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false
    path = fileURLToPath(new URL(parsed.pathname, 'file://'))
  } catch {
    return false
  }
  const inside = relative(rendererDir, path)
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)
}

/** The page an IPC call may come from: the main window's top frame, showing our renderer's index.html. */
export function isTrustedSender (frame: Pick<WebFrameMain, 'url' | 'parent'> | null, mainFrame: WebFrameMain | undefined, rendererIndex: string): boolean {
  if (frame === null || mainFrame === undefined || frame !== mainFrame || frame.parent !== null) return false
  try {
    const url = new URL(frame.url)
    url.hash = ''
    url.search = ''
    return url.protocol === 'file:' && fileURLToPath(url) === rendererIndex
  } catch {
    return false
  }
}

/**
 * The session's rules: no request leaves the renderer's folder (no remote content, no other files), every response
 * carries the CSP, and every permission is refused, whether asked for or merely checked.
 */
export function lockDownSession (session: Session, rendererDir: string): void {
  session.webRequest.onBeforeRequest((details, callback) => {
    // devtools: only exists when a developer opens the tools from the menu; everything else must be our own files.
    callback({ cancel: !(isRendererFile(details.url, rendererDir) || details.url.startsWith('devtools://')) })
  })
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}))
  session.on('will-download', event => event.preventDefault())
}

/** The window shows our page only: no navigation, no redirects, no new windows, no webviews. */
export function lockDownContents (contents: WebContents): void {
  contents.on('will-navigate', event => event.preventDefault())
  contents.on('will-frame-navigate', event => event.preventDefault())
  contents.on('will-redirect', event => event.preventDefault())
  contents.on('will-attach-webview', event => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}
