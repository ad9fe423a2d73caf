import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkCriterion, evaluateCriteria, evaluateCriterion } from '../lib/arazzo/criteria.ts';
import { ArazzoExpressionError } from '../lib/arazzo/errors.ts';
import type { ExpressionContext } from '../lib/arazzo/expressions.ts';
import type { ArazzoDocument, Criterion, SuccessAction } from '../lib/arazzo/types.ts';

function responding(statusCode: number, body: unknown, headers: Record<string, string> = {}): ExpressionContext {
  return { inputs: { limit: 5, name: 'Ada' }, steps: { count: { total: 3 } }, statusCode, response: { headers, body } };
}

const ok = responding(200, { status: 'ok', pets: [{ name: 'Rex' }], count: 2, tags: ['a', 'b'] }, { 'X-Count': '12' });

describe('simple conditions', () => {
  it('evaluate the spec examples', () => {
    expect(evaluateCriterion({ condition: '$statusCode == 200' }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: '$statusCode == 200' }, responding(404, {}))).toBe(false);
    expect(evaluateCriterion({ condition: "$response.body#/status == 'ok'" }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: '$steps.count.outputs.total > 0' }, ok)).toBe(true);
  });

  it('support every operator, grouping and precedence (&& before ||)', () => {
    const cases: Array<[string, boolean]> = [
      ['$statusCode < 300', true],
      ['$statusCode <= 200', true],
      ['$statusCode > 200', false],
      ['$statusCode >= 200', true],
      ['$statusCode != 200', false],
      ['!($statusCode == 404)', true],
      ['$statusCode == 200 && $response.body#/count == 2', true],
      ['$statusCode == 404 || $response.body#/count == 2', true],
      ['$statusCode == 200 || $statusCode == 201 && false', true],
      ['($statusCode == 200 || $statusCode == 201) && false', false],
      ['$inputs.limit >= -1.5e1', true],
    ];
    for (const [condition, expected] of cases) {
      expect(evaluateCriterion({ condition }, ok), condition).toBe(expected);
    }
  });

  it('index with [] and de-reference with .', () => {
    expect(evaluateCriterion({ condition: "$response.body#/pets[0].name == 'Rex'" }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: "$response.body.tags[1] == 'b'" }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: "$response.body['status'] == 'ok'" }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: "$response.body.pets[5].name == 'Rex'" }, ok)).toBe(false);
  });

  it('compare strings case-insensitively, as the spec requires', () => {
    expect(evaluateCriterion({ condition: "$response.body#/status == 'OK'" }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: "$inputs.name < 'bob'" }, ok)).toBe(true);
  });

  it('compare a number with a numeric string as numbers (headers are strings)', () => {
    expect(evaluateCriterion({ condition: '$response.header.X-Count > 9' }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: "$statusCode == '200'" }, ok)).toBe(true);
    expect(evaluateCriterion({ condition: "$statusCode == 'two hundred'" }, ok)).toBe(false);
  });

  it('read single-quoted strings with doubled quotes, and true/false/null', () => {
    const body = responding(200, { text: "it's", done: true, error: null });
    expect(evaluateCriterion({ condition: "$response.body#/text == 'it''s'" }, body)).toBe(true);
    expect(evaluateCriterion({ condition: '$response.body#/done == true' }, body)).toBe(true);
    expect(evaluateCriterion({ condition: '$response.body#/done' }, body)).toBe(true);
    expect(evaluateCriterion({ condition: '$response.body#/error == null' }, body)).toBe(true);
  });

  it('are false when an operand cannot be resolved, whatever the operator', () => {
    const noResponse: ExpressionContext = { inputs: {}, steps: {} };
    expect(evaluateCriterion({ condition: '$statusCode == 200' }, noResponse)).toBe(false);
    expect(evaluateCriterion({ condition: '$statusCode != 200' }, noResponse)).toBe(false);
    expect(evaluateCriterion({ condition: '$response.body#/missing == null' }, ok)).toBe(false);
    expect(evaluateCriterion({ condition: '!$response.body#/missing' }, ok)).toBe(true);
  });

  it('are refused at synth time when malformed, naming the problem', () => {
    expect(checkCriterion({ condition: '$statusCode == 200' })).toBeUndefined();
    expect(checkCriterion({ condition: '$statusCode = 200' })).toMatch(/unexpected "="/);
    expect(checkCriterion({ condition: '$response.body#/status == "ok"' })).toMatch(/single quotes/);
    expect(checkCriterion({ condition: '($statusCode == 200' })).toMatch(/missing "\)"/);
    expect(checkCriterion({ condition: 'done == true' })).toMatch(/unknown word "done"/);
    expect(checkCriterion({ condition: "$response.body#/x == 'open" })).toMatch(/unterminated string/);
    expect(checkCriterion({ condition: '1 < $statusCode < 300' })).toMatch(/cannot be chained/);
    expect(checkCriterion({ condition: '$statusCode ==' })).toMatch(/ends too early/);
    expect(checkCriterion({ condition: '$workflows.other.outputs == 1' })).toMatch(/\$workflows\.<workflowId>\.outputs\.<name>/);
    expect(checkCriterion({ condition: '$responses.body == 1' })).toMatch(/not a runtime expression/);
    expect(checkCriterion({ condition: '' })).toMatch(/^condition: .*required/);
  });

  it('throw ArazzoExpressionError instead of reading as false when evaluated anyway', () => {
    expect(() => evaluateCriterion({ condition: '$statusCode = 200' }, ok)).toThrow(ArazzoExpressionError);
  });
});

