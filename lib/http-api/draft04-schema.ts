/**
 * Translates a JSON Schema 2020-12 (what Arazzo documents write) into the draft-04 dialect API Gateway
 * validates request bodies with. Every keyword is either translated to something that accepts exactly the
 * same instances, dropped because it is only an annotation, or refused with an error that names the
 * keyword, where it is, and what to do instead — never silently loosened.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonSchema } from '../arazzo/types.ts';
import { escapeToken, unescapeToken } from '../arazzo/pointer-tokens.ts';

export const DRAFT_04_URI = 'http://json-schema.org/draft-04/schema#';

export class SchemaTranslationError extends Error {
  override readonly name = 'SchemaTranslationError';
}

/** Kept as they are: draft-04 has the same keyword with the same meaning. */
const SAME_IN_DRAFT_04 = new Set([
  'title',
  'description',
  'default',
  'multipleOf',
  'maximum',
  'minimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
]);

/** Annotations only in 2020-12 (no effect on which instances are valid), so dropping them changes nothing. */
const ANNOTATIONS = new Set([
  '$comment',
  'examples',
  'example',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
]);

/** Formats draft-04 defines (API Gateway checks them); other formats are 2020-12 annotations and are dropped. */
const DRAFT_04_FORMATS = new Set(['date-time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri']);

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

const DIALECT_2020_12 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/** Why a keyword cannot be translated, and the fix. */
const REFUSED: Record<string, string> = {
  contains: 'draft-04 has no "contains"; list the allowed items with "items" instead',
  minContains: 'draft-04 has no "contains"; list the allowed items with "items" instead',
  maxContains: 'draft-04 has no "contains"; list the allowed items with "items" instead',
  propertyNames: 'draft-04 has no "propertyNames"; constrain names with "patternProperties" and "additionalProperties": false',
  unevaluatedProperties: 'draft-04 has no "unevaluatedProperties"; use "additionalProperties" next to "properties"',
  unevaluatedItems: 'draft-04 has no "unevaluatedItems"; use "items"/"prefixItems"',
  $dynamicRef: 'dynamic references cannot be expressed in draft-04; inline the schema',
  $dynamicAnchor: 'dynamic references cannot be expressed in draft-04; inline the schema',
  $recursiveRef: 'recursive references cannot be expressed in draft-04; inline the schema',
  $recursiveAnchor: 'recursive references cannot be expressed in draft-04; inline the schema',
  $id: 'API Gateway models cannot carry their own identifiers; remove "$id"',
  $anchor: 'anchors cannot be referenced from an API Gateway model; use "$ref": "#/$defs/<name>"',
  $vocabulary: 'remove "$vocabulary": only the 2020-12 validation vocabulary is translated',
  dependencies: 'in 2020-12 write "dependentRequired" or "dependentSchemas"',
  nullable: '"nullable" is OpenAPI 3.0, not JSON Schema; write "type": ["string", "null"]',
};

interface Walk {
  root: JsonSchema;
  where: string;
  /** `$ref` targets being inlined, to refuse recursion. */
  resolving: string[];
}

/**
 * Translates `schema` to draft-04. `where` names the schema in errors (for example "inputSchema of the
 * HTTP API"). The result carries no `$schema`; the caller adds it at the top.
 */
export function toDraft04(schema: JsonSchema | boolean, where: string): JsonSchema {
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema) && '$schema' in schema) {
    const dialect = schema.$schema;
    if (typeof dialect !== 'string' || !DIALECT_2020_12.test(dialect)) {
      throw new SchemaTranslationError(
        `${where}: "$schema" at # is ${JSON.stringify(dialect)}; only JSON Schema 2020-12 (the dialect Arazzo 1.0 uses) is translated — remove "$schema" or set it to https://json-schema.org/draft/2020-12/schema`,
      );
    }
  }
  // `root` is read only to resolve a "$ref", which only an object schema can hold.
  // Stryker disable next-line ArrayDeclaration: a reference is checked for recursion only once it has the form #/$defs/<name>, which no element added here has
  return translate(schema, '#', { root: schema as JsonSchema, where, resolving: [] }, true);
}

