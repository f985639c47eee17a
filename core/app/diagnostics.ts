import type { ActivityEntry, AppSettings, AppStatus } from '../api/app.ts'
import type { StoredLlmEndpoint } from './settings-store.ts'

// What the person may send to someone helping them: recent log lines and the app's state, never a secret. Every line is
// scrubbed of what looks like a token, key or password, and of the known secrets themselves.

const MAX_LINES = 500
const MAX_LINE_CHARS = 2000

export interface LogBuffer {
  push (line: string): void
  lines (): string[]
  clear (): void
}

export function logBuffer (max = MAX_LINES): LogBuffer {
  let kept: string[] = []
  return {
    push (line) {
      kept.push(`${new Date().toISOString()} ${line.slice(0, MAX_LINE_CHARS)}`)
      if (kept.length > max) kept = kept.slice(-max)
    },
    lines: () => [...kept],
    clear () { kept = [] }
  }
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(Bearer\s+)[^\s"']+/gi, '$1[redacted]'],
  [/([?&](?:token|key|api_key|apikey|access_token|secret)=)[^&\s"']+/gi, '$1[redacted]'],
  [/((?:token|passphrase|password|secret|api[_-]?key|authorization)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1[redacted]'],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  // Long runs of key-like base64 or hex (private keys, sealed backups); public ids have their own prefixes and stay.
  [/(?<![\w:/])(?:[A-Fa-f0-9]{64,}|[A-Za-z0-9+/]{64,}={0,2})(?![\w])/g, '[redacted]']
]

/** A line with every secret-looking part, and each known secret, replaced. */
export function scrub (text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text
  for (const secret of secrets) if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]')
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement)
  return out
}

export interface DiagnosticsFacts {
  readonly status: AppStatus
  readonly settings: AppSettings
  readonly llm: StoredLlmEndpoint | undefined
  readonly activity: readonly ActivityEntry[]
  readonly logs: readonly string[]
  /** Secrets known to be around (the LLM API key): removed wherever they appear. */
  readonly secrets: ReadonlyArray<string | undefined>
}

export function diagnosticsText (facts: DiagnosticsFacts): string {
  const { status } = facts
  const lines = [
    'Hearth diagnostics',
    `written: ${new Date().toISOString()}`,
    `platform: ${process.platform} ${process.arch}, node ${process.version}`,
    '',
    '# status',
    `identity: ${status.identity === undefined ? 'none yet (first run)' : `${status.identity.baidId} (${status.identity.peerId}), version ${status.identity.baidVersion}, keystore ${status.identity.keystore}${status.identity.revoked ? ', revoked' : ''}`}`,
    `key backend: ${status.keyBackend.kind}${status.keyBackend.detail === undefined ? '' : ` (${status.keyBackend.detail})`}${status.keyBackend.problem === undefined ? '' : ` — problem: ${status.keyBackend.problem}`}`,
    `network: ${status.network.online ? `online, ${status.network.peers} peers, listening on ${status.network.addrs.join(' ')}` : 'offline'}`,
    `serving: ${status.serving}; pending approvals: ${status.pending}; demo: ${status.demo ? 'running' : 'off'}`,
    `settings: launch at login ${facts.settings.launchAtLogin ? 'on' : 'off'}, notifications ${facts.settings.notifications ? 'on' : 'off'}`,
    `LLM endpoint: ${facts.llm === undefined ? 'none' : `${facts.llm.baseUrl} (embeddings: ${facts.llm.embeddingModel ?? '-'}, chat: ${facts.llm.chatModel ?? '-'})`}`,
    '',
    '# recent activity',
    ...facts.activity.map(a => `${new Date(a.at).toISOString()} ${a.kind}: ${a.summary}`),
    '',
    '# recent log',
    ...facts.logs
  ]
  return lines.map(line => scrub(line, facts.secrets)).join('\n') + '\n'
}
