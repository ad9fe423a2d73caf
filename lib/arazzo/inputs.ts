/**
 * Workflow inputs: the public input schema (secret inputs removed) and validation of a run's inputs.
 * Used by the compiler and by the step runner, so no Node imports here.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { ArazzoDocumentError, documentPath } from './errors.ts';
import { linearRegExpEngine } from './linear-regex.ts';
import type { JsonSchema } from './types.ts';
import { isRecord } from './json-values.ts';
import { unescapeToken } from './pointer-tokens.ts';

/**
 * The document's workflow input schema minus the secret inputs (removed from properties and required).
 * Throws ArazzoDocumentError naming the input if a secret input is not declared.
 */
export function publicInputSchema(
  workflowInputs: JsonSchema | undefined,
  secretInputs: string[],
  where: string,
): JsonSchema {
  const schema: JsonSchema = structuredClone(workflowInputs ?? { type: 'object' });
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const undeclared = secretInputs.filter((name) => !Object.hasOwn(properties, name));
  if (undeclared.length > 0) {
    const names = undeclared.map((name) => `"${name}"`).join(', ');
    throw new ArazzoDocumentError(
      documentPath(where, 'inputs', 'properties'),
      `secret input ${names} is not declared; add it to the workflow's inputs.properties or remove it from the secret inputs`,
    );
  }
  if (secretInputs.length === 0) return schema;
  const secrets = new Set(secretInputs);
  schema.properties = Object.fromEntries(Object.entries(properties).filter(([name]) => !secrets.has(name)));
  if (Array.isArray(schema.required)) {
    // A name that is not a string is never in secrets, so it is kept.
    schema.required = schema.required.filter((name) => !secrets.has(name as string));
  }
  return schema;
}

/**
 * Keywords whose values are subschemas a valid instance (or part of it) must satisfy: one, a list, or a map
 * of them. `not`, `if`, `contains` and `propertyNames` are left alone: bounding inside them would change
 * what they accept.
 */
const SUBSCHEMA_KEYWORDS = {
  one: ['items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'then', 'else'],
  list: ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'],
  map: ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'],
} as const;

/**
 * A copy of `schema` in which every subschema that admits a string of any length gets `maxLength: max`: those
 * typed `string` (alone or in a list of types), leaves with no type at all (`{}` admits any string) and `true`.
 * A `maxLength` the document or overlay gives is kept. Enums and consts are bounded already.
 */
export function boundStrings(schema: JsonSchema, max: number): JsonSchema {
  const bound = (node: unknown): unknown => {
    if (node === true) return { maxLength: max };
    if (!isRecord(node)) return node;
    const copy: JsonSchema = { ...node };
    for (const keyword of SUBSCHEMA_KEYWORDS.one) if (copy[keyword] === true || isRecord(copy[keyword])) copy[keyword] = bound(copy[keyword]);
    for (const keyword of SUBSCHEMA_KEYWORDS.list) if (Array.isArray(copy[keyword])) copy[keyword] = (copy[keyword] as unknown[]).map(bound);
    for (const keyword of SUBSCHEMA_KEYWORDS.map) {
      const map = copy[keyword];
      if (isRecord(map)) copy[keyword] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, bound(sub)]));
    }
    if (copy.maxLength !== undefined || copy.enum !== undefined || copy.const !== undefined || copy.$ref !== undefined) return copy;
    const types = Array.isArray(copy.type) ? copy.type : copy.type === undefined ? undefined : [copy.type];
    const combinator = ['allOf', 'anyOf', 'oneOf', 'not', 'if'].some((keyword) => copy[keyword] !== undefined);
    if (types?.includes('string') || (types === undefined && !combinator)) copy.maxLength = max;
    return copy;
  };
  return bound(schema) as JsonSchema;
}

// Formats are annotations in draft 2020-12 unless a vocabulary asserts them; unknown keywords (`x-…`,
// `example`) are common in documents, so strict mode would refuse valid documents. Patterns run on RE2.
const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  // Stryker disable next-line BooleanLiteral: no format is registered (no ajv-formats), and with strict off ajv skips an unknown format either way
  validateFormats: false,
  logger: false,
  code: { regExp: linearRegExpEngine },
} as const;
// A schema is checked against the meta-schema once, at compile time (checkInputSchema, with the meta-schemas
// loaded). A run validates inputs against a schema that passed, on an instance without them: loading and compiling
// the meta-schemas on every start (step runner, npm start) costs about 0.2 s of CPU. Both are made on first use.
let checking: Ajv2020 | undefined;
let running: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (validate === undefined) {
    running ??= new Ajv2020({ ...AJV_OPTIONS, meta: false, validateSchema: false });
    validate = running.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/**
 * Problems with inputs, each naming the field, e.g. "name: is required", "count: must be <= 10".
 * [] when valid. Messages never include the submitted values (inputs may hold secrets).
 */
export function validateInputs(schema: JsonSchema, inputs: unknown): string[] {
  const validate = validatorFor(schema);
  if (validate(inputs)) return [];
  // Stryker disable next-line ArrayDeclaration: ajv sets errors whenever validate returns false
  return (validate.errors ?? []).map(describeError);
}

/** Checks that a schema compiles; returns ajv's complaint or undefined. For synth-time document checks. */
export function checkInputSchema(schema: JsonSchema): string | undefined {
  try {
    checking ??= new Ajv2020(AJV_OPTIONS);
    // The words ajv's compile uses when it checks the schema itself.
    if (!checking.validateSchema(schema)) return `schema is invalid: ${checking.errorsText(checking.errors)}`;
    validatorFor(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function describeError(error: ErrorObject): string {
  const field = fieldName(error.instancePath);
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: unknown }).missingProperty);
    return `${joinField(field, missing)}: is required`;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    return `${joinField(field, extra)}: is not a declared input`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues?: unknown }).allowedValues;
    return `${field || 'inputs'}: must be one of ${JSON.stringify(allowed)}`;
  }
  // Stryker disable next-line StringLiteral: ajv gives every error a message (its messages option is on by default)
  return `${field || 'inputs'}: ${error.message ?? 'is not valid'}`;
}

/** `/a/0/b~1c` → `a[0].b/c` */
function fieldName(instancePath: string): string {
  // The empty token before the first `/` (and an empty path) joins as ''.
  return instancePath
    .split('/')
    .map(unescapeToken)
    .reduce((path, token) => (/^\d+$/.test(token) ? `${path}[${token}]` : joinField(path, token)), '');
}

function joinField(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
