import { describe, expect, it } from 'vitest'
import { schemaProblem } from '../../../core/execution/json-schema.ts'

// Tool schemas come from any MCP server: both common dialects validate, and a broken schema is reported, not thrown.

const sum = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] }

describe('tool schemas', () => {
  it.each(['http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2020-12/schema'])('validate under %s', $schema => {
    expect(schemaProblem({ $schema, ...sum }, { a: 1 })).toBeUndefined()
    expect(schemaProblem({ $schema, ...sum }, { a: 'one' })).toMatch(/a must be number/)
  })

  it('check formats, and say when a schema itself is broken', () => {
    expect(schemaProblem({ type: 'object', properties: { u: { type: 'string', format: 'uri' } } }, { u: 'not a uri' })).toMatch(/format "uri"/)
    expect(schemaProblem({ type: 'nonsense' }, {})).toMatch(/does not compile/)
  })
})
