/**
 * Rules of runtime expressions, criteria and value templates (lib/arazzo), each stated through the public
 * function a document's values go through: what an expression evaluates to, and the message that names the fix.
 */
import { describe, expect, it } from 'vitest';
import { checkExpression, checkValueExpressions, evaluateExpression, parseExpression, resolveValue, type ExpressionContext } from '../../lib/arazzo/expressions.ts';

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
