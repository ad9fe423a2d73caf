/**
 * Rules of runtime expressions, criteria and value templates (lib/arazzo), each stated through the public
 * function a document's values go through: what an expression evaluates to, and the message that names the fix.
 */
import { describe, expect, it } from 'vitest';
import { checkCriterion, evaluateCriterion } from '../../lib/arazzo/criteria.ts';
import { checkExpression, checkValueExpressions, evaluateExpression, parseExpression, resolveValue, type ExpressionContext } from '../../lib/arazzo/expressions.ts';
import { checkInputSchema, publicInputSchema, validateInputs } from '../../lib/arazzo/inputs.ts';
import { parseSimpleCondition } from '../../lib/arazzo/simple-condition.ts';
import type { Criterion } from '../../lib/arazzo/types.ts';

const KNOWN_ROOTS =
  ': expressions start with $url, $method, $statusCode, $request., $response., $inputs., $outputs., $steps., ' +
  '$workflows., $sourceDescriptions., $components., $message. or $self';

describe('runtime expression syntax', () => {
  it('an unknown root is refused, listing every root an expression may start with', () => {
    expect(checkExpression('$env.HOME')).toBe(
      '"$env.HOME" is not a runtime expression: it must start with $url, $method, $statusCode, $request., ' +
        '$response., $inputs., $outputs., $steps., $workflows., $sourceDescriptions., $components., $message. or $self',
    );
  });

  it('$request. or $response. followed by anything but a header, query, path or body is refused, listing the forms', () => {
    expect(checkExpression('$request.cookie.id')).toBe(
      '"$request.cookie.id": "$request." must be followed by header.<name>, query.<name>, path.<name>, body or body#/<json-pointer>',
    );
  });
});

describe('$message (Arazzo 1.1 receive steps)', () => {
  it('$message.payload reads the whole payload, and $message.payload#/<pointer> a part of it', () => {
    expect(parseExpression('$message.payload')).toEqual({ expression: { root: 'message', source: 'payload' } });
    expect(parseExpression('$message.payload#/a')).toEqual({ expression: { root: 'message', source: 'payload', pointer: '/a' } });
    const context: ExpressionContext = { inputs: {}, steps: {}, message: { headers: {}, payload: { a: { b: 1 } } } };
    expect(evaluateExpression('$message.payload#/a/b', context)).toBe(1);
  });

  it('$message.payload.a.b (the spec example form) reads as $message.payload#/a/b, every name a plain token', () => {
    const context: ExpressionContext = { inputs: {}, steps: {}, message: { headers: {}, payload: { a: { b: 'deep' }, c: 'top' } } };
    expect(evaluateExpression('$message.payload.c', context)).toBe('top');
    expect(evaluateExpression('$message.payload.a.b', context)).toBe('deep');
    expect(checkExpression('$message.payload.a.b!')).toBe(
      '"$message.payload.a.b!": "$message." must be followed by payload, payload#/<json-pointer> or header.<name>',
    );
  });
});

describe('request parameters', () => {
  const request = { headers: {}, query: { page: '2' }, path: { id: 'p-7' } };

  it('$request.query.<name> and $request.path.<name> read the request parameters by their own names only', () => {
    const context: ExpressionContext = { inputs: {}, steps: {}, request };
    expect(evaluateExpression('$request.query.page', context)).toBe('2');
    expect(evaluateExpression('$request.path.id', context)).toBe('p-7');
    expect(evaluateExpression('$request.query.toString', context)).toBeUndefined();
    expect(evaluateExpression('$request.path.constructor', context)).toBeUndefined();
  });

  it('a request without query or path parameters reads them as undefined', () => {
    const context: ExpressionContext = { inputs: {}, steps: {}, request: { headers: {} } };
    expect(evaluateExpression('$request.query.page', context)).toBeUndefined();
    expect(evaluateExpression('$request.path.id', context)).toBeUndefined();
  });

  it('a response has no query or path parameters: they evaluate to undefined, not to the request parameters', () => {
    const context: ExpressionContext = { inputs: {}, steps: {}, request, response: { headers: {}, body: {} } };
    expect(evaluateExpression('$response.query.page', context)).toBeUndefined();
    expect(evaluateExpression('$response.path.id', context)).toBeUndefined();
  });

  it('a bare $response.query in text is refused at synth, naming the fix', () => {
    expect(checkValueExpressions('page $response.query.page')).toEqual([
      '"$response.query.page": a response has no query parameters; use $request.query.<name>',
    ]);
  });
});

