import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { encode } from '../common/codec.ts'
import { sha256 } from '../common/hash.ts'
import type { AgentConfig } from '../common/config.ts'
import type { Digests } from './identity.ts'

// The code and config digests a BAID record commits to. When either changes, the next start issues a new version.

const CODE_FOLDERS = ['core', 'electron', 'resources']

/** Hash of the running app: its version and every file of its code, in a fixed order. */
export function codeDigestOf (appRoot: string): Uint8Array {
  const pkg = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { name: string, version: string }
  const parts: Uint8Array[] = [new TextEncoder().encode(`${pkg.name}@${pkg.version}\n`)]
  for (const folder of CODE_FOLDERS) {
    const root = join(appRoot, folder)
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter(e => e.isFile())
      .map(e => join(e.parentPath, e.name))
      .sort()
    for (const file of files) {
      parts.push(new TextEncoder().encode(relative(appRoot, file).split(sep).join('/')), sha256(readFileSync(file)))
    }
  }
  return sha256(...parts)
}

/** Hash of what the agent is configured to be: model, prompt template and the capabilities it offers (not what it listens to). */
export function configDigestOf (config: AgentConfig): Uint8Array {
  const prompt = config.promptTemplate === null ? null : sha256(new TextEncoder().encode(config.promptTemplate))
  return sha256(encode({ model: config.model, prompt, capabilities: config.capabilities, mcpServers: config.mcpServers }))
}

export function digestsOf (appRoot: string, config: AgentConfig): Digests {
  return { codeDigest: codeDigestOf(appRoot), configDigest: configDigestOf(config) }
}
