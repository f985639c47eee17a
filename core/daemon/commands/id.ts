import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { BaidVerification, IdentityInfo } from '../../api/identity.ts'
import { UsageError } from '../../api/errors.ts'
import { verifyBundle } from '../../identity/identity.ts'
import { confirmOrYes, passphraseFrom } from '../prompt.ts'
import { log, report } from '../output.ts'
import { withHost, type Runner } from '../context.ts'
import { agentCardCommand } from './agent-card.ts'

// `hearth id …`: the agent's BAID identity.

const BACKUP_ENV = 'HEARTH_BACKUP_PASSPHRASE'

export function idCommand (program: Command, run: Runner): void {
  const id = program.command('id').description('the agent\'s identity (BAID): keys, record chain, backup')

  id.command('create')
    .description('create the owner and agent keys and the first BAID record')
    .option('--owner-claim <text>', 'a claim about the owner (e.g. a name) committed to, not published', '')
    .action(run(async (opts) => withHost(opts, async host => {
      const info = await host.identity.create(host.digests(), String(opts.ownerClaim ?? ''))
      report(opts, info, i => `Created ${i.baidId}\n${describe(i)}`)
    })))

  id.command('show')
    .description('show this agent\'s identity (no key material)')
    .action(run(async (opts) => withHost(opts, async host => {
      report(opts, host.identity.info(), describe)
    })))

  id.command('rotate')
    .description('replace the agent key; the BAID (and reputation) stays')
    .action(run(async (opts) => withHost(opts, async host => {
      const info = await host.identity.rotate(host.digests())
      report(opts, info, i => `Rotated to version ${i.baidVersion}\n${describe(i)}`)
    })))

  id.command('revoke')
    .description('end this identity for good')
    .option('--reason <text>', 'why, shown to peers', '')
    .option('--yes', 'do not ask for confirmation')
    .action(run(async (opts) => withHost(opts, async host => {
      await confirmOrYes(`Revoke ${host.identity.info().baidId} for good?`, opts.yes === true)
      const info = await host.identity.revoke(String(opts.reason ?? ''))
      report(opts, info, i => `Revoked ${i.baidId}`)
    })))

  id.command('export')
    .description('write the BAID bundle (public record chain) to a file')
    .option('--out <file>', 'where to write it (default: <peerId>.baid)')
    .action(run(async (opts) => withHost(opts, async host => {
      const info = host.identity.info()
      const out = resolve(String(opts.out ?? `${info.peerId}.baid`))
      writeFileSync(out, host.identity.exportBundle())
      report(opts, { file: out, baidId: info.baidId, baidVersion: info.baidVersion }, r => `Wrote ${r.file}`)
    })))

  id.command('import <file>')
    .description('verify a peer\'s BAID bundle and remember it')
    .action(run(async (opts, file) => withHost(opts, async host => {
      const chain = host.identity.importBundle(readInput(file!))
      const result = verifyBundle(readInput(file!), Date.now())
      report(opts, { ...result, baidId: chain.baidId }, r => `Imported ${r.baidId} version ${r.baidVersion ?? '?'}${r.valid ? '' : ` (not current: ${r.error?.name})`}`)
    })))

  id.command('verify <file>')
    .description('check a BAID bundle: signatures, chain, expiry, revocation (exit 1 if invalid)')
    .action(run(async (opts, file) => {
      const result = verifyBundle(readInput(file!), Date.now())
      report(opts, result, verdict)
      if (!result.valid) process.exitCode = 1
    }))

  id.command('backup')
    .description(`seal both keys and the record chain into a passphrase-encrypted file (passphrase from ${BACKUP_ENV} or a prompt)`)
    .requiredOption('--out <file>', 'the backup file to write')
    .action(run(async (opts) => withHost(opts, async host => {
      const passphrase = await passphraseFrom(BACKUP_ENV, 'backup passphrase')({ confirm: true, what: 'the backup' })
      const out = resolve(String(opts.out))
      writeFileSync(out, await host.identity.backup(passphrase), { mode: 0o600 })
      report(opts, { file: out, baidId: host.identity.info().baidId }, r => `Backed up ${r.baidId} to ${r.file}`)
    })))

  id.command('restore <file>')
    .description('restore keys and record chain from a backup into this (new) data directory')
    .action(run(async (opts, file) => withHost(opts, async host => {
      const box = readInput(file!)
      const passphrase = await passphraseFrom(BACKUP_ENV, 'backup passphrase')({ confirm: false, what: 'the backup' })
      const info = await host.identity.restore(box, passphrase)
      log('Restored; the next start issues a new BAID version if this device runs other code or config.')
      report(opts, info, i => `Restored ${i.baidId}\n${describe(i)}`)
    })))

  agentCardCommand(id, run)
}

export function readInput (file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file))
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: 'check the path' })
  }
}

function describe (i: IdentityInfo): string {
  return [
    `BAID      ${i.baidId} (version ${i.baidVersion}${i.revoked ? ', REVOKED' : ''})`,
    `PeerId    ${i.peerId}`,
    `Owner     ${i.owner}`,
    `Valid     ${i.issuedAt} → ${i.expiresAt}`,
    `Keystore  ${i.keystore}`
  ].join('\n')
}

function verdict (r: BaidVerification): string {
  if (r.valid) return `Valid: ${r.baidId} version ${r.baidVersion}, agent ${r.peerId}, owner ${r.owner}, expires ${r.expiresAt}`
  return `Invalid: ${r.error?.name}: ${r.error?.message}`
}
