/**
 * The caller → run-input boundary at API Gateway: the request model refuses what draft-04 cannot say, and stays
 * closed to any field the workflow's schema does not name, including one named only in a dependency.
 */
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../lib/arazzo/types.ts';
import { toDraft04 } from '../../lib/http-api/draft04-schema.ts';
import { inputModelSchema } from '../../lib/http-api/input-model.ts';

const refusal = (at: string, why: string) => `inputs: cannot translate ${at} to API Gateway's draft-04 model: ${why}.`;

describe('a schema API Gateway cannot take is refused, naming where and why, when', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a subschema is a number', { properties: { a: 3 } }, refusal('#/properties/a', 'a schema must be an object or a boolean')],
    ['"$ref" is not a string', { $ref: 5 }, refusal('#/$ref', '"$ref" must be a string such as "#/$defs/<name>"')],
    ['"enum" is not an array', { enum: 'a' }, refusal('#/enum', '"enum" must be an array')],
    ['"prefixItems" is not an array', { prefixItems: {} }, refusal('#/prefixItems', '"prefixItems" must be an array of schemas')],
    ['"properties" is not an object', { properties: [] }, refusal('#/properties', 'must be an object of schemas')],
    ['"enum" beside "const" is not an array', { const: 1, enum: 1 }, refusal('#/enum', '"enum" must be an array')],
    ['"dependentRequired" is not an object', { dependentRequired: [] }, refusal('#/dependentRequired', 'must be an object of string arrays')],
    ['a "dependentRequired" entry is not a list of names', { dependentRequired: { a: [1] } }, refusal('#/dependentRequired/a', 'must be an array of property names')],
    ['"$schema" appears below the top', { properties: { a: { $schema: 'x' } } }, refusal('#/properties/a/$schema', '"$schema" is only allowed at the top of the schema; remove it here')],
  ];
  for (const [what, schema, message] of cases) {
    it(what, () => {
      expect(() => toDraft04(schema as JsonSchema, 'inputs')).toThrow(message);
    });
  }
});

describe('the request model', () => {
  it('lists a name declared only inside a dependency schema, so the closed model still accepts it', () => {
    const model = inputModelSchema(
      { type: 'object', properties: { card: { type: 'string' } }, dependentSchemas: { card: { properties: { cvc: { type: 'string' } } } } },
      { where: 'inputs' },
    );
    expect(model.additionalProperties).toBe(false);
    expect(Object.keys(model.properties as object).sort()).toEqual(['card', 'cvc']);
  });

  it('names a patternProperties key that is not a regular expression', () => {
    expect(() => inputModelSchema({ type: 'object', patternProperties: { '(': {} } }, { where: 'inputs', secretInputs: ['apiKey'] })).toThrow(
      /^inputs: "patternProperties" key: "\(" is not a valid regular expression/,
    );
  });
});
