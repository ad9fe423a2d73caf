/**
 * Boundary: input → paid API. Every string input has a maxLength (the document's, the overlay's, or the
 * deployment's default), so an oversized input is refused by the API Gateway model with 400 and by a local
 * run before the first request: nothing is submitted, nothing is paid for.
 */
import ajvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { boundStrings, validateInputs } from '../../lib/arazzo/inputs.ts';
import type { JsonSchema } from '../../lib/arazzo/types.ts';
import { DEFAULT_MAX_STRING_LENGTH } from '../../lib/compile/compile-options.ts';
import { synthShippedStack } from '../support/civitai-stack.ts';
import { runCli } from '../support/cli.ts';
import { runCivitai } from '../support/local-run.ts';

// ajv-draft-04 is CommonJS: under NodeNext the default import is the module, whose `default` is the class.
const AjvDraft04 = ajvDraft04.default;

const stack = synthShippedStack();
const publicSchema = stack.workflow.publicInputSchema;
const model = stack.httpApi.inputModelSchema;
const validateModel = new AjvDraft04({ allErrors: true, strict: false }).compile(model);

const OVERSIZED_NEGATIVE_PROMPT = 'blurry, '.repeat(1000); // 8000 characters
const body = (extra: Record<string, unknown>) => ({ prompt: 'a red fox in the snow', engine: 'sdxl', ...extra });

/** Every subschema that admits a string, with its path. */
function stringSchemas(schema: unknown, path = '#'): Array<{ path: string; schema: JsonSchema }> {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as JsonSchema;
  const found = node.type === 'string' || (Array.isArray(node.type) && node.type.includes('string')) ? [{ path, schema: node }] : [];
  const properties = (node.properties ?? {}) as Record<string, unknown>;
  return [...found, ...Object.entries(properties).flatMap(([name, sub]) => stringSchemas(sub, `${path}/properties/${name}`))];
}

describe('every string input of the shipped app has a bound', () => {
  it('in the schema runs are validated with, from the overlay or the default', () => {
    const strings = stringSchemas(publicSchema);
    expect(strings.map((s) => s.path)).toEqual(expect.arrayContaining(['#/properties/prompt', '#/properties/negativePrompt', '#/properties/engine']));
    for (const { path, schema } of strings) expect(schema.maxLength, path).toEqual(expect.any(Number));
    const properties = publicSchema.properties as Record<string, JsonSchema>;
    expect(properties.prompt!.maxLength).toBe(1500); // the overlay's
    expect(properties.negativePrompt!.maxLength).toBe(DEFAULT_MAX_STRING_LENGTH);
  });

  it('in the deployed API Gateway model (draft-04)', () => {
    for (const { path, schema } of stringSchemas(model)) expect(schema.maxLength, path).toEqual(expect.any(Number));
  });
});

describe('an oversized negative prompt', () => {
  it('is refused by the API Gateway model (400), naming the field and the keyword', () => {
    expect(validateModel(body({ negativePrompt: OVERSIZED_NEGATIVE_PROMPT }))).toBe(false);
    expect(validateModel.errors).toEqual([expect.objectContaining({ keyword: 'maxLength', instancePath: '/negativePrompt' })]);
    expect(validateModel(body({ negativePrompt: 'x'.repeat(DEFAULT_MAX_STRING_LENGTH) }))).toBe(true);
  });

  it('fails a local run before anything is submitted: 0 jobs, 0 requests', async () => {
    const { result, simulator } = await runCivitai({ input: body({ negativePrompt: OVERSIZED_NEGATIVE_PROMPT, quantity: 1 }) });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Arazzo.InvalidInputs');
    expect(result.cause).toContain(`negativePrompt: must NOT have more than ${DEFAULT_MAX_STRING_LENGTH} characters`);
    expect(result.cause).not.toContain('blurry');
    const counters = simulator.counters();
    expect(counters.jobsCreated).toBe(0);
    expect(counters.requests).toBe(0);
  });

  it('is refused by npm start before the run starts', async () => {
    const refused = await runCli('local/run.ts', ['--fast', '--quiet', '--negative-prompt', OVERSIZED_NEGATIVE_PROMPT]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`negativePrompt: must NOT have more than ${DEFAULT_MAX_STRING_LENGTH} characters`);
    expect(refused.stderr).not.toContain('Running');
  });
});

describe('boundStrings', () => {
  const max = 100;
  it('bounds typed and untyped leaves, keeps the document’s own bound, leaves enums and other types alone', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        typed: { type: 'string' },
        nullable: { type: ['string', 'null'] },
        own: { type: 'string', maxLength: 9000 },
        anything: {},
        choice: { type: 'string', enum: ['a', 'b'] },
        count: { type: 'integer' },
        list: { type: 'array', items: { type: 'string' } },
        nested: { type: 'object', properties: { deep: { type: 'string' } }, additionalProperties: true },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        notEmpty: { not: {} },
      },
    };
    const bounded = boundStrings(schema, max);
    expect(bounded).toMatchObject({
      properties: {
        typed: { maxLength: max },
        nullable: { maxLength: max },
        own: { maxLength: 9000 },
        anything: { maxLength: max },
        list: { items: { maxLength: max } },
        nested: { properties: { deep: { maxLength: max } }, additionalProperties: { maxLength: max } },
        either: { anyOf: [{ maxLength: max }, { type: 'integer' }] },
      },
    });
    const properties = bounded.properties as Record<string, JsonSchema>;
    expect(properties.choice!.maxLength).toBeUndefined();
    expect(properties.count!.maxLength).toBeUndefined();
    expect(properties.either!.maxLength).toBeUndefined();
    expect(properties.notEmpty).toEqual({ not: {} }); // bounding inside `not` would let long strings through
    expect(validateInputs(bounded, { list: ['x'.repeat(max + 1)] })).toEqual([`list[0]: must NOT have more than ${max} characters`]);
  });

  it('does not change the schema it is given', () => {
    const schema: JsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
    boundStrings(schema, 5);
    expect(schema).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
  });
});
