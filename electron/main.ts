import '../core/common/polyfills.ts'
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, safeStorage, session, Tray, type IpcMainInvokeEvent } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiEvent, AppSettings, AppStatus } from '../core/api/app.ts'
import { PassphraseRequiredError, toErrorInfo } from '../core/api/errors.ts'
import { createAppCore } from '../core/app/index.ts'
import { defaultDataDir } from '../core/common/paths.ts'
import { rendererBuild } from '../core/daemon/ui/renderer-build.ts'
import { DesktopSettings } from './desktop-settings.ts'
import { answerCall, CALL_CHANNEL, EVENT_CHANNEL } from './ipc.ts'
import { safeStorageCipher } from './key-backend.ts'
import { toastFor } from './notifier.ts'
import { isTrustedSender, lockDownContents, lockDownSession, mainWindowOptions } from './security.ts'

// The desktop shell: one instance, one locked-down window, a tray, notifications. The core runs in this process but
// the window never waits for it: calls made before it is up wait for it, and the page shows its own loading state.

const here = dirname(fileURLToPath(import.meta.url))
// Run from source (tsx), this file is electron/main.ts and the preload is bundled into the checkout's cache; packaged,
// main.mjs and preload.cjs sit side by side and the renderer is built next to them.
const fromSource = import.meta.url.endsWith('.ts')
const appRoot = dirname(here)
const PRELOAD = fromSource ? join(appRoot, 'node_modules', '.cache', 'hearth-electron', 'preload.cjs') : join(here, 'preload.cjs')
const ICON = join(appRoot, 'resources', 'icons', 'hearth.png')
const startHidden = process.argv.includes('--hidden')

let mainWindow: BrowserWindow | undefined
let rendererIndex: string | undefined
let tray: Tray | undefined
let serving: AppStatus['serving'] = 'on'
let quitting = false

const desktop = new DesktopSettings(app, {
  exec: process.env.APPIMAGE ?? process.execPath,
  args: app.isPackaged ? [] : [join(appRoot, 'electron', 'bootstrap.mjs')]
})

// The keys' passphrase, for a data directory that keeps them in the key file: the app has no prompt of its own yet.
const passphrase = async (): Promise<string> => {
  const given = process.env.HEARTH_PASSPHRASE
  if (given !== undefined && given !== '') return given
  throw new PassphraseRequiredError('this data directory keeps its keys in a passphrase-encrypted file', { hint: 'start Hearth with HEARTH_PASSPHRASE set, or use `npm run hearth -- daemon --ui`' })
}

const core = app.whenReady().then(async () => {
  const backend = await createAppCore({
    dataDir: defaultDataDir(),
    passphrase,
    safeStorage: safeStorageCipher(safeStorage),
    interactive: () => true
  })
  backend.subscribe(onCoreEvent)
  await desktop.apply(await backend.call('settings.get', {}) as AppSettings)
  serving = (await backend.call('app.status', {}) as AppStatus).serving
  updateTray()
  return backend
})
core.catch((err: unknown) => console.error('hearth: the core did not start:', err))

function onCoreEvent (event: ApiEvent): void {
  mainWindow?.webContents.send(EVENT_CHANNEL, event)
  if (event.event === 'status:changed' && event.data.serving !== serving) {
    serving = event.data.serving
    updateTray()
  }
  const toast = toastFor(event, desktop.notifications)
  if (toast !== undefined && Notification.isSupported()) {
    const notification = new Notification({ title: toast.title, body: toast.body, icon: ICON })
    notification.on('click', () => { showWindow(toast.route) })
    notification.show()
  }
}

// Answers nothing: an untrusted sender is refused before the core is even waited for.
const REFUSING = { call: async () => undefined, subscribe: () => () => {} }

async function onCall (event: IpcMainInvokeEvent, payload: unknown): Promise<unknown> {
  const trusted = rendererIndex !== undefined && isTrustedSender(event.senderFrame, mainWindow?.webContents.mainFrame, rendererIndex)
  let backend: Awaited<typeof core>
  if (!trusted) return answerCall(REFUSING, payload, false)
  try {
    backend = await core
  } catch (err) {
    // The page explains a core that could not start (a keystore it cannot open) like any other named error.
    return { ok: false, error: toErrorInfo(err) }
  }
  const reply = await answerCall(backend, payload, trusted)
  // Settings the desktop acts on take effect as soon as the core stored them.
  if (reply.ok && (payload as { method?: unknown }).method === 'settings.set') await desktop.apply(reply.value as AppSettings)
  return reply
}

async function createWindow (): Promise<BrowserWindow> {
  const win = new BrowserWindow({ ...mainWindowOptions(PRELOAD), icon: ICON })
  lockDownContents(win.webContents)
  win.once('ready-to-show', () => { if (!startHidden) win.show() })
  // Closing the window keeps the agent serving from the tray; Quit in the tray ends it.
  win.on('close', event => { if (!quitting && tray !== undefined) { event.preventDefault(); win.hide() } })
  win.on('closed', () => { mainWindow = undefined })
  mainWindow = win
  await win.loadFile(rendererIndex!)
  return win
}

/** Bring the window up, optionally at a route (#/inbox/<id>) set by this process, never by page input. */
function showWindow (route?: string): void {
  const win = mainWindow
  if (win === undefined) { void createWindow().then(w => { if (route !== undefined) navigate(w, route) }); return }
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
  if (route !== undefined) navigate(win, route)
}

function navigate (win: BrowserWindow, route: string): void {
  // A hash change is an in-page navigation: the page stays loaded and its router shows the request.
  void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(route)}`)
}

function updateTray (): void {
  if (tray === undefined) return
  const paused = serving !== 'on'
  tray.setToolTip(paused ? `Hearth — serving ${serving}` : 'Hearth')
  tray.setContextMenu(Menu.buildFromTemplate([
    { label: 'Open Hearth', click: () => showWindow() },
    {
      label: paused ? 'Resume serving' : 'Pause serving',
      click: () => { void core.then(backend => backend.call('agent.serving.set', { serving: paused ? 'on' : 'paused' })).catch(() => {}) }
    },
    { type: 'separator' },
    { label: 'Quit Hearth', click: () => app.quit() }
  ]))
}

async function start (): Promise<void> {
  // Our own renderer folder is all the window may load; packaged, it was built at packaging time.
  const rendererDir = app.isPackaged ? join(appRoot, 'renderer') : (await rendererBuild({ appRoot })).dir
  rendererIndex = join(rendererDir, 'index.html')
  lockDownSession(session.defaultSession, rendererDir)
  ipcMain.handle(CALL_CHANNEL, onCall)
  Menu.setApplicationMenu(null)
  const image = nativeImage.createFromPath(ICON)
  tray = new Tray(image.isEmpty() ? image : image.resize({ width: 22, height: 22 }))
  tray.on('click', () => showWindow())
  updateTray()
  await createWindow()
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => showWindow())
  // Every web contents, even one that should never exist, gets the same rules.
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents))
  app.on('activate', () => showWindow())
  app.on('window-all-closed', () => { if (tray === undefined) app.quit() })
  app.on('before-quit', event => {
    if (quitting) return
    quitting = true
    event.preventDefault()
    // The core closes its database and leaves the network before the process ends.
    void core.then(backend => backend.stop(), () => {}).finally(() => app.exit(0))
  })
  void app.whenReady().then(start).catch((err: unknown) => {
    console.error('hearth: the window could not open:', err)
    app.exit(1)
  })
}
