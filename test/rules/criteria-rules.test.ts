/**
 * The simple condition language's comparison rules (Arazzo 1.0.1 § Criterion Object), each with operands
 * chosen so that the rule, and only the rule, decides the answer.
 */
import { describe, expect, it } from 'vitest';
import { checkCriterion, evaluateCriterion } from '../../lib/arazzo/criteria.ts';
import type { ExpressionContext } from '../../lib/arazzo/expressions.ts';
import { ArazzoExpressionError } from '../../lib/arazzo/errors.ts';
import { MAX_CONDITION_LENGTH, MAX_CONDITION_NESTING } from '../../lib/arazzo/simple-condition.ts';

const context: ExpressionContext = {
  inputs: { name: 'Zed', count: '12', flag: true, empty: '', tags: ['a', 'B'], owner: { id: 7, name: 'Ada' } },
  steps: {},
  statusCode: 200,
  response: { headers: { 'X-Limit': '100' }, body: { items: [1, 2], meta: { id: 7, name: 'ada' } } },
};
const holds = (condition: string) => evaluateCriterion({ condition }, context);

describe('comparing', () => {
  it('orders strings case-insensitively: "Zed" comes after "apple", though "Z" sorts before "a" by code', () => {
    expect(holds("$inputs.name > 'apple'")).toBe(true);
    expect(holds("$inputs.name >= 'apple'")).toBe(true);
    expect(holds("$inputs.name < 'apple'")).toBe(false);
    expect(holds("$inputs.name <= 'apple'")).toBe(false);
    expect(holds("$inputs.name <= 'zED'")).toBe(true);
    expect(holds("$inputs.name >= 'zED'")).toBe(true);
    expect(holds("$inputs.name < 'zED'")).toBe(false);
    expect(holds("$inputs.name > 'zED'")).toBe(false);
  });

  it('compares a numeric string with a number as numbers, on either side: "12" is above 9', () => {
    expect(holds('$inputs.count > 9')).toBe(true);
    expect(holds('9 < $inputs.count')).toBe(true);
    expect(holds('$inputs.count == 12')).toBe(true);
    expect(holds('12 == $inputs.count')).toBe(true);
    expect(holds("$response.header.X-Limit >= 100")).toBe(true);
  });

  it('does not read an empty string as the number 0', () => {
    expect(holds('$inputs.empty == 0')).toBe(false);
    expect(holds('$inputs.empty < 1')).toBe(false);
  });

  it('compares a boolean with \'true\'/\'false\' as booleans, on either side', () => {
    expect(holds("$inputs.flag == 'true'")).toBe(true);
    expect(holds("'TRUE' == $inputs.flag")).toBe(true);
    expect(holds("$inputs.flag == 'false'")).toBe(false);
  });

  it('never orders a number and a string that is not numeric, nor an array', () => {
    expect(holds('$inputs.name > 5')).toBe(false);
    expect(holds('$inputs.name <= 5')).toBe(false);
    expect(holds('5 < $inputs.name')).toBe(false);
    expect(holds('$inputs.tags > 1')).toBe(false);
    expect(holds('$inputs.tags <= $inputs.tags')).toBe(false);
  });

  it('compares arrays item by item and objects key by key, strings case-insensitively', () => {
    expect(holds('$response.body#/meta == $inputs.owner')).toBe(true);
    expect(holds('$response.body#/items == $response.body#/items')).toBe(true);
    expect(holds('$inputs.tags == $response.body#/items')).toBe(false);
    expect(holds('$response.body#/meta != $inputs.owner')).toBe(false);
    expect(holds('$response.body#/meta == $response.body#/items')).toBe(false);
    expect(holds('$inputs.tags == $inputs.owner')).toBe(false);
  });

  it('finds objects with the same keys but another value, or fewer keys, unequal', () => {
    const objects: ExpressionContext = { ...context, inputs: { a: { id: 7, name: 'x' }, b: { id: 7, name: 'y' }, c: { id: 7 }, d: { id: 7, other: 'x' } } };
    const holdsIn = (condition: string) => evaluateCriterion({ condition }, objects);
    expect(holdsIn('$inputs.a == $inputs.b')).toBe(false);
    expect(holdsIn('$inputs.a == $inputs.c')).toBe(false);
    expect(holdsIn('$inputs.c == $inputs.a')).toBe(false);
    expect(holdsIn('$inputs.a == $inputs.d')).toBe(false);
  });

  it('finds arrays of another length unequal, and an array never equal to a scalar', () => {
    const arrays: ExpressionContext = { ...context, inputs: { two: [1, 2], three: [1, 2, 3], one: [1] } };
    const holdsIn = (condition: string) => evaluateCriterion({ condition }, arrays);
    expect(holdsIn('$inputs.two == $inputs.three')).toBe(false);
    expect(holdsIn('$inputs.one == 1')).toBe(false);
    expect(holdsIn('1 == $inputs.one')).toBe(false);
  });
});

