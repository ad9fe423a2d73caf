/**
 * Rules of JSON text payloads with embedded `{$…}` expressions (json-template.ts): which payloads are JSON
 * text, where an embedded expression starts and ends, and what a text that does not parse is told.
 */
import { describe, expect, it } from 'vitest';
import { isJsonTextPayload, readJsonTemplate } from '../../lib/arazzo/json-template.ts';

const errorOf = (text: string): string => {
  const result = readJsonTemplate(text);
  if (!('error' in result)) throw new Error(`expected ${text} to be refused, got ${JSON.stringify(result.value)}`);
  return result.error;
};

describe('which payloads are JSON text', () => {
  it('reads the media type before any parameter with the spaces around it ignored', () => {
    expect(isJsonTextPayload('{"a": 1}', 'application/json ; charset=utf-8')).toBe(true);
    expect(isJsonTextPayload('{"a": 1}', 'application/problem+json ;charset=utf-8')).toBe(true);
  });

  it('takes only one {$…} with no brace inside and nothing around it as a whole expression', () => {
    expect(isJsonTextPayload('{$inputs.order}', 'application/json')).toBe(false);
    // A list around a bare expression is JSON text (which then does not parse), not the expression.
    expect(isJsonTextPayload('[$inputs.x]', 'application/json')).toBe(true);
    // A JSON Pointer may hold braces, but braces before or after the one {$…} make it JSON text.
    expect(isJsonTextPayload('[$response.body#/{$a}', 'application/json')).toBe(true);
    expect(isJsonTextPayload('{$response.body#/a}x}', 'application/json')).toBe(true);
  });
});

describe('an embedded expression in JSON text', () => {
  it('starts only at {$: a bare $inputs.x} outside a string is a JSON error', () => {
    expect(errorOf('[ $inputs.x}]')).toMatch(/^is JSON text \(the content type is JSON\) but does not parse: Unexpected token '\$'/);
  });

  it('ends at the first }, and holds no {: a pointer with a brace in it is a JSON error, not an expression', () => {
    expect(readJsonTemplate('[{$response.body#/a}]')).toEqual({ value: ['{$response.body#/a}'] });
    expect(errorOf('[{$response.body#/{x}]')).toMatch(/does not parse: Expected property name/);
  });

  it('that is not a runtime expression stays text, and so is a JSON error', () => {
    expect(errorOf('{"a": {$nope.x}}')).toMatch(/does not parse: Expected property name or '\}' in JSON at position 7/);
  });
});

describe('JSON text that does not parse', () => {
  it('is refused saying both fixes: mend the JSON, or write the payload as YAML', () => {
    expect(errorOf('{"a": 1,,}')).toMatch(/^is JSON text \(the content type is JSON\) but does not parse: .+; fix the JSON, or write the payload as a YAML object$/);
  });

  it('ends early when its last character is a backslash inside a string: nothing is read after it', () => {
    expect(errorOf('["a\\')).toMatch(/does not parse: Unexpected end of JSON input;/);
  });
});

// Last in the file: a mutant that misreads an unclosed {$ loops for ever, so the assertions above fail first.
describe('an unclosed {$ in JSON text', () => {
  it('is a JSON error, not an expression made of what follows', () => {
    expect(errorOf('{$inputs.ab')).toMatch(/does not parse: Expected property name or '\}' in JSON at position 1/);
    expect(errorOf('[{$inputs.ab]')).toMatch(/does not parse: Expected property name or '\}' in JSON at position 2/);
  });
});
