import { mkdir, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { AppSettings } from '../core/api/app.ts'

// What the Settings view's switches do to the desktop: launch at login and OS notifications. Electron is passed in,
// so this module loads without it.

export interface LoginItems {
  setLoginItemSettings (settings: { openAtLogin: boolean, args?: string[] }): void
}

export interface LaunchCommand {
  /** The executable to start: the AppImage when run from one, else Electron's binary. */
  readonly exec: string
  readonly args: readonly string[]
}

/** Where a Linux desktop session looks for programs to start at login (XDG autostart). */
export function autostartFile (env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'autostart', 'hearth.desktop')
}

/** The autostart entry: a path with spaces or quotes is quoted as the Desktop Entry spec asks. */
export function autostartEntry (command: LaunchCommand): string {
  const quote = (arg: string): string => /[\s"'\\$`]/.test(arg) ? `"${arg.replace(/(["`$\\])/g, '\\$1')}"` : arg
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Hearth',
    'Comment=A home for your AI agent on an open peer-to-peer agent network',
    `Exec=${[command.exec, ...command.args].map(quote).join(' ')} --hidden`,
    'X-GNOME-Autostart-enabled=true',
    ''
  ].join('\n')
}

/** The desktop side of the settings: `notifications` is read by the notifier, `launchAtLogin` is handed to the OS. */
export class DesktopSettings {
  #notifications = true
  #launchAtLogin: boolean | undefined
  readonly #login: LoginItems
  readonly #command: LaunchCommand
  readonly #platform: NodeJS.Platform

  constructor (login: LoginItems, command: LaunchCommand, platform: NodeJS.Platform = process.platform) {
    this.#login = login
    this.#command = command
    this.#platform = platform
  }

  get notifications (): boolean { return this.#notifications }

  async apply (settings: AppSettings): Promise<void> {
    this.#notifications = settings.notifications
    if (settings.launchAtLogin === this.#launchAtLogin) return
    this.#launchAtLogin = settings.launchAtLogin
    // Electron's login items cover macOS and Windows; Linux desktops read XDG autostart entries.
    if (this.#platform !== 'linux') {
      this.#login.setLoginItemSettings({ openAtLogin: settings.launchAtLogin, args: ['--hidden'] })
      return
    }
    const file = autostartFile()
    if (!settings.launchAtLogin) { await rm(file, { force: true }); return }
    await mkdir(join(file, '..'), { recursive: true })
    await writeFile(file, autostartEntry(this.#command), { mode: 0o644 })
  }
}
