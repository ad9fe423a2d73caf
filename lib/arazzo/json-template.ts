/**
 * Request payloads written as JSON *text* with `{$…}` expressions embedded, as in the specification's own
 * request-body example (`payload: |` then `{"petId": "{$inputs.pet_id}", …}` with `contentType: application/json`).
 *
 * Substituting values into the text and sending the result would let an input that contains `"` rewrite the
 * body, and sending the text as a JSON string would encode it twice. Instead the text is parsed once, at synth
 * time, into the value it describes; each `{$…}` becomes a value the step runner resolves like any other:
 *  - a JSON string that is exactly one `{$…}` (quoted or not in the text) → the expression's value, of its own
 *    type, as in a payload written as YAML (`petId: "{$inputs.pet_id}"`);
 *  - `{$…}` inside a longer JSON string → embedded as text (objects and arrays as JSON), escaped correctly.
 */
import { parseExpression } from './expressions.ts';

export type JsonTemplateResult = { value: unknown } | { error: string };

/** Whether a payload is JSON text the compiler must parse: a string, sent as JSON, that holds an object or array. */
export function isJsonTextPayload(payload: unknown, contentType: string | undefined): payload is string {
  if (typeof payload !== 'string') return false;
  if (!isJsonMediaType(contentType)) return false;
  const text = payload.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return false;
  // `{$inputs.order}` on its own is a whole runtime expression, not JSON text.
  return !isSingleEmbeddedExpression(text);
}

/** No content type means the step runner sends JSON, so a string payload is read the same way. */
function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function isSingleEmbeddedExpression(text: string): boolean {
  return /^\{\$[^{}]*\}$/.test(text) && 'expression' in parseExpression(text.slice(1, -1));
}

/**
 * Parses JSON text in which `{$…}` may stand where a value goes (unquoted) or inside strings. An unquoted
 * `{$…}` becomes the string `"{$…}"`, which the step runner resolves to the expression's typed value.
 */
export function readJsonTemplate(text: string): JsonTemplateResult {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      out += char;
      if (char === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (char === '"') {
        inString = false;
      }
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
      continue;
    }
    if (text.startsWith('{$', i)) {
      const end = text.indexOf('}', i);
      // With no closing brace, inner is '', which is no expression (one starts with '$').
      // Stryker disable next-line StringLiteral: any text without a leading '$' is no expression either
      const inner = end === -1 ? '' : text.slice(i + 1, end);
      if (!inner.includes('{') && 'expression' in parseExpression(inner)) {
        out += JSON.stringify(`{${inner}}`);
        i = end;
        continue;
      }
    }
    out += char;
  }
  try {
    return { value: JSON.parse(out) as unknown };
  } catch (error) {
    return {
      error:
        `is JSON text (the content type is JSON) but does not parse: ${(error as Error).message}; fix the JSON, ` +
        'or write the payload as a YAML object',
    };
  }
}