describe('$workflows.<workflowId> values', () => {
  it('read the inputs or outputs of a workflow this run has run, and nothing otherwise', () => {
    const ran = { inputs: { id: 'i-1' }, outputs: { total: 3 } };
    expect(evaluateExpression('$workflows.child.inputs.id', { inputs: {}, steps: {}, workflows: { child: ran } })).toBe('i-1');
    expect(evaluateExpression('$workflows.child.outputs.total', { inputs: {}, steps: {}, workflows: { child: ran } })).toBe(3);
    expect(evaluateExpression('$workflows.child.inputs.id', { inputs: {}, steps: {} })).toBeUndefined();
    expect(evaluateExpression('$workflows.other.inputs.id', { inputs: {}, steps: {}, workflows: { child: ran } })).toBeUndefined();
    expect(evaluateExpression('$workflows.child.steps.id', { inputs: {}, steps: {}, workflows: { child: ran } })).toBeUndefined();
  });

  it('$components and $sourceDescriptions have no run-time value', () => {
    expect(evaluateExpression('$components.parameters.page', { inputs: {}, steps: {} })).toBeUndefined();
    expect(evaluateExpression('$sourceDescriptions.api.url', { inputs: {}, steps: {} })).toBeUndefined();
  });
});

describe('whole-string values', () => {
  const context: ExpressionContext = { inputs: { id: 'a-1', doc: { x: 'X' }, b: 'B' }, steps: {} };

  it('only one {$...} with nothing after it stands for a typed value; two embedded are text', () => {
    expect(resolveValue('{$inputs.doc}', context)).toEqual({ x: 'X' });
    expect(resolveValue('{$inputs.doc#/x}{$inputs.b}', context)).toBe('XB');
  });

  it('text that only contains an expression after a "$" is kept as written', () => {
    expect(resolveValue('$$inputs.id}', context)).toBe('$$inputs.id}');
  });

  it('an object key whose value does not resolve is left out, not set to undefined', () => {
    const resolved = resolveValue({ id: '$inputs.id', missing: '$inputs.nope' }, context) as object;
    expect(Object.keys(resolved)).toEqual(['id']);
  });
});

describe('a value that looks like a misspelt runtime expression', () => {
  it('is refused with the list of roots and how to send such text', () => {
    expect(checkValueExpressions('$env.HOME')).toEqual([
      `"$env.HOME" looks like a runtime expression but is not one${KNOWN_ROOTS}; to send such text as it is, pass it as a workflow input`,
    ]);
  });

  it('suggests the root it was meant to be: a missing or extra "s", or another letter case', () => {
    const suggestion = (value: string): string | undefined => /\(did you mean (.*)\?\)/.exec(checkValueExpressions(value)[0] ?? '')?.[1];
    expect(suggestion('$input.id')).toBe('$inputs.id');
    expect(suggestion('$stepss.a.outputs.b')).toBe('$steps.a.outputs.b');
    const roots = ['url', 'method', 'statusCode', 'request', 'response', 'inputs', 'outputs', 'steps', 'workflows', 'sourceDescriptions', 'components', 'message', 'self'];
    for (const root of roots) expect(suggestion(`$${root.toUpperCase()}.x`)).toBe(`$${root}.x`);
    expect(suggestion('$envs.x')).toBeUndefined();
  });

  it('is quoted whole up to 60 characters, and cut with "…" beyond', () => {
    const sixty = `$input.${'a'.repeat(53)}`;
    expect(checkValueExpressions(sixty)[0]).toMatch(new RegExp(`^"\\${sixty}" looks like`));
    const longer = `${sixty}bcd`;
    expect(checkValueExpressions(longer)[0]).toMatch(new RegExp(`^"\\${sixty}…" looks like`));
  });
});