describe('indexing and properties', () => {
  it('index arrays by whole numbers only, and read only own properties of objects', () => {
    expect(holds('$inputs.tags[1] == \'b\'')).toBe(true);
    expect(holds('$inputs.owner[0] == 7')).toBe(false);
    expect(holds("$inputs.owner['id'] == 7")).toBe(true);
    expect(holds("$inputs.tags['length'] == 2")).toBe(false);
    expect(holds('$inputs.owner.constructor == null')).toBe(false);
    expect(holds('$inputs.owner.toString != null')).toBe(false);
  });
});

describe('regex criteria', () => {
  const regex = (condition: string, contextExpression: string, values: ExpressionContext = context) =>
    evaluateCriterion({ condition, context: contextExpression, type: 'regex' }, values);

  it('match a number or boolean context as its text, and never an object or a missing value', () => {
    expect(regex('^2\\d\\d$', '$statusCode')).toBe(true);
    expect(regex('^true$', '$inputs.flag')).toBe(true);
    expect(regex('.*', '$inputs.owner')).toBe(false);
    expect(regex('.*', '$inputs.absent')).toBe(false);
  });

  it('that do not compile throw at run time, naming the pattern', () => {
    expect(() => regex('(unclosed', '$statusCode')).toThrow('"(unclosed" is not a valid regular expression (ECMA-262)');
  });

  it('without a context are refused at synth, suggesting $statusCode; jsonpath ones suggest $response.body', () => {
    expect(checkCriterion({ condition: '^2', type: 'regex' })).toBe(
      'context: a regex criterion needs a context (the value the condition applies to), e.g. context: $statusCode',
    );
    expect(checkCriterion({ condition: '$.a', type: 'jsonpath' })).toBe(
      'context: a jsonpath criterion needs a context (the value the condition applies to), e.g. context: $response.body',
    );
  });
});

describe('jsonpath criteria', () => {
  const jsonpath = (condition: string, values: ExpressionContext = context) =>
    evaluateCriterion({ condition, context: '$response.body', type: 'jsonpath' }, values);

  it('read a filter, a longer query and a bare logical expression, around surrounding blanks', () => {
    expect(jsonpath("  $[?@.meta.name == 'ada']  ")).toBe(true);
    expect(jsonpath("$[?@.meta.name == 'ada'].items[?@ == 2]")).toBe(true);
    expect(jsonpath("$[?@.meta.name == 'ada'].items[?@ == 9]")).toBe(false);
    expect(jsonpath("$[?@.meta.id == 7, ?@.meta.id == 8]")).toBe(true);
    expect(jsonpath('$.items[1]')).toBe(true);
    expect(jsonpath('$.meta.id == 7 || $.meta.id == 8')).toBe(true);
    expect(jsonpath('$.meta.id == 8')).toBe(false);
  });

  it('are false on a missing context, and refused, with the forms to use, when they do not parse', () => {
    expect(evaluateCriterion({ condition: '$[?@.a]', context: '$response.body#/absent', type: 'jsonpath' }, context)).toBe(false);
    expect(checkCriterion({ condition: '$[?@.a ==]', context: '$response.body', type: 'jsonpath' })).toMatch(
      /^condition: "\$\[\?@\.a ==\]" is not JSONPath this compiler can evaluate \(.+\)\. Write an RFC 9535 query such as \$\[\?@\.status == 'done'\] \(true when it selects something\), or a filter expression over the context such as \$\.status == 'done' \|\| \$\.status == 'failed'$/,
    );
  });
});

