/**
 * Rules of the validator a run's inputs meet (inputs.ts): what it reports, what schemas it takes, and that the
 * compile-time check refuses a schema the run-time validator could not compile.
 */
import { describe, expect, it } from 'vitest';
import { checkInputSchema, validateInputs } from '../../lib/arazzo/inputs.ts';
import type { JsonSchema } from '../../lib/arazzo/types.ts';

describe("a run's inputs", () => {
  it('are checked with every problem reported, in a schema with annotation keywords (x-…) and formats', () => {
    const schema: JsonSchema = { type: 'object', required: ['a', 'b'], 'x-note': 'internal', properties: { day: { type: 'string', format: 'date' } } };
    expect(validateInputs(schema, { day: 'not a date' })).toEqual(['a: is required', 'b: is required']);
  });

  it('are checked against a schema that names its dialect with $schema (draft 2020-12)', () => {
    const schema: JsonSchema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { a: { type: 'string' } } };
    expect(checkInputSchema(schema)).toBeUndefined();
    expect(validateInputs(schema, { a: 1 })).toEqual(['a: must be string']);
  });
});

describe('an input schema', () => {
  it("that $refs another document, the meta-schema included, is refused at compile: the run's validator holds no other schema", () => {
    const schema: JsonSchema = { type: 'object', properties: { shape: { $ref: 'https://json-schema.org/draft/2020-12/schema' } } };
    expect(checkInputSchema(schema)).toBe("can't resolve reference https://json-schema.org/draft/2020-12/schema from id #");
  });
});
