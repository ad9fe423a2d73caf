/**
 * The POST /executions model, built from the seed workflow's real inputs (with its overlay's bounds and
 * the secret input removed, as the stack passes them), run with ajv's draft-04 validator over good and bad
 * bodies — the dialect API Gateway validates with.
 */
import { fileURLToPath } from 'node:url';
import ajvDraft04, { type ErrorObject } from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { publicInputSchema } from '../lib/arazzo/inputs.ts';
import { loadArazzo } from '../lib/arazzo/load.ts';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import { DRAFT_04_URI, SchemaTranslationError } from '../lib/http-api/draft04-schema.ts';
import { inputModelSchema } from '../lib/http-api/input-model.ts';

// ajv-draft-04 is CommonJS: under NodeNext the default import is the module, whose `default` is the class.
const AjvDraft04 = ajvDraft04.default;

const file = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const loaded = loadArazzo(file('../workflows/arazzo/civitai-image-generation-poll-workflow.yml'), {
  overlay: file('../workflows/overlays/civitai-overlay.yml'),
  allowRoots: [file('../workflows')],
});
const publicSchema = publicInputSchema(loaded.document.workflows[0].inputs, ['apiKey'], 'seed workflow');
const model = inputModelSchema(publicSchema, { where: 'seed workflow inputSchema', secretInputs: ['apiKey'] });
const validate = new AjvDraft04({ allErrors: true, strict: false }).compile(model);

function errorsFor(body: unknown): ErrorObject[] {
  return validate(body) ? [] : (validate.errors ?? []);
}

/** The field an error is about: the missing or extra property, else the last segment of its path. */
function fieldOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  return params.missingProperty ?? params.additionalProperty ?? error.instancePath.split('/').pop() ?? '';
}

const good = { engine: 'sdxl', prompt: 'a lighthouse at dusk' };

