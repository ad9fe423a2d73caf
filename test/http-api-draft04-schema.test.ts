/**
 * toDraft04: every 2020-12 keyword becomes draft-04 that accepts exactly the same instances, is dropped as
 * an annotation, or is refused at synth time with the keyword, its location and the fix.
 * Equivalence is checked by validating the same instances with ajv's 2020-12 and draft-04 validators.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import { SchemaTranslationError, toDraft04 } from '../lib/http-api/draft04-schema.ts';

// ajv-draft-04 is CommonJS: under NodeNext the default import is the module, whose `default` is the class.
const AjvDraft04 = ajvDraft04.default;

const WHERE = 'test inputs';

function agreeOn(schema: JsonSchema, instances: unknown[]): void {
  const translated = toDraft04(schema, WHERE);
  const original = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
  const draft04 = new AjvDraft04({ strict: false, validateFormats: false }).compile(translated);
  for (const instance of instances) {
    expect({ instance, valid: draft04(instance) }).toEqual({ instance, valid: original(instance) });
  }
}

function refusal(schema: JsonSchema): string {
  try {
    toDraft04(schema, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaTranslationError);
    return (error as Error).message;
  }
  throw new Error('expected the translation to be refused');
}

describe('toDraft04 translates', () => {
  it('keeps the keywords draft-04 shares, unchanged', () => {
    const schema = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'string', minLength: 1, maxLength: 5, pattern: '^[a-z]+$', title: 'A', description: 'd', default: 'x' },
        n: { type: ['number', 'null'], minimum: 0, maximum: 10, multipleOf: 0.5 },
        l: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3, uniqueItems: true },
      },
      patternProperties: { '^x-': { type: 'string' } },
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 4,
    };
    expect(toDraft04(schema, WHERE)).toEqual(schema);
  });

  it('const into a one-value enum', () => {
    expect(toDraft04({ const: 'fast' }, WHERE)).toEqual({ enum: ['fast'] });
    agreeOn({ const: { a: 1 } }, [{ a: 1 }, { a: 2 }, 'x']);
  });

  it('const with an enum into their intersection, and into "nothing" when they share no value', () => {
    expect(toDraft04({ const: 'a', enum: ['a', 'b'] }, WHERE)).toEqual({ enum: ['a'] });
    agreeOn({ const: 'c', enum: ['a', 'b'] }, ['a', 'b', 'c']);
  });

  it('a numeric exclusiveMinimum into minimum + exclusiveMinimum: true', () => {
    expect(toDraft04({ type: 'number', exclusiveMinimum: 5 }, WHERE)).toEqual({ type: 'number', minimum: 5, exclusiveMinimum: true });
    agreeOn({ exclusiveMinimum: 5 }, [4, 5, 5.0001, 6]);
  });

  it('inclusive and exclusive bounds together into the tighter one', () => {
    agreeOn({ minimum: 3, exclusiveMinimum: 5 }, [3, 5, 6]);
    agreeOn({ minimum: 7, exclusiveMinimum: 5 }, [6, 7, 8]);
    agreeOn({ minimum: 5, exclusiveMinimum: 5 }, [5, 5.1]);
    agreeOn({ maximum: 10, exclusiveMaximum: 8 }, [7, 8, 9]);
    agreeOn({ maximum: 6, exclusiveMaximum: 8 }, [6, 7]);
  });

  it('prefixItems into an items array, with items as additionalItems', () => {
    expect(toDraft04({ prefixItems: [{ type: 'string' }], items: false }, WHERE)).toEqual({
      items: [{ type: 'string' }],
      additionalItems: { not: {} },
    });
    agreeOn({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: { type: 'boolean' } }, [
      ['a', 1],
      ['a', 1, true],
      ['a', 1, 'x'],
      [1, 'a'],
      ['a'],
    ]);
  });

  it('dependentRequired and dependentSchemas into dependencies', () => {
    const schema = {
      dependentRequired: { width: ['height'] },
      dependentSchemas: { seed: { required: ['steps'] }, width: { properties: { width: { maximum: 2048 } } } },
    };
    agreeOn(schema, [{}, { width: 10 }, { width: 10, height: 2 }, { width: 4096, height: 2 }, { seed: 1 }, { seed: 1, steps: 2 }]);
  });

  it('if/then/else into the equivalent anyOf', () => {
    const schema = {
      if: { properties: { kind: { const: 'video' } }, required: ['kind'] },
      then: { required: ['duration'] },
      else: { not: { required: ['duration'] } },
    };
    agreeOn(schema, [{}, { kind: 'video' }, { kind: 'video', duration: 3 }, { kind: 'image' }, { kind: 'image', duration: 3 }]);
  });

  it('boolean schemas into {} and {not: {}}', () => {
    expect(toDraft04({ properties: { any: true, none: false } }, WHERE)).toEqual({ properties: { any: {}, none: { not: {} } } });
  });

  it('local $defs references by inlining them', () => {
    const schema = {
      $defs: { size: { type: 'integer', minimum: 64, maximum: 2048 } },
      properties: { width: { $ref: '#/$defs/size' }, height: { $ref: '#/$defs/size', multipleOf: 8 } },
    };
    expect(toDraft04(schema, WHERE)).toEqual({
      properties: {
        width: { type: 'integer', minimum: 64, maximum: 2048 },
        height: { allOf: [{ type: 'integer', minimum: 64, maximum: 2048 }, { multipleOf: 8 }] },
      },
    });
    agreeOn(schema, [{ width: 64 }, { width: 32 }, { height: 72 }, { height: 68 }]);
  });

  it('drops annotation-only keywords and x- extensions, and formats draft-04 does not define', () => {
    expect(
      toDraft04(
        { type: 'string', examples: ['a'], deprecated: true, $comment: 'c', 'x-ui': 'textarea', format: 'uuid', contentMediaType: 'text/plain' },
        WHERE,
      ),
    ).toEqual({ type: 'string' });
  });

  it('keeps the formats draft-04 defines', () => {
    expect(toDraft04({ type: 'string', format: 'date-time' }, WHERE)).toEqual({ type: 'string', format: 'date-time' });
  });

  it('accepts a 2020-12 $schema at the top and drops it', () => {
    expect(toDraft04({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }, WHERE)).toEqual({ type: 'object' });
  });
});

describe('toDraft04 refuses, naming the keyword, where it is, and the fix', () => {
  it.each([
    [{ properties: { tags: { type: 'array', contains: { const: 'x' } } } }, '#/properties/tags/contains', 'items'],
    [{ propertyNames: { maxLength: 3 } }, '#/propertyNames', 'patternProperties'],
    [{ unevaluatedProperties: false }, '#/unevaluatedProperties', 'additionalProperties'],
    [{ items: { unevaluatedItems: false } }, '#/items/unevaluatedItems', 'items'],
    [{ properties: { a: { $dynamicRef: '#x' } } }, '#/properties/a/$dynamicRef', 'inline'],
    [{ $id: 'https://example.test/s' }, '#/$id', '$id'],
    [{ dependencies: { a: ['b'] } }, '#/dependencies', 'dependentRequired'],
    [{ properties: { a: { nullable: true } } }, '#/properties/a/nullable', '"type": ["string", "null"]'],
    [{ properties: { a: { maxlength: 3 } } }, '#/properties/a/maxlength', 'spelling'],
    [{ exclusiveMinimum: true, minimum: 1 }, '#/exclusiveMinimum', 'number'],
    [{ properties: { a: { $ref: 'https://example.test/other.json' } } }, '#/properties/a/$ref', 'inline'],
    [{ properties: { a: { $ref: '#/$defs/missing' } } }, '#/properties/a/$ref', 'points at nothing'],
    [{ $defs: { node: { properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' }, '$ref', 'recursive'],
    [{ properties: { a: { type: 'text' } } }, '#/properties/a/type', 'one of'],
    [{ properties: { a: { $schema: 'https://json-schema.org/draft/2020-12/schema' } } }, '#/properties/a/$schema', 'top'],
    [{ anyOf: [] }, '#/anyOf', 'non-empty'],
  ])('%j', (schema, location, fix) => {
    const message = refusal(schema);
    expect(message).toContain(WHERE);
    expect(message).toContain(location);
    expect(message).toContain(fix);
  });

  it('a dialect other than 2020-12', () => {
    expect(refusal({ $schema: 'http://json-schema.org/draft-07/schema#' })).toMatch(/"\$schema".*2020-12/);
  });
});
