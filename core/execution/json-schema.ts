import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation'

// JSON Schema checks for tool inputs and outputs, through the validator the MCP SDK already ships (Ajv with formats).

const ajv = new AjvJsonSchemaValidator()
// Compiled once per schema object: descriptors are long-lived, calls are many.
const compiled = new WeakMap<object, JsonSchemaValidator<unknown>>()

/** undefined when the value fits the schema, else what is wrong with it. */
export function schemaProblem (schema: Record<string, unknown>, value: unknown): string | undefined {
  let validate = compiled.get(schema)
  if (validate === undefined) {
    try {
      // Servers declare draft-07 or 2020-12 alike; the keywords tools use mean the same in both, so the dialect tag is dropped.
      const { $schema: _dialect, ...rest } = schema
      validate = ajv.getValidator<unknown>(rest as JsonSchemaType)
    } catch (err) {
      return `the tool's schema does not compile: ${(err as Error).message}`
    }
    compiled.set(schema, validate)
  }
  const result = validate(value)
  return result.valid ? undefined : result.errorMessage
}