describe('the POST /executions model', () => {
  it('is draft-04, an object, and closed to unknown fields', () => {
    expect(model.$schema).toBe(DRAFT_04_URI);
    expect(model.type).toBe('object');
    expect(model.additionalProperties).toBe(false);
    expect(Object.keys(model.properties as JsonSchema)).not.toContain('apiKey');
  });

  it.each([
    ['the required fields only', good],
    ['every field', { ...good, negativePrompt: 'blurry', width: 1024, height: 768, steps: 30, cfgScale: 3.5, quantity: 4 }],
    ['quantity at its lower bound', { ...good, quantity: 1 }],
    ['quantity at its upper bound', { ...good, quantity: 10 }],
    ['a prompt of exactly the cap', { ...good, prompt: 'p'.repeat(1500) }],
    ['a one-character prompt', { ...good, prompt: 'p' }],
    ['a prompt full of quotes, apostrophes, backslashes, newlines and emoji', { ...good, prompt: `it's "x" \\ \n 😀 café` }],
    ['an integer cfgScale (a number)', { ...good, cfgScale: 7 }],
    ['an empty negative prompt', { ...good, negativePrompt: '' }],
  ])('accepts %s', (_, body) => {
    expect(errorsFor(body)).toEqual([]);
  });

  it.each([
    ['an empty object', {}, 'engine'],
    ['no engine', { prompt: 'p' }, 'engine'],
    ['no prompt', { engine: 'sdxl' }, 'prompt'],
    ['a numeric engine', { ...good, engine: 7 }, 'engine'],
    ['a null engine', { ...good, engine: null }, 'engine'],
    ['an object engine', { ...good, engine: { name: 'sdxl' } }, 'engine'],
    ['a numeric prompt', { ...good, prompt: 42 }, 'prompt'],
    ['an empty prompt', { ...good, prompt: '' }, 'prompt'],
    ['a prompt one character too long', { ...good, prompt: 'p'.repeat(1501) }, 'prompt'],
    ['a prompt given as a list', { ...good, prompt: ['a', 'b'] }, 'prompt'],
    ['quantity 0', { ...good, quantity: 0 }, 'quantity'],
    ['quantity 11', { ...good, quantity: 11 }, 'quantity'],
    ['quantity 2.5', { ...good, quantity: 2.5 }, 'quantity'],
    ['quantity -1', { ...good, quantity: -1 }, 'quantity'],
    ['quantity 1000', { ...good, quantity: 1e3 }, 'quantity'],
    ['quantity as a string', { ...good, quantity: '3' }, 'quantity'],
    ['quantity as a boolean', { ...good, quantity: true }, 'quantity'],
    ['width as a string', { ...good, width: '512' }, 'width'],
    ['a fractional width', { ...good, width: 512.5 }, 'width'],
    ['a null height', { ...good, height: null }, 'height'],
    ['steps as a string', { ...good, steps: '20' }, 'steps'],
    ['fractional steps', { ...good, steps: 1.5 }, 'steps'],
    ['cfgScale as a string', { ...good, cfgScale: '7' }, 'cfgScale'],
    ['cfgScale as a boolean', { ...good, cfgScale: true }, 'cfgScale'],
    ['a numeric negative prompt', { ...good, negativePrompt: 5 }, 'negativePrompt'],
    ['the secret apiKey next to valid inputs', { ...good, apiKey: 'sk-live-123' }, 'apiKey'],
    ['the secret apiKey alone', { apiKey: 'sk-live-123' }, 'apiKey'],
    ['an unknown field', { ...good, seed: 42 }, 'seed'],
    ['a field named like a declared one in another case', { ...good, Prompt: 'x' }, 'Prompt'],
    ['a field named constructor', { ...good, constructor: 'x' }, 'constructor'],
  ])('refuses %s, naming the field', (_, body, field) => {
    const errors = errorsFor(body);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map(fieldOf)).toContain(field);
  });

  it.each([
    ['null', null],
    ['an array', [good]],
    ['a string', JSON.stringify(good)],
    ['a number', 42],
    ['a boolean', true],
  ])('refuses a body that is %s rather than an object', (_, body) => {
    expect(errorsFor(body).map((e) => e.keyword)).toContain('type');
  });
});

describe('inputModelSchema', () => {
  const where = 'test inputSchema';

  it('lists names declared inside allOf/anyOf/if-then at the top, so closing the object does not refuse them', () => {
    const schema = {
      type: 'object',
      properties: { mode: { enum: ['image', 'video'] } },
      if: { properties: { mode: { const: 'video' } } },
      then: { properties: { duration: { type: 'integer' } } },
      anyOf: [{ properties: { seed: { type: 'integer' } } }, { required: ['mode'] }],
    };
    const check = new AjvDraft04({ strict: false }).compile(inputModelSchema(schema, { where }));
    expect(check({ mode: 'video', duration: 3, seed: 1 })).toBe(true);
    expect(check({ mode: 'video', other: 1 })).toBe(false);
  });

  it('refuses a schema that still declares a secret input', () => {
    expect(() =>
      inputModelSchema({ type: 'object', properties: { apiKey: { type: 'string' } } }, { where, secretInputs: ['apiKey'] }),
    ).toThrow(/secret input "apiKey".*remove it/);
  });

  it('refuses patternProperties that would admit a secret input', () => {
    expect(() =>
      inputModelSchema({ type: 'object', patternProperties: { '^api': { type: 'string' } } }, { where, secretInputs: ['apiKey'] }),
    ).toThrow(/pattern "\^api" would accept the secret input "apiKey"/);
  });

  it('refuses inputs that are not an object', () => {
    expect(() => inputModelSchema({ type: 'array' }, { where })).toThrow(SchemaTranslationError);
  });

  it('treats a schema without a type as an object', () => {
    expect(inputModelSchema({ properties: { a: { type: 'string' } } }, { where }).type).toBe('object');
  });
});
