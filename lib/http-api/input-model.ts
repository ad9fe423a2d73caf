/**
 * The API Gateway model for POST /executions: the workflow's public input schema in draft-04, closed to
 * unknown fields so a body cannot carry anything the schema does not name (a secret input in particular).
 */
import { compileLinearRegex, type LinearRegex } from '../arazzo/linear-regex.ts';
import type { JsonSchema } from '../arazzo/types.ts';
import { DRAFT_04_URI, SchemaTranslationError, toDraft04 } from './draft04-schema.ts';

export interface InputModelOptions {
  /** Names the schema in errors. */
  where: string;
  /** Inputs that come from the secret store: refused if the public schema would accept them. */
  secretInputs?: readonly string[];
}

export function inputModelSchema(inputSchema: JsonSchema, options: InputModelOptions): JsonSchema {
  const { where } = options;
  const translated = toDraft04(inputSchema, where);

  const type = translated.type;
  if (type !== undefined && type !== 'object') {
    throw new SchemaTranslationError(
      `${where}: "type" at # is ${JSON.stringify(type)}; workflow inputs are a JSON object — set "type": "object"`,
    );
  }

  // additionalProperties only sees sibling "properties", so names declared inside allOf/anyOf/oneOf
  // (including translated if/then/else) are listed at the top too, constraining nothing.
  const properties: JsonSchema = { ...((translated.properties as JsonSchema | undefined) ?? {}) };
  for (const name of namesDeclared(translated)) {
    if (!Object.hasOwn(properties, name)) properties[name] = {};
  }

  for (const secret of options.secretInputs ?? []) {
    if (Object.hasOwn(properties, secret) || (Array.isArray(translated.required) && translated.required.includes(secret))) {
      throw new SchemaTranslationError(
        `${where}: secret input "${secret}" appears in the public input schema; remove it from "properties" and "required" — its value comes from the secret store, never from a request`,
      );
    }
    const patterns = Object.keys((translated.patternProperties as JsonSchema | undefined) ?? {});
    const admitting = patterns.find((pattern) => compilePattern(pattern, where).test(secret));
    if (admitting !== undefined) {
      throw new SchemaTranslationError(
        `${where}: "patternProperties" pattern ${JSON.stringify(admitting)} would accept the secret input "${secret}" in a request body; narrow the pattern so it does not match "${secret}"`,
      );
    }
  }

  const { $schema: _ignored, ...rest } = translated;
  return { $schema: DRAFT_04_URI, ...rest, type: 'object', properties, additionalProperties: false };
}

/**
 * Every property name the translated schema declares: at the top, and inside allOf/anyOf/oneOf branches and
 * dependency schemas at any depth. Everything here is toDraft04's output, so each subschema is an object and
 * each "properties" an object of schemas.
 */
function namesDeclared(schema: JsonSchema): string[] {
  const names: string[] = [];
  const visit = (subschema: JsonSchema): void => {
    if (subschema.properties !== undefined) names.push(...Object.keys(subschema.properties as JsonSchema));
    for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
      const branches = subschema[keyword];
      if (Array.isArray(branches)) for (const branch of branches as JsonSchema[]) visit(branch);
    }
    if (subschema.dependencies !== undefined) {
      for (const dependency of Object.values(subschema.dependencies as JsonSchema)) {
        // Stryker disable next-line ConditionalExpression: a name list has no properties and no branches, so visiting it would add no name
        if (!Array.isArray(dependency)) visit(dependency as JsonSchema);
      }
    }
  };
  visit(schema);
  return names;
}

function compilePattern(pattern: string, where: string): LinearRegex {
  const compiled = compileLinearRegex(pattern);
  if ('error' in compiled) throw new SchemaTranslationError(`${where}: "patternProperties" key: ${compiled.error}`);
  return compiled;
}
