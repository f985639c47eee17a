import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { UsageError } from '../../api/errors.ts'
import type { AgentCardVerification } from '../../api/interop.ts'
import { loadAgentConfig } from '../../common/config.ts'
import { cardToJson, checkAgentCard, defaultA2aUrl, ownAgentCard, verifyAgentCard } from '../../interop/index.ts'
import { report } from '../output.ts'
import { withHost, type Runner } from '../context.ts'
import { readInput } from './id.ts'

// `hearth id agent-card …`: this agent as an A2A AgentCard, signed under its BAID, and the check of someone's card.

export function agentCardCommand (id: Command, run: Runner): void {
  const card = id.command('agent-card')
    .description('write this agent\'s A2A AgentCard, signed by its agent key under its BAID (verify: check a card)')
    .option('--out <file>', 'where to write it (default: stdout)')
    .option('--url <url>', 'the A2A endpoint the card names (hearth daemon --a2a)', defaultA2aUrl())
    .action(run(async (opts) => withHost(opts, async host => {
      const url = String(opts.url)
      if (!URL.canParse(url)) throw new UsageError(`"${url}" is not a URL`, { hint: `e.g. ${defaultA2aUrl()}` })
      const config = loadAgentConfig(host.dataDir)
      const signed = await ownAgentCard(host.identity, { name: config.name, capabilities: config.capabilities, url })
      const summary = verifyAgentCard(signed, host.identity.chain())
      if (opts.out === undefined) {
        process.stdout.write(opts.json === true ? `${JSON.stringify(JSON.parse(cardToJson(signed)))}\n` : cardToJson(signed))
        return
      }
      const out = resolve(String(opts.out))
      writeFileSync(out, cardToJson(signed))
      report(opts, { file: out, ...summary }, r => `Wrote ${r.file}: ${r.name}, ${r.skills.length} skills, signed by ${r.peerId} under ${r.baidId}`)
    })))

  card.command('verify <file>')
    .description('check an AgentCard against the BAID bundle it claims (exit 1 if invalid); never trusts a key or URL in the card')
    .requiredOption('--bundle <file>', 'the BAID bundle (from `hearth id export`) of the agent the card claims to be')
    .action(run(async (opts, file) => {
      const result = checkAgentCard(readInput(file!), readInput(String(opts.bundle)), Date.now())
      report(opts, result, verdict)
      if (!result.valid) process.exitCode = 1
    }))
}

function verdict (r: AgentCardVerification): string {
  if (r.valid) return `Valid: "${r.name}" at ${r.url ?? '(no interface)'}, signed by ${r.peerId} under ${r.baidId}; skills: ${r.skills?.join(', ')}`
  return `Invalid: ${r.error?.name}: ${r.error?.message}`
}
