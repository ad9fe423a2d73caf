import { describe, expect, it } from 'vitest';
import { ArazzoDocumentError } from '../lib/arazzo/errors.ts';
import { publicInputSchema, validateInputs } from '../lib/arazzo/inputs.ts';
import type { JsonSchema } from '../lib/arazzo/types.ts';

const declared: JsonSchema = {
  type: 'object',
  required: ['token', 'name', 'count'],
  properties: {
    token: { type: 'string' },
    name: { type: 'string', maxLength: 5 },
    count: { type: 'integer', minimum: 1, maximum: 10 },
    size: { enum: ['s', 'm'] },
    address: { type: 'object', properties: { zip: { type: 'string', pattern: '^[0-9]+$' } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
};

describe('publicInputSchema', () => {
  it('removes secret inputs from properties and required, leaving the document schema untouched', () => {
    const schema = publicInputSchema(declared, ['token'], 'doc.yml › workflows[w]');
    expect(Object.keys(schema.properties as object)).toEqual(['name', 'count', 'size', 'address', 'tags']);
    expect(schema.required).toEqual(['name', 'count']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(declared.properties as object)).toContain('token');
    expect(declared.required).toContain('token');
  });

  it('returns the schema unchanged when there are no secrets, and an object schema when none is declared', () => {
    expect(publicInputSchema(declared, [], 'w')).toEqual(declared);
    expect(publicInputSchema(undefined, [], 'w')).toEqual({ type: 'object' });
  });

  it('names an undeclared secret input and the fix', () => {
    let error: unknown;
    try {
      publicInputSchema(declared, ['apiKey'], 'doc.yml › workflows[w]');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ArazzoDocumentError);
    expect((error as ArazzoDocumentError).location).toBe('doc.yml › workflows[w] › inputs › properties');
    expect((error as Error).message).toMatch(/^doc\.yml › workflows\[w\] › inputs › properties: secret input "apiKey" is not declared; add it/);
    expect(() => publicInputSchema(undefined, ['apiKey'], 'w')).toThrow(/"apiKey"/);
  });
});

describe('validateInputs', () => {
  const schema = publicInputSchema(declared, ['token'], 'w');

  it('accepts valid inputs', () => {
    expect(validateInputs(schema, { name: 'Ada', count: 3 })).toEqual([]);
    expect(validateInputs(schema, { name: 'Ada', count: 10, size: 'm', address: { zip: '10121' }, tags: ['x'] })).toEqual([]);
  });

  it('lists every problem, each naming the field', () => {
    expect(validateInputs(schema, { count: 11 }).sort()).toEqual(['count: must be <= 10', 'name: is required']);
    expect(validateInputs(schema, { name: 'Adalberta', count: 0 }).sort()).toEqual([
      'count: must be >= 1',
      'name: must NOT have more than 5 characters',
    ]);
    expect(validateInputs(schema, { name: 'Ada', count: 1.5 })).toEqual(['count: must be integer']);
    expect(validateInputs(schema, { name: 'Ada', count: 1, size: 'xl' })).toEqual(['size: must be one of ["s","m"]']);
  });

  it('names nested fields and list entries', () => {
    expect(validateInputs(schema, { name: 'Ada', count: 1, address: { zip: 'abc' } })).toEqual([
      'address.zip: must match pattern "^[0-9]+$"',
    ]);
    expect(validateInputs(schema, { name: 'Ada', count: 1, tags: ['ok', 3] })).toEqual(['tags[1]: must be string']);
  });

  it('names undeclared inputs, and never repeats a submitted value', () => {
    const problems = validateInputs(schema, { name: 'Ada', count: 1, token: 'sk-very-secret' });
    expect(problems).toEqual(['token: is not a declared input']);
    expect(problems.join(' ')).not.toContain('sk-very-secret');
  });

  it('reports inputs that are not an object', () => {
    expect(validateInputs(schema, 'text')).toEqual(['inputs: must be object']);
  });
});