describe('simple conditions', () => {
  const syntax = (condition: string) => {
    const parsed = parseSimpleCondition(condition);
    return 'error' in parsed ? parsed.error.replace(`"${condition}" is not a valid simple condition: `, '') : undefined;
  };
  const holds = (condition: string, inputs: Record<string, unknown> = {}, body: unknown = {}) =>
    evaluateCriterion({ condition }, { inputs, steps: {}, statusCode: 200, response: { headers: {}, body } });

  it('a syntax error names the position where it is, counting from 1', () => {
    expect(syntax("$statusCode == 'abc")).toBe('unterminated string starting at position 16');
    expect(syntax('$statusCode == "abc"')).toBe("strings use single quotes ('like this'), not double quotes (position 16)");
    expect(syntax('$statusCode == 200 @')).toBe('unexpected "@" at position 20');
    expect(syntax('1 < 2 < 3')).toBe('comparisons cannot be chained (position 7); combine them with && or ||');
    expect(syntax('$statusCode == ok')).toBe(`unknown word "ok" at position 16; strings need single quotes ('ok')`);
    expect(syntax('($statusCode == 200')).toBe('missing ")" for the "(" at position 1');
    expect(syntax('$response.body[0 == 1')).toBe('unexpected "==" at position 18');
    expect(syntax('$statusCode == $env.HOME')).toMatch(/^"\$env\.HOME" is not a runtime expression: .* \(position 16\)$/);
  });

  it('dotted names after an expression are properties of its value, read from the longest prefix that is an expression', () => {
    expect(holds('$response.body.a.b == 1', {}, { a: { b: 1 } })).toBe(true);
    expect(holds('$response.body.a.b == 1', {}, { a: null })).toBe(false);
    const parsed = parseSimpleCondition('$response.body.a.b == 1');
    expect('expressions' in parsed && parsed.expressions).toEqual(['$response.body']);
  });

  it('a property name is a plain word, and a JSON Pointer expression is read whole', () => {
    for (const condition of ['$response.body.1a == 1', '$response.body.ok.1a == 1', '$response.body.a@b == 1', '$inputs.a#.b == 1']) {
      expect(syntax(condition), condition).toBeDefined();
    }
    expect(holds('$response.body#/a.b == 1', {}, { 'a.b': 1 })).toBe(true);
  });

  it('a numeric index reads an array element only', () => {
    expect(holds('$response.body[1] == 2', {}, [1, 2])).toBe(true);
    expect(holds("$response.body[0] == 'x'", {}, { 0: 'x' })).toBe(false);
    expect(holds("$response.body[0] == 'a'", {}, 'abc')).toBe(false);
  });

  it('false is a literal, ! negates, && needs both sides', () => {
    expect(holds('$inputs.flag == false', { flag: false })).toBe(true);
    expect(holds('!($statusCode == 200)')).toBe(false);
    expect(holds('!($statusCode == 404)')).toBe(true);
    expect(holds('$statusCode == 404 && true')).toBe(false);
    expect(holds('$statusCode == 200 && true')).toBe(true);
  });

  it('!= and >= compare as they say', () => {
    expect(holds('$statusCode != 404')).toBe(true);
    expect(holds('$statusCode != 200')).toBe(false);
    expect(holds('1 >= 2')).toBe(false);
    expect(holds('2 >= 2')).toBe(true);
  });

  it('loose comparison: only a numeric string is a number, only true/false text a boolean; null and objects are never coerced', () => {
    expect(holds('$inputs.blank == 0', { blank: ' ' })).toBe(false);
    expect(holds('$inputs.text == null', { text: 'null' })).toBe(false);
    expect(holds('$inputs.text == true', { text: 'no' })).toBe(false);
    expect(holds('$inputs.text == true', { text: 'TRUE' })).toBe(true);
    expect(holds('$statusCode > null')).toBe(false);
    expect(holds('$statusCode > true')).toBe(false);
  });

  it('lists equal lists element by element, never an object with the same keys', () => {
    const inputs = { list: [1, 2], other: [1, 3], map: { 0: 1, 1: 2 }, sized: { 0: 1, 1: 2, length: 2 } };
    expect(holds('$inputs.list == $inputs.list', inputs)).toBe(true);
    expect(holds('$inputs.list == $inputs.other', inputs)).toBe(false);
    expect(holds('$inputs.list == $inputs.map', inputs)).toBe(false);
    expect(holds('$inputs.list == $inputs.sized', inputs)).toBe(false);
    expect(holds('$inputs.sized == $inputs.list', inputs)).toBe(false);
  });

  it('objects equal objects key by key, never null or a number', () => {
    const inputs = { empty: {}, nothing: null, map: { a: 1 } };
    expect(holds('$inputs.map == $inputs.map', inputs)).toBe(true);
    expect(holds('$inputs.nothing == $inputs.map', inputs)).toBe(false);
    expect(holds('$inputs.empty == 5', inputs)).toBe(false);
    expect(holds('$inputs.empty == null', inputs)).toBe(false);
  });
});