describe('criterion types', () => {
  it('name a language they do not know', () => {
    expect(checkCriterion({ condition: '$', context: '$response.body', type: 'jmespath' } as never)).toBe(
      'type: type must be simple, regex, jsonpath or xpath, not "jmespath"',
    );
  });
});

describe('hostile simple conditions (document → compiler and step runner)', () => {
  const groups = (depth: number) => `${'('.repeat(depth)}$statusCode == 200${')'.repeat(depth)}`;
  const nots = (count: number) => `${'!'.repeat(count)}false`;

  it('nest ( and ! up to 64 deep, and are refused one level deeper, naming the position and the fix', () => {
    expect(MAX_CONDITION_NESTING).toBe(64);
    expect(checkCriterion({ condition: groups(64) })).toBeUndefined();
    expect(holds(groups(64))).toBe(true);
    expect(holds(nots(64))).toBe(false);
    expect(holds(nots(63))).toBe(true);
    expect(checkCriterion({ condition: groups(65) })).toMatch(
      /nest more than 64 deep at position 65; split the condition into several criteria \(a step's criteria must all hold\)$/,
    );
    expect(checkCriterion({ condition: nots(65) })).toMatch(/nest more than 64 deep at position 65;/);
    expect(checkCriterion({ condition: `${'!('.repeat(33)}true${')'.repeat(33)}` })).toMatch(/at position 65;/);
    // Depth is counted where it is: 64 groups one after another are one level each.
    expect(holds(Array.from({ length: 64 }, () => '($statusCode == 200)').join(' && '))).toBe(true);
  });

  it('20,000 levels of ( or ! are refused with a message, never a stack overflow', () => {
    for (const condition of [groups(20_000), nots(20_000)]) {
      expect(checkCriterion({ condition })).toMatch(/is not a valid simple condition/);
      expect(() => holds(condition)).toThrow(ArazzoExpressionError);
    }
  });

  it('are at most 4,096 characters: the longest chains within the limit evaluate, one character more is refused', () => {
    expect(MAX_CONDITION_LENGTH).toBe(4096);
    const chain = `${'true && '.repeat(509)}$statusCode == 200`;
    const padded = chain.padEnd(MAX_CONDITION_LENGTH, ' ');
    expect(checkCriterion({ condition: padded })).toBeUndefined();
    expect(holds(padded)).toBe(true);
    const properties = `!$response.body${'.a'.repeat(2040)}`;
    expect(properties.length).toBeLessThanOrEqual(MAX_CONDITION_LENGTH);
    expect(holds(properties)).toBe(true);
    expect(checkCriterion({ condition: `${padded} ` })).toMatch(
      /it is 4097 characters long, above the limit of 4096; split it into several criteria/,
    );
  });

  it('quote a long condition clipped, so the reason stays in a message of at most 400 characters', () => {
    const condition = `$statusCode = 200 ${'&& true '.repeat(100)}`;
    const message = checkCriterion({ condition }) ?? '';
    expect(message).toBe(
      `condition: "${condition.slice(0, 80)}…" is not a valid simple condition: unexpected "=" at position 13`,
    );
    expect(message.length).toBeLessThanOrEqual(400);
    expect(checkCriterion({ condition: 'x'.repeat(80) })).toContain(`"${'x'.repeat(80)}" is not`);
  });
});