function translate(schema: unknown, at: string, walk: Walk, isRoot = false): JsonSchema {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw refuse(walk, at, 'a schema must be an object or a boolean');
  }
  const source = schema as JsonSchema;

  if (typeof source.$ref === 'string') {
    const { $ref, ...siblings } = source;
    const target = inline($ref, at, walk);
    const rest = translate(withoutDefs(siblings), at, walk, isRoot);
    return Object.keys(rest).length === 0 ? target : { allOf: [target, rest] };
  }

  const out: JsonSchema = {};
  const applyIf: JsonSchema[] = [];
  for (const [keyword, value] of Object.entries(source)) {
    if (ANNOTATIONS.has(keyword) || keyword.startsWith('x-')) continue;
    const here = `${at}/${escapeToken(keyword)}`;
    if (SAME_IN_DRAFT_04.has(keyword)) {
      out[keyword] = value;
    } else if (Object.hasOwn(REFUSED, keyword)) {
      throw refuse(walk, here, REFUSED[keyword]);
    } else {
      switch (keyword) {
        case '$schema':
          if (!isRoot) throw refuse(walk, here, '"$schema" is only allowed at the top of the schema; remove it here');
          break;
        case '$defs':
        case 'definitions':
          // Definitions are inlined where "$ref" points at them; the container itself does not validate.
          break;
        case '$ref':
          throw refuse(walk, here, '"$ref" must be a string such as "#/$defs/<name>"');
        case 'type':
          out.type = checkType(value, here, walk);
          break;
        case 'format':
          // Stryker disable next-line ConditionalExpression: the set holds strings only, so it never has a value that is not one
          if (typeof value === 'string' && DRAFT_04_FORMATS.has(value)) out.format = value;
          break;
        case 'enum':
          if (!Array.isArray(value)) throw refuse(walk, here, '"enum" must be an array');
          out.enum = value;
          break;
        case 'const':
          break; // merged with "enum" below
        case 'exclusiveMinimum':
        case 'exclusiveMaximum':
          if (typeof value !== 'number') {
            throw refuse(walk, here, `in 2020-12 "${keyword}" is the bound itself (a number), not a boolean; write "${keyword}": <number>`);
          }
          break; // merged with "minimum"/"maximum" below
        case 'items':
          if (!('prefixItems' in source)) out.items = translate(value, here, walk);
          break;
        case 'prefixItems':
          if (!Array.isArray(value)) throw refuse(walk, here, '"prefixItems" must be an array of schemas');
          out.items = value.map((item, i) => translate(item, `${here}/${i}`, walk));
          if ('items' in source) out.additionalItems = translate(source.items, `${at}/items`, walk);
          break;
        case 'properties':
        case 'patternProperties':
          out[keyword] = translateMap(value, here, walk);
          break;
        case 'additionalProperties':
          out.additionalProperties = typeof value === 'boolean' ? value : translate(value, here, walk);
          break;
        case 'dependentRequired':
        case 'dependentSchemas':
          break; // merged into "dependencies" below
        case 'allOf':
        case 'anyOf':
        case 'oneOf':
          if (!Array.isArray(value) || value.length === 0) throw refuse(walk, here, `"${keyword}" must be a non-empty array of schemas`);
          out[keyword] = value.map((item, i) => translate(item, `${here}/${i}`, walk));
          break;
        case 'not':
          out.not = translate(value, here, walk);
          break;
        case 'if':
          applyIf.push(translateConditional(source, at, walk));
          break;
        case 'then':
        case 'else':
          break; // without "if" they have no effect; with it, translated above
        default:
          throw refuse(
            walk,
            here,
            `"${keyword}" is not a JSON Schema 2020-12 keyword this translator knows; fix its spelling, or prefix it with "x-" if it is an annotation`,
          );
      }
    }
  }

  mergeConst(source, out);
  mergeExclusiveBound(source, out, 'minimum', 'exclusiveMinimum', (a, b) => a > b);
  mergeExclusiveBound(source, out, 'maximum', 'exclusiveMaximum', (a, b) => a < b);
  mergeDependencies(source, out, at, walk);
  if (applyIf.length > 0) out.allOf = [...((out.allOf as JsonSchema[] | undefined) ?? []), ...applyIf];
  return out;
}

function translateMap(value: unknown, at: string, walk: Walk): JsonSchema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(walk, at, 'must be an object of schemas');
  const out: JsonSchema = {};
  for (const [name, subschema] of Object.entries(value)) out[name] = translate(subschema, `${at}/${escapeToken(name)}`, walk);
  return out;
}

/** if/then/else holds exactly when (if and then) or (not if and else); a missing branch is `true`. */
function translateConditional(source: JsonSchema, at: string, walk: Walk): JsonSchema {
  const condition = translate(source.if, `${at}/if`, walk);
  const then = 'then' in source ? translate(source.then, `${at}/then`, walk) : {};
  const otherwise = 'else' in source ? translate(source.else, `${at}/else`, walk) : {};
  return { anyOf: [{ allOf: [condition, then] }, { allOf: [{ not: condition }, otherwise] }] };
}

