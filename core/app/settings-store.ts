import { z } from 'zod'
import type { AppSettings } from '../api/app.ts'
import type { Database } from '../store/database.ts'

// The person's app settings and LLM endpoint, in the database (one JSON value per key, each checked when read back).
// The endpoint's API key is not here: it rests in the keystore.

export const DEFAULT_SETTINGS: AppSettings = { launchAtLogin: false, notifications: true }

const Settings = z.object({ launchAtLogin: z.boolean(), notifications: z.boolean() })
export const StoredLlmEndpoint = z.object({ baseUrl: z.string().max(2048), embeddingModel: z.string().max(256).optional(), chatModel: z.string().max(256).optional() })
export type StoredLlmEndpoint = z.infer<typeof StoredLlmEndpoint>

export class SettingsStore {
  private readonly db: Database

  constructor (db: Database) {
    this.db = db
  }

  settings (): AppSettings {
    return { ...DEFAULT_SETTINGS, ...this.read('settings', Settings.partial()) }
  }

  setSettings (change: Partial<AppSettings>): AppSettings {
    const next = { ...this.settings(), ...change }
    this.write('settings', next)
    return next
  }

  llmEndpoint (): StoredLlmEndpoint | undefined {
    return this.read('llm', StoredLlmEndpoint)
  }

  setLlmEndpoint (endpoint: StoredLlmEndpoint | undefined): void {
    if (endpoint === undefined) this.db.prepare('DELETE FROM app_settings WHERE key = ?').run('llm')
    else this.write('llm', endpoint)
  }

  private read<T> (key: string, schema: z.ZodType<T>): T | undefined {
    const row = this.db.prepare('SELECT value FROM app_settings WHERE key = ?').get(key) as { value: string } | undefined
    if (row === undefined) return undefined
    const parsed = schema.safeParse(JSON.parse(row.value))
    // A value this version cannot read falls back to the defaults rather than stopping the app.
    return parsed.success ? parsed.data : undefined
  }

  private write (key: string, value: unknown): void {
    this.db.prepare('INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value))
  }
}
