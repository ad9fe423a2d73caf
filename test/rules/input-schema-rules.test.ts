/**
 * Rules of the input schema a run is checked against (inputs.ts): which subschemas get the string bound, and how
 * the run's validator is made and kept.
 *
 * The validator is made once per module, on first use, so the tests that state how it is made load inputs.ts
 * afresh inside the `it` (a query import: that module only, not the engine). Its module-level tables are then
 * evaluated inside the test too, so one of these tests goes through every keyword boundStrings follows.
 */
import { describe, expect, it } from 'vitest';
import { boundStrings, validateInputs } from '../../lib/arazzo/inputs.ts';
import type { JsonSchema } from '../../lib/arazzo/types.ts';

type InputsModule = typeof import('../../lib/arazzo/inputs.ts');
let loads = 0;
/** inputs.ts as a module of its own, with no validator made yet. */
const freshInputs = async (): Promise<InputsModule> =>
  (await import(/* @vite-ignore */ `../../lib/arazzo/inputs.ts?fresh-for-this-test=${++loads}`)) as InputsModule;

const MAX = 64;
const text: JsonSchema = { type: 'string' };
const bounded: JsonSchema = { type: 'string', maxLength: MAX };

describe('boundStrings', () => {
  it('bounds the strings of every subschema an instance must satisfy: one, a list, or a map of them', async () => {
    const { boundStrings: bound } = await freshInputs();
    const schema: JsonSchema = {
      type: 'object',
      items: text,
      additionalItems: text,
      additionalProperties: text,
      unevaluatedItems: true,
      unevaluatedProperties: text,
      then: text,
      else: text,
      allOf: [text],
      anyOf: [text],
      oneOf: [text],
      prefixItems: [text],
      properties: { a: text },
      patternProperties: { '^x-': text },
      dependentSchemas: { a: text },
      $defs: { name: text },
      definitions: { name: text },
    };
    expect(bound(schema, MAX)).toEqual({
      type: 'object',
      items: bounded,
      additionalItems: bounded,
      additionalProperties: bounded,
      unevaluatedItems: { maxLength: MAX },
      unevaluatedProperties: bounded,
      then: bounded,
      else: bounded,
      allOf: [bounded],
      anyOf: [bounded],
      oneOf: [bounded],
      prefixItems: [bounded],
      properties: { a: bounded },
      patternProperties: { '^x-': bounded },
      dependentSchemas: { a: bounded },
      $defs: { name: bounded },
      definitions: { name: bounded },
    });
    // items as a list of schemas (the tuple form of older drafts)
    expect(bound({ type: 'array', items: [text, { type: 'integer' }] }, MAX)).toEqual({ type: 'array', items: [bounded, { type: 'integer' }] });
  });

  it('leaves a false subschema false: it admits nothing, and a bound would let any short string through', () => {
    expect(boundStrings({ type: 'object', properties: { never: false, any: true } }, MAX)).toEqual({
      type: 'object',
      properties: { never: false, any: { maxLength: MAX } },
    });
  });

  it('adds no bound where the value is fixed already (enum, const) or defined elsewhere ($ref)', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { fixed: { const: 'x'.repeat(MAX + 1) }, listed: { enum: ['a'] }, shared: { $ref: '#/$defs/name' } },
      $defs: { name: text },
    };
    expect(boundStrings(schema, MAX)).toEqual({ ...schema, $defs: { name: bounded } });
  });

  it('adds no bound to an untyped schema made of others (allOf, anyOf, oneOf, not, if): its parts carry their own', () => {
    for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
      expect(boundStrings({ [keyword]: [{ type: 'integer' }] }, MAX), keyword).toEqual({ [keyword]: [{ type: 'integer' }] });
    }
    expect(boundStrings({ not: { type: 'integer' } }, MAX)).toEqual({ not: { type: 'integer' } });
    expect(boundStrings({ if: { type: 'integer' }, then: { minimum: 0 } }, MAX)).toEqual({ if: { type: 'integer' }, then: { minimum: 0, maxLength: MAX } });
    // an untyped leaf with none of them admits any string, so it is bounded
    expect(boundStrings({ description: 'anything' }, MAX)).toEqual({ description: 'anything', maxLength: MAX });
  });
});

describe("the validator a run's inputs meet", () => {
  it('reports every problem, reads x- keywords and formats as annotations, and runs patterns on the linear-time engine', async () => {
    const { validateInputs: validate } = await freshInputs();
    const schema: JsonSchema = { type: 'object', required: ['a', 'b'], 'x-note': 'internal', properties: { day: { type: 'string', format: 'date' } } };
    expect(validate(schema, { day: 'not a date' })).toEqual(['a: is required', 'b: is required']);
    // A backreference cannot run in linear time: the run refuses the pattern rather than run it on a backtracking engine.
    expect(() => validate({ type: 'string', pattern: '(a)\\1' }, 'aa')).toThrow('uses a backreference, which cannot be matched in linear time');
  });

  it('takes a schema that names its dialect with $schema, though it holds no meta-schema', async () => {
    const { validateInputs: validate } = await freshInputs();
    const schema: JsonSchema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { a: { type: 'string' } } };
    expect(validate(schema, { a: 1 })).toEqual(['a: must be string']);
  });

  it('holds no meta-schema: it cannot compile a schema that $refs one (so checkInputSchema refuses it at compile)', async () => {
    const { validateInputs: validate } = await freshInputs();
    const schema: JsonSchema = { type: 'object', properties: { shape: { $ref: 'https://json-schema.org/draft/2020-12/schema' } } };
    expect(() => validate(schema, { shape: {} })).toThrow("can't resolve reference https://json-schema.org/draft/2020-12/schema from id #");
  });

  it('is compiled once per schema, so a schema with an $id validates every run, each reading its own copy of the plan', () => {
    const schema: JsonSchema = { $id: 'https://example.com/input-schema-rules/once.json', type: 'object', required: ['a'] };
    for (let run = 0; run < 3; run++) expect(validateInputs(structuredClone(schema), {})).toEqual(['a: is required']);
  });
});
