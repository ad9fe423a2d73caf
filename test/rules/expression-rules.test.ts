/**
 * Runtime expressions and criteria at the document → compiler boundary: what they read, and the message that
 * names the fix when one cannot be compiled or evaluated.
 */
import { describe, expect, it } from 'vitest';
import { checkCriterion, evaluateCriterion } from '../../lib/arazzo/criteria.ts';
import { checkExpression, checkValueExpressions, evaluateExpression, expressionsIn, type ExpressionContext } from '../../lib/arazzo/expressions.ts';
import type { Criterion } from '../../lib/arazzo/types.ts';

const context: ExpressionContext = {
  inputs: { id: 'a-1' },
  steps: { login: { token: 't-1', pets: [{ name: 'Rex' }] } },
  statusCode: 200,
  response: { headers: {}, body: { state: 'done' } },
};

describe('step outputs', () => {
  it('are read whole, through a JSON Pointer into them, or one by name', () => {
    expect(evaluateExpression('$steps.login.outputs', context)).toEqual({ token: 't-1', pets: [{ name: 'Rex' }] });
    expect(evaluateExpression('$steps.login.outputs#/pets/0/name', context)).toBe('Rex');
    expect(evaluateExpression('$steps.login.outputs.token', context)).toBe('t-1');
  });

  it('with a pointer that is not one are refused, naming the expression', () => {
    expect(checkExpression('$steps.login.outputs#pets')).toMatch(/\$steps\.login\.outputs#pets/);
    expect(checkExpression('$steps.login.outputs.pets#nope')).toMatch(/\$steps\.login\.outputs\.pets#nope/);
  });
});

describe('an expression is refused, naming it and the fix, when', () => {
  it('a $workflows, $sourceDescriptions or $components root has nothing after it', () => {
    expect(checkExpression('$components')).toBe('"$components" must be followed by ".<name>"');
    expect(checkExpression('$workflows')).toBe('"$workflows" must be followed by ".<name>"');
  });

  it('a header or query name is missing or malformed', () => {
    expect(checkExpression('$request.header.')).toBe('"$request.header." needs a header name after "$request.header."');
    expect(checkExpression('$response.query.a b')).toMatch(/needs a query name after "\$response\.query\."/);
  });
});

describe('the expressions in a value', () => {
  it('are found whole, wrapped in braces, and embedded in text, in document order', () => {
    expect(expressionsIn({ a: '$inputs.id', b: ['{$steps.login.outputs.token}', 'Bearer {$inputs.token} for {$inputs.id}'], c: 3 })).toEqual([
      '$inputs.id',
      '$steps.login.outputs.token',
      '$inputs.token',
      '$inputs.id',
    ]);
  });

  it('are checked inside objects, lists and text, each problem once', () => {
    expect(checkValueExpressions({ a: ['x {$inputs.} y'], b: { c: '$steps.only' } })).toEqual([
      '"$inputs." needs a name after the "." (e.g. $inputs.username)',
      '"$steps.only" must name a step and an output: $steps.<stepId>.outputs.<name>',
    ]);
  });
});

describe('a criterion is refused at synth, naming the field and the fix, when', () => {
  const cases: Array<[string, unknown, string]> = [
    ['it is not an object', 'status == 200', 'condition: a criterion must be an object with a condition'],
    ['its context is not text', { condition: '^2', context: 200, type: 'regex' }, 'context: context must be a runtime expression such as $response.body'],
    ['its type object names another language', { condition: '$', context: '$response.body', type: { type: 'jmespath', version: '1' } }, 'type: type.type must be jsonpath or xpath, not "jmespath"'],
    ['its simple condition has a stray operator', { condition: '$statusCode == == 200' }, 'condition: "$statusCode == == 200" is not a valid simple condition: unexpected "==" at position 16'],
    ['an index is neither a number nor a quoted name', { condition: '$response.body[$statusCode] == 1' }, `condition: "$response.body[$statusCode] == 1" is not a valid simple condition: an index must be a number or a 'quoted' name (position 16)`],
    ['a "." has no property name after it', { condition: '$inputs.id .[0] == 1' }, 'condition: "$inputs.id .[0] == 1" is not a valid simple condition: a property name must follow "." (position 13)'],
  ];
  for (const [what, criterion, problem] of cases) {
    it(what, () => {
      expect(checkCriterion(criterion as Criterion)).toBe(problem);
    });
  }
});

describe('a criterion that reaches the step runner anyway', () => {
  it('with a regex that does not compile, or without the context its type needs, throws naming it', () => {
    expect(() => evaluateCriterion({ condition: '(unclosed', context: '$statusCode', type: 'regex' }, context)).toThrow();
    expect(() => evaluateCriterion({ condition: '$.state', type: 'jsonpath' }, context)).toThrow('a jsonpath criterion needs a context, e.g. $response.body');
  });
});