describe('criteria', () => {
  const context: ExpressionContext = { inputs: {}, steps: {}, statusCode: 200, response: { headers: {}, body: { a: 2, b: 1 } } };
  const jsonpath = (condition: string) => checkCriterion({ condition, context: '$response.body', type: 'jsonpath' });
  const refusal = (condition: string, detail = '') =>
    `condition: "${condition}" is not JSONPath this compiler can evaluate${detail}. Write an RFC 9535 query such as ` +
    `$[?@.status == 'done'] (true when it selects something), or a filter expression over the context ` +
    `such as $.status == 'done' || $.status == 'failed'`;

  it('a type that is null or unknown is refused, at synth and at run time', () => {
    expect(checkCriterion({ condition: 'x', type: null } as unknown as Criterion)).toBe('type: type must be simple, regex, jsonpath or xpath, not null');
    expect(() => evaluateCriterion({ condition: 'x', type: 'jmespath' } as unknown as Criterion, context)).toThrow(
      'type must be simple, regex, jsonpath or xpath, not "jmespath"',
    );
  });

  it('a jsonpath condition that does not compile is refused with the reason and the forms that work', () => {
    expect(jsonpath('$[?@.a ==]')).toMatch(/^condition: "\$\[\?@\.a ==\]" is not JSONPath this compiler can evaluate \(.+\)\. Write an RFC 9535 query/);
    expect(jsonpath('@.a][0')).toBe(refusal('@.a][0'));
  });

  it('a jsonpath filter with several selectors holds when any of them selects the context', () => {
    expect(evaluateCriterion({ condition: '$[?@.a == 1, ?@.b == 1]', context: '$response.body', type: 'jsonpath' }, context)).toBe(true);
    expect(evaluateCriterion({ condition: '$[?@.a == 1, ?@.b == 2]', context: '$response.body', type: 'jsonpath' }, context)).toBe(false);
  });

  it('a jsonpath condition on a context without a value does not hold', () => {
    expect(evaluateCriterion({ condition: '$.a == 2', context: '$response.body#/missing', type: 'jsonpath' }, context)).toBe(false);
    expect(evaluateCriterion({ condition: '$.a == 2', context: '$response.body', type: 'jsonpath' }, context)).toBe(true);
  });

  it('an embedded expression of a regex condition is checked, naming it', () => {
    expect(checkCriterion({ condition: '^{$response.query.a}$', context: '$statusCode', type: 'regex' })).toBe(
      'condition: "$response.query.a": a response has no query parameters; use $request.query.<name>',
    );
  });

  it('an expression a simple condition reads is checked, at condition', () => {
    expect(checkCriterion({ condition: '$response.query.a == 1' })).toBe(
      'condition: "$response.query.a": a response has no query parameters; use $request.query.<name>',
    );
  });
});

describe('workflow inputs', () => {
  it('every undeclared secret input is named', () => {
    expect(() => publicInputSchema({ type: 'object', properties: {} }, ['apiKey', 'token'], 'w')).toThrow(
      'secret input "apiKey", "token" is not declared',
    );
  });

  it('a schema with extension keywords validates, reporting every problem', () => {
    const schema = { type: 'object', 'x-note': 'shown in the console', properties: { a: { type: 'integer' }, b: { type: 'integer' } } };
    expect(validateInputs(schema, { a: 1, b: 2 })).toEqual([]);
    expect(validateInputs(schema, { a: 'x', b: 'y' })).toEqual(['a: must be integer', 'b: must be integer']);
  });

  it('a schema whose reference resolves to nothing is refused with the reason', () => {
    expect(checkInputSchema({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } })).toMatch(/missing/);
  });

  it('a problem is named by its field path: list indexes in brackets, escaped names restored, the root as inputs', () => {
    expect(validateInputs({ enum: [1, 2] }, 3)).toEqual(['inputs: must be one of [1,2]']);
    expect(validateInputs({ type: 'object', properties: { 'a/b~c': { type: 'integer' } } }, { 'a/b~c': 'x' })).toEqual(['a/b~c: must be integer']);
    const item = { type: 'object', properties: { x1: { type: 'integer' }, '1x': { type: 'integer' } } };
    const list = [...Array.from({ length: 12 }, () => ({})), { x1: 'a', '1x': 'b' }];
    expect(validateInputs({ type: 'object', properties: { list: { type: 'array', items: item } } }, { list })).toEqual([
      'list[12].x1: must be integer',
      'list[12].1x: must be integer',
    ]);
  });
});