describe('regex conditions', () => {
  it('test the context value: the spec example ^200$ against $statusCode', () => {
    const criterion: Criterion = { context: '$statusCode', condition: '^200$', type: 'regex' };
    expect(evaluateCriterion(criterion, ok)).toBe(true);
    expect(evaluateCriterion(criterion, responding(201, {}))).toBe(false);
  });

  it('test strings and are false for values that are not text', () => {
    expect(evaluateCriterion({ context: '$response.body#/status', condition: '^o', type: 'regex' }, ok)).toBe(true);
    expect(evaluateCriterion({ context: '$response.body#/pets', condition: '.*', type: 'regex' }, ok)).toBe(false);
    expect(evaluateCriterion({ context: '$response.body#/nope', condition: '.*', type: 'regex' }, ok)).toBe(false);
  });

  it('need a context and a valid ECMA-262 pattern', () => {
    expect(checkCriterion({ condition: '^200$', type: 'regex' })).toMatch(/^context: .*needs a context/);
    expect(checkCriterion({ context: '$statusCode', condition: '(unclosed', type: 'regex' })).toMatch(
      /^condition: .*not a valid regular expression/,
    );
  });
});

describe('jsonpath conditions', () => {
  const jsonpath = (condition: string, body: unknown): boolean =>
    evaluateCriterion({ context: '$response.body', condition, type: 'jsonpath' }, responding(200, body));

  it('$[?...] (the spec example) tests the context value itself', () => {
    expect(jsonpath('$[?count(@.pets) > 0]', { pets: [{ name: 'Rex' }] })).toBe(true);
    expect(jsonpath('$[?count(@.pets) > 0]', { cats: [] })).toBe(false);
    // RFC 9535 count() counts nodes: @.pets is one node even when the array is empty; @.pets[*] counts entries.
    expect(jsonpath('$[?count(@.pets[*]) > 0]', { pets: [] })).toBe(false);
    expect(jsonpath("$[?@.status == 'ok']", { status: 'ok' })).toBe(true);
  });

  it('a longer query starting $[? applies to the context value as the single element of a list', () => {
    expect(jsonpath("$[?@.kind == 'box'].items[?@ > 2]", { kind: 'box', items: [1, 3] })).toBe(true);
    expect(jsonpath("$[?@.kind == 'box'].items[?@ > 2]", { kind: 'box', items: [1, 2] })).toBe(false);
  });

  it('an RFC 9535 query is true when it selects something', () => {
    expect(jsonpath("$.items[?@.id == 'b']", { items: [{ id: 'a' }, { id: 'b' }] })).toBe(true);
    expect(jsonpath("$.items[?@.id == 'c']", { items: [{ id: 'a' }] })).toBe(false);
    expect(jsonpath('$.status', { status: 'x' })).toBe(true);
    expect(jsonpath('$.status', {})).toBe(false);
  });

  it('a bare logical expression is evaluated with $ bound to the context value', () => {
    const condition = "$.status == 'processing' || $.status == 'preparing'";
    expect(jsonpath(condition, { status: 'processing' })).toBe(true);
    expect(jsonpath(condition, { status: 'preparing' })).toBe(true);
    expect(jsonpath(condition, { status: 'done' })).toBe(false);
    expect(jsonpath("@.status == 'done'", { status: 'done' })).toBe(true);
  });

  it('a bare logical expression stays correct when the value is empty or a scalar', () => {
    expect(jsonpath("$.status == 'x'", {})).toBe(false);
    expect(jsonpath("$.status == 'x'", [])).toBe(false);
    expect(jsonpath("$.status == 'x'", 'x')).toBe(false);
    expect(jsonpath("$.status == 'x'", 0)).toBe(false);
    // Negations and whole-value tests hold for these values; a filter over the value's children would miss them.
    expect(jsonpath('!$.status', {})).toBe(true);
    expect(jsonpath('!$.status', [])).toBe(true);
    expect(jsonpath('!$.status', 'x')).toBe(true);
    expect(jsonpath('!$.status', 0)).toBe(true);
    expect(jsonpath("$ == 'x'", 'x')).toBe(true);
    expect(jsonpath('$ == 0', 0)).toBe(true);
    expect(jsonpath('length($) == 0', [])).toBe(true);
    expect(jsonpath('length($) == 0', {})).toBe(true);
  });

  it('is false when the context cannot be resolved', () => {
    const criterion: Criterion = { context: '$response.body#/missing', condition: '$.a', type: 'jsonpath' };
    expect(evaluateCriterion(criterion, ok)).toBe(false);
  });

  it('accepts the spec-named goessner version, evaluated as RFC 9535', () => {
    const criterion: Criterion = {
      context: '$response.body',
      condition: "$.status == 'ok'",
      type: { type: 'jsonpath', version: 'draft-goessner-dispatch-jsonpath-00' },
    };
    expect(checkCriterion(criterion)).toBeUndefined();
    expect(evaluateCriterion(criterion, ok)).toBe(true);
  });

  it('refuses conditions of no accepted form, and a missing context', () => {
    const refusal = checkCriterion({ context: '$response.body', condition: "status == 'x'", type: 'jsonpath' });
    expect(refusal).toMatch(/^condition: "status == 'x'" is not JSONPath this compiler can evaluate/);
    expect(refusal).toMatch(/\$\[\?@\.status == 'done'\]/);
    expect(checkCriterion({ context: '$response.body', condition: '$[?@.a ==]', type: 'jsonpath' })).toMatch(/^condition:/);
    expect(checkCriterion({ context: '$response.body', condition: '$.a ===', type: 'jsonpath' })).toMatch(/^condition:/);
    expect(checkCriterion({ condition: '$.a', type: 'jsonpath' })).toMatch(/^context: .*e\.g\. context: \$response\.body/);
    expect(() =>
      evaluateCriterion({ context: '$response.body', condition: "status == 'x'", type: 'jsonpath' }, ok),
    ).toThrow(ArazzoExpressionError);
  });
});

