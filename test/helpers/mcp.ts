import { fileURLToPath } from 'node:url'

/** The reference "everything" MCP server over stdio, as a person would configure it. */
export const EVERYTHING = {
  id: 'everything',
  command: process.execPath,
  args: [fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url)), 'stdio'],
  topics: ['devops_tool_execution'],
  price: 2
}
