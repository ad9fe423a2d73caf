/**
 * Boundary: document and remote server → runner. Regular expressions come from the document (regex criteria,
 * input-schema patterns) and meet text from callers and remote servers. They run on a linear-time engine,
 * so `^(a+)+$` against a long near-match answers at once instead of backtracking for longer than the run
 * may live. These tests would not finish under a backtracking engine (the inputs take it 2^60 steps), so
 * finishing at all is part of what they check.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateCriterion, checkCriterion } from '../../lib/arazzo/criteria.ts';
import { validateInputs } from '../../lib/arazzo/inputs.ts';
import { compileLinearRegex } from '../../lib/arazzo/linear-regex.ts';
import { loadArazzo, validateForCompilation } from '../../lib/arazzo/load.ts';
import { inputModelSchema } from '../../lib/http-api/input-model.ts';
import { documentError, documentVariants } from '../support/document-variant.ts';

const CATASTROPHIC = '^(a+)+$';
const NEAR_MATCH = `${'a'.repeat(60)}!`;
const LONG_NEAR_MATCH = `${'a'.repeat(200_000)}!`;

const documents = documentVariants('arazzo-regex');
afterAll(() => documents.remove());

const context = (body: unknown) => ({ statusCode: 200, response: { headers: {}, body }, inputs: {}, steps: {}, outputs: {} });

describe('a catastrophic pattern cannot hang a run', () => {
  it('a regex criterion over a remote answer', () => {
    const criterion = { context: '$response.body#/status', condition: CATASTROPHIC, type: 'regex' as const };
    expect(checkCriterion(criterion)).toBeUndefined();
    expect(evaluateCriterion(criterion, context({ status: NEAR_MATCH }))).toBe(false);
    expect(evaluateCriterion(criterion, context({ status: LONG_NEAR_MATCH }))).toBe(false);
    expect(evaluateCriterion(criterion, context({ status: 'aaaa' }))).toBe(true);
  });

  it("an input schema's pattern over a caller's input", () => {
    const schema = { type: 'object', properties: { prompt: { type: 'string', pattern: CATASTROPHIC } } };
    expect(validateInputs(schema, { prompt: LONG_NEAR_MATCH })).toEqual([`prompt: must match pattern "${CATASTROPHIC}"`]);
    expect(validateInputs(schema, { prompt: 'aaa' })).toEqual([]);
  });

  it('a patternProperties key checked against the secret input names at synth', () => {
    const schema = { type: 'object', properties: {}, patternProperties: { '^(a+)+$': { type: 'string' } } };
    expect(() => inputModelSchema(schema, { where: 'test', secretInputs: [NEAR_MATCH] })).not.toThrow();
  });
});

describe('patterns the linear engine cannot run are refused at compile time, with the document path', () => {
  it.each([
    ['a backreference', '^(a)\\1$', /uses a backreference, which cannot be matched in linear time/],
    ['a named backreference', '^(?<x>a)\\k<x>$', /uses a backreference/],
    ['a lookahead', '^(?=.*\\d).+$', /uses lookaround/],
    ['a negative lookbehind', '(?<!foo)bar', /uses lookaround/],
  ])('%s in a regex criterion', (_name, pattern, message) => {
    const file = documents.variant((d) => {
      d.workflows[0].steps[1].successCriteria[0].condition = pattern;
    });
    const error = documentError(() => validateForCompilation(loadArazzo(file)));
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${escape(file)} › workflows\\[place-order\\] › steps\\[pollOrder\\] › successCriteria\\[0\\] › condition: .*`))]);
    expect(error.message).toMatch(message);
  });

  it('a lookahead in an input pattern, and a backreference in a patternProperties key', () => {
    const file = documents.variant((d) => {
      d.workflows[0].inputs.properties.petId.pattern = '^(?=p)[a-z0-9]+$';
      d.workflows[0].inputs.patternProperties = { '^(x)\\1$': { type: 'string' } };
    });
    const error = documentError(() => validateForCompilation(loadArazzo(file)));
    expect(error.problems).toEqual([
      expect.stringMatching(new RegExp(`^${escape(file)} › workflows\\[place-order\\] › inputs › properties › petId › pattern: .*uses lookaround`)),
      expect.stringMatching(new RegExp(`^${escape(file)} › workflows\\[place-order\\] › inputs › patternProperties: .*uses a backreference`)),
    ]);
  });

  it('a pattern inside an enum value is data, not a pattern', () => {
    const file = documents.variant((d) => {
      d.workflows[0].inputs.properties.petId.enum = [{ pattern: '(?=x)' }];
      d.workflows[0].inputs.properties.petId.type = 'object';
    });
    expect(() => validateForCompilation(loadArazzo(file))).not.toThrow();
  });

  it('a refused pattern of 480 KB is quoted in 80 characters, not echoed whole', () => {
    const huge = `(?=a)${'b'.repeat(480_000)}`;
    const result = compileLinearRegex(huge);
    expect('error' in result && result.error.length).toBeLessThan(300);
  });
});

describe('what documents write keeps working', () => {
  it.each([
    ['^200$', '200', true],
    ['^2\\d\\d$', '204', true],
    ['^[a-z]{1,5}$', 'abcdef', false],
    ['caf\\u00e9', 'un café', true],
    ['^\\p{L}+$', 'Zürich', true],
    ['(?<word>\\w+)-(\\d+)', 'id-42', true],
  ])('%s on %s', (pattern, text, expected) => {
    const regex = compileLinearRegex(pattern);
    if ('error' in regex) throw new Error(regex.error);
    expect(regex.test(text)).toBe(expected);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