describe('refused criterion types', () => {
  it('xpath only where XPath 1.0 cannot read the expression, or with a version the spec does not name (xpath itself is supported)', () => {
    expect(checkCriterion({ context: '$response.body', condition: '/a/b', type: 'xpath' })).toBeUndefined();
    expect(checkCriterion({ context: '$response.body', condition: '/a', type: { type: 'xpath', version: 'xpath-30' } })).toBeUndefined();
    expect(checkCriterion({ context: '$response.body', condition: 'for $x in /a return $x', type: 'xpath' })).toMatch(
      /^condition: "for \$x in \/a return \$x" is not an XPath expression this compiler can evaluate .*XPath 1\.0/,
    );
    expect(checkCriterion({ context: '$response.body', condition: '/a', type: { type: 'xpath', version: 'xpath-40' } })).toMatch(
      /^type: xpath version "xpath-40" is not one the spec names; use one of xpath-31, xpath-30, xpath-20, xpath-10/,
    );
  });

  it('unknown types and jsonpath versions the spec does not name', () => {
    expect(checkCriterion({ condition: 'x', type: 'javascript' as Criterion['type'] })).toMatch(/^type: type must be simple/);
    expect(
      checkCriterion({ context: '$response.body', condition: '$.a', type: { type: 'jsonpath', version: 'rfc-9999' } }),
    ).toMatch(/draft-goessner-dispatch-jsonpath-00/);
  });

  it('a context that is not a runtime expression', () => {
    expect(checkCriterion({ context: 'response.body', condition: '$.a', type: 'jsonpath' })).toMatch(/^context: /);
  });
});

describe('evaluateCriteria', () => {
  it('is true for no criteria and needs every criterion to hold', () => {
    expect(evaluateCriteria(undefined, ok)).toBe(true);
    expect(evaluateCriteria([], ok)).toBe(true);
    expect(evaluateCriteria([{ condition: '$statusCode == 200' }, { condition: "$response.body#/status == 'ok'" }], ok)).toBe(true);
    expect(evaluateCriteria([{ condition: '$statusCode == 200' }, { condition: '$statusCode == 201' }], ok)).toBe(false);
  });
});

describe("the seed workflow's poll conditions", () => {
  const seed = parse(
    readFileSync(new URL('../workflows/arazzo/civitai-image-generation-poll-workflow.yml', import.meta.url), 'utf8'),
  ) as ArazzoDocument;
  const poll = seed.workflows[0].steps.find((step) => step.stepId === 'pollWorkflow');
  const actions = (poll?.onSuccess ?? []) as SuccessAction[];
  const matching = (status: string): string[] =>
    actions
      .filter((action) => evaluateCriteria(action.criteria, responding(200, { id: 'w1', status })))
      .map((action) => action.name);

  it('are all accepted at synth time', () => {
    expect(actions.map((action) => action.name)).toEqual(['stillRunning', 'finished', 'failed']);
    for (const action of actions) for (const criterion of action.criteria ?? []) expect(checkCriterion(criterion)).toBeUndefined();
  });

  it('route each status to exactly one action', () => {
    expect(matching('unassigned')).toEqual(['stillRunning']);
    expect(matching('preparing')).toEqual(['stillRunning']);
    expect(matching('processing')).toEqual(['stillRunning']);
    expect(matching('succeeded')).toEqual(['finished']);
    expect(matching('failed')).toEqual(['failed']);
    expect(matching('expired')).toEqual(['failed']);
    expect(matching('canceled')).toEqual(['failed']);
  });

  it('miss the scheduled status (the overlay adds it)', () => {
    expect(matching('scheduled')).toEqual([]);
  });
});