function mergeConst(source: JsonSchema, out: JsonSchema): void {
  if (!('const' in source)) return;
  if (out.enum === undefined) {
    out.enum = [source.const];
    return;
  }
  // The "enum" case above refused anything but an array. Both must hold: the instance must equal the const and be one of the enum.
  if ((out.enum as unknown[]).some((candidate) => isDeepStrictEqual(candidate, source.const))) {
    out.enum = [source.const];
    return;
  }
  // Nothing can; draft-04 forbids an empty enum, so say "no instance" with `not: {}`.
  delete out.enum;
  out.allOf = [...((out.allOf as JsonSchema[] | undefined) ?? []), { not: {} }];
}

/**
 * 2020-12 `exclusiveMinimum: 5` is draft-04 `minimum: 5, exclusiveMinimum: true`. With both an inclusive
 * and an exclusive bound the tighter one wins (at equal values the exclusive one is tighter).
 */
function mergeExclusiveBound(
  source: JsonSchema,
  out: JsonSchema,
  inclusive: 'minimum' | 'maximum',
  exclusive: 'exclusiveMinimum' | 'exclusiveMaximum',
  tighter: (a: number, b: number) => boolean,
): void {
  const bound = source[exclusive];
  if (typeof bound !== 'number') return;
  const current = source[inclusive];
  if (typeof current === 'number' && tighter(current, bound)) return; // the inclusive bound already excludes it
  out[inclusive] = bound;
  out[exclusive] = true;
}

function mergeDependencies(source: JsonSchema, out: JsonSchema, at: string, walk: Walk): void {
  const required = source.dependentRequired;
  const schemas = source.dependentSchemas;
  if (required === undefined && schemas === undefined) return;
  const dependencies: JsonSchema = {};
  if (required !== undefined) {
    if (typeof required !== 'object' || required === null || Array.isArray(required)) {
      throw refuse(walk, `${at}/dependentRequired`, 'must be an object of string arrays');
    }
    for (const [name, names] of Object.entries(required)) {
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
        throw refuse(walk, `${at}/dependentRequired/${escapeToken(name)}`, 'must be an array of property names');
      }
      dependencies[name] = names;
    }
  }
  if (schemas !== undefined) {
    const translated = translateMap(schemas, `${at}/dependentSchemas`, walk);
    for (const [name, schema] of Object.entries(translated)) {
      const names = dependencies[name];
      // A draft-04 dependency is either a name list or a schema; both at once is their conjunction.
      dependencies[name] = names === undefined ? schema : { allOf: [schema, { required: names }] };
    }
  }
  out.dependencies = dependencies;
}

function inline(ref: string, at: string, walk: Walk): JsonSchema {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (!match) {
    throw refuse(
      walk,
      `${at}/$ref`,
      `"$ref": "${ref}" cannot be resolved into an API Gateway model; only "#/$defs/<name>" references are inlined — inline the schema instead`,
    );
  }
  if (walk.resolving.includes(ref)) {
    throw refuse(walk, `${at}/$ref`, `"$ref": "${ref}" is recursive, which draft-04 models cannot express without references; bound the nesting and inline it`);
  }
  const container = walk.root[match[1]];
  const name = unescapeToken(match[2]);
  const target =
    typeof container === 'object' && container !== null && Object.hasOwn(container, name)
      ? (container as JsonSchema)[name]
      : undefined;
  if (target === undefined) throw refuse(walk, `${at}/$ref`, `"$ref": "${ref}" points at nothing; add it under "${match[1]}"`);
  return translate(target, `#/${match[1]}/${match[2]}`, { ...walk, resolving: [...walk.resolving, ref] });
}

function withoutDefs(schema: JsonSchema): JsonSchema {
  const { $defs: _defs, definitions: _definitions, ...rest } = schema;
  return rest;
}

function checkType(value: unknown, at: string, walk: Walk): unknown {
  const names = Array.isArray(value) ? value : [value];
  for (const name of names) {
    // Stryker disable next-line ConditionalExpression: TYPES holds strings only, so it never has a name that is not one
    if (typeof name !== 'string' || !TYPES.has(name)) {
      throw refuse(walk, at, `"type" ${JSON.stringify(name)} is not one of ${[...TYPES].join(', ')}`);
    }
  }
  return value;
}

function refuse(walk: Walk, at: string, why: string): SchemaTranslationError {
  return new SchemaTranslationError(`${walk.where}: cannot translate ${at} to API Gateway's draft-04 model: ${why}.`);
}

