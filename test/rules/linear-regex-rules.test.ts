/**
 * Rules of document regular expressions run on the linear-time engine (linear-regex.ts): what a refusal says,
 * how `\uXXXX` is read, what ajv's engine hook does with a refused pattern, and where in a JSON Schema each
 * refused `pattern` is reported.
 */
import { describe, expect, it } from 'vitest';
import { checkSchemaPatterns, compileLinearRegex, linearRegExpEngine } from '../../lib/arazzo/linear-regex.ts';
import { checkInputSchema } from '../../lib/arazzo/inputs.ts';

const BACKREFERENCE = '"(a)\\\\1" uses a backreference, which cannot be matched in linear time; rewrite it without one (repeat the group\'s pattern instead)';

const errorOf = (pattern: string): string => {
  const compiled = compileLinearRegex(pattern);
  if (!('error' in compiled)) throw new Error(`expected ${pattern} to be refused`);
  return compiled.error;
};

describe('a refused pattern', () => {
  it('that ECMA-262 refuses quotes the engine complaint in at most 120 characters, though it repeats the pattern', () => {
    const message = errorOf(`(${'a'.repeat(300)}`);
    const [, complaint] = message.split(' is not a valid regular expression (ECMA-262): ');
    expect(complaint).toMatch(/^Invalid regular expression: \/\(a+$/);
    expect(complaint).toHaveLength(120);
  });

  it('that RE2 cannot run for another reason names the reason without the quoted fragment, and links the syntax', () => {
    expect(errorOf('a{1001}')).toBe(
      '"a{1001}" cannot be run by the linear-time regular expression engine (RE2 syntax): error parsing regexp: invalid repeat count; see https://github.com/google/re2/wiki/Syntax',
    );
  });

  it('with lookaround is told so, and a pattern with neither lookaround nor backreference is not', () => {
    expect(errorOf('a(?!b)')).toMatch(/^"a\(\?!b\)" uses lookaround/);
    expect(errorOf('\\p{Foo}')).not.toMatch(/lookaround|backreference/);
  });

  it('given to ajv as its regExp engine throws the refusal, so a schema with it is refused naming the reason', () => {
    expect(() => linearRegExpEngine('(a)\\1')).toThrow(BACKREFERENCE);
    expect(checkInputSchema({ type: 'object', properties: { code: { type: 'string', pattern: '(a)\\1' } } })).toBe(BACKREFERENCE);
  });
});

describe('a pattern the engine runs', () => {
  it('prints as /pattern/', () => {
    expect(String(compileLinearRegex('^a+$'))).toBe('/^a+$/');
    expect(String(linearRegExpEngine('^a+$'))).toBe('/^a+$/');
  });

  it('reads \\uXXXX as that character', () => {
    const regex = compileLinearRegex('^x\\u00e9y$');
    if ('error' in regex) throw new Error(regex.error);
    expect(regex.test('xéy')).toBe(true);
    expect(regex.test('xy')).toBe(false);
    expect(regex.test('xey')).toBe(false);
  });
});

describe('the refused patterns of a JSON Schema', () => {
  it('are none when every pattern and patternProperties key runs', () => {
    expect(checkSchemaPatterns({ type: 'object', properties: { a: { type: 'string', pattern: '^a+$' } }, patternProperties: { '^x-': {} } })).toEqual([]);
  });

  it('are named by index alone in a top-level list', () => {
    expect(checkSchemaPatterns([{ type: 'string' }, { pattern: '(a)\\1' }])).toEqual([{ path: ['[1]', 'pattern'], message: BACKREFERENCE }]);
  });

  it('inside a list of subschemas are named by the keyword and index, under the path that leads there', () => {
    expect(checkSchemaPatterns({ properties: { a: { allOf: [{ type: 'string' }, { pattern: '(a)\\1' }] } } })).toEqual([
      { path: ['properties', 'a', 'allOf[1]', 'pattern'], message: BACKREFERENCE },
    ]);
  });

  it('include those under a property that is itself called pattern', () => {
    expect(checkSchemaPatterns({ properties: { pattern: { type: 'string', pattern: '(a)\\1' } } })).toEqual([
      { path: ['properties', 'pattern', 'pattern'], message: BACKREFERENCE },
    ]);
  });

  it('include a patternProperties key, reported at the patternProperties', () => {
    expect(checkSchemaPatterns({ properties: { a: { patternProperties: { '(a)\\1': { type: 'string' } } } } })).toEqual([
      { path: ['properties', 'a', 'patternProperties'], message: BACKREFERENCE },
    ]);
  });

  it('include those inside a patternProperties subschema, with the path through it', () => {
    expect(checkSchemaPatterns({ properties: { a: { patternProperties: { '^x': { pattern: '(a)\\1' } } } } })).toEqual([
      { path: ['properties', 'a', 'patternProperties', '^x', 'pattern'], message: BACKREFERENCE },
    ]);
  });

  it('leave a patternProperties that is not a map of patterns to the meta-schema check', () => {
    expect(checkSchemaPatterns({ patternProperties: null })).toEqual([]);
    expect(checkSchemaPatterns({ patternProperties: '((' })).toEqual([]);
  });
});
