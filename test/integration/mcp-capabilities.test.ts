import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { listMcpTools } from '../../core/execution/mcp.ts'
import { createHost, type Host } from '../../core/host.ts'
import { TEST_KDF_COST } from '../../core/identity/passphrase-box.ts'
import { eventually } from '../helpers/peers.ts'
import { EVERYTHING } from '../helpers/mcp.ts'
import { tempDir } from '../helpers/tmp.ts'

// A real MCP server (the reference "everything" server over stdio): its tools/list becomes announced capabilities.

const hosts: Host[] = []
afterEach(async () => { await Promise.all(hosts.splice(0).map(h => h.stop())) })

async function agent (config: object): Promise<Host> {
  const dataDir = tempDir()
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify(config))
  const host = await createHost({ dataDir, keystore: 'file', passphrase: async () => 'pw', kdfCost: TEST_KDF_COST })
  hosts.push(host)
  await host.identity.create(host.digests())
  return host
}

describe('MCP servers as capabilities', () => {
  it('lists a real MCP server\'s tools', async () => {
    const tools = await listMcpTools({ ...EVERYTHING, env: undefined })
    expect(tools.map(t => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']))
    expect(tools.find(t => t.name === 'echo')?.inputSchema).toMatchObject({ type: 'object' })
  })

  it('announces each tool; a peer finds it by intent; a broken server is reported, not fatal', async () => {
    const warnings: string[] = []
    const provider = await agent({ mcpServers: [EVERYTHING, { id: 'broken', command: 'hearth-no-such-command', topics: ['data_analysis'] }] })
    const seeker = await agent({})
    const p = await provider.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, onWarning: w => warnings.push(w) })
    const s = await seeker.connect({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dhtServer: true, bootstrap: [p.peer.getMultiaddrs()[0]!.toString()] })
    expect(warnings.join('\n')).toMatch(/MCP server broken/)

    // Each tool is its own announcement and arrives on its own: rank once the seeker holds them all.
    const tools = await listMcpTools({ ...EVERYTHING, env: undefined })
    await eventually(() => s.discovery.index.size >= tools.length, 'every MCP tool at the seeker', 20_000)
    const found = (await s.discovery.discover('add two numbers together and return the sum', { topic: 'devops_tool_execution' })).map(c => c.descriptor.id)
    expect(found[0]).toBe('everything/get-sum')
  }, 60_000)
})
