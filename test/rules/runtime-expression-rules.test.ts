/**
 * Rules of runtime expressions (lib/arazzo/expressions.ts) that the other expression rule files leave open: the
 * names each source accepts, dotted names, whitespace around a whole expression, JSON Pointer resolution, and how a
 * string splits into text and expressions (embedded, bare, and pieces that only look like expressions).
 *
 * Parses are memoized (memo.ts), so a test that checks how a common expression such as `$statusCode` parses first
 * fills the parse cache with texts of its own: the cache then starts again and the parse runs inside that test.
 */
import { describe, expect, it } from 'vitest';
import {
  checkExpression,
  checkValueExpressions,
  evaluateExpression,
  expressionsIn,
  parseExpression,
  resolvePointer,
  resolveValue,
  splitTemplate,
  type ExpressionContext,
} from '../../lib/arazzo/expressions.ts';
import { PARSE_CACHE_ENTRIES } from '../../lib/arazzo/memo.ts';

let forgets = 0;
/** Fills the bounded parse cache with texts nothing else parses, so it starts again: the next parse of any text runs. */
function forgetParsedExpressions(): void {
  const round = ++forgets;
  for (let i = 0; i < PARSE_CACHE_ENTRIES; i++) parseExpression(`forget-${round}-${i}`);
}

describe('fixed forms', () => {
  it('$statusCode reads the status code of the response, and $message.payload the whole payload a receive step received', () => {
    forgetParsedExpressions();
    expect(parseExpression('$statusCode')).toEqual({ expression: { root: 'statusCode' } });
    expect(evaluateExpression('$statusCode', { inputs: {}, steps: {}, statusCode: 202 })).toBe(202);
    expect(parseExpression('$message.payload')).toEqual({ expression: { root: 'message', source: 'payload' } });
  });
});

describe('parameter names', () => {
  it('a header name must be an HTTP token (RFC 9110): a "/" or a bracket in it is refused, naming the source', () => {
    expect(checkExpression('$response.header.Content/Kind')).toBe(
      '"$response.header.Content/Kind" needs a header name after "$response.header."',
    );
    expect(checkExpression('$request.header.X-Rate[limit]')).toBe(
      '"$request.header.X-Rate[limit]" needs a header name after "$request.header."',
    );
  });

  it('a query or path name is any text without whitespace or braces: brackets and slashes are read as part of it', () => {
    const request = { headers: {}, query: { 'filter[kind]': 'cat' }, path: { 'file/name': 'a.txt' } };
    const context: ExpressionContext = { inputs: {}, steps: {}, request };
    expect(checkExpression('$request.query.filter[kind]')).toBeUndefined();
    expect(evaluateExpression('$request.query.filter[kind]', context)).toBe('cat');
    expect(evaluateExpression('$request.path.file/name', context)).toBe('a.txt');
  });

  it('a response has no query or path parameters: $response.path.<name> is refused like $response.query.<name>', () => {
    expect(checkExpression('$response.path.orderId')).toBe(
      '"$response.path.orderId": a response has no path parameters; use $request.path.<name>',
    );
  });
});

describe('dotted names', () => {
  it('a dotted name has no empty part: two dots in a row or a dot at the end is refused, naming the fix', () => {
    const fix = 'needs a name after the "." (e.g. $inputs.username)';
    expect(checkExpression('$inputs.order..id')).toBe(`"$inputs.order..id" ${fix}`);
    expect(checkExpression('$outputs.order.')).toBe(`"$outputs.order." ${fix}`);
    expect(checkExpression('$steps.buy.outputs.receipt..total')).toBe(`"$steps.buy.outputs.receipt..total" ${fix}`);
    expect(checkExpression('$inputs.order.id')).toBeUndefined();
  });
});

describe('whitespace around a whole expression', () => {
  it('an expression with whitespace around it evaluates as the expression', () => {
    expect(evaluateExpression('  $inputs.retryCount \n', { inputs: { retryCount: 4 }, steps: {} })).toBe(4);
  });

  it('a whole value with whitespace around it is one expression: its value keeps its type', () => {
    const context: ExpressionContext = { inputs: { quantity: 3, tags: ['a'] }, steps: {} };
    expect(resolveValue(' $inputs.quantity ', context)).toBe(3);
    expect(resolveValue('\t{$inputs.tags}  ', context)).toEqual(['a']);
  });

  it('a whole value with whitespace around it is checked as the expression it is', () => {
    expect(checkValueExpressions('  $inputs.cart..size ')).toEqual(['"$inputs.cart..size" needs a name after the "." (e.g. $inputs.username)']);
    expect(checkValueExpressions(' $input.cart ')).toEqual([expect.stringMatching(/^"\$input\.cart" looks like a runtime expression but is not one \(did you mean \$inputs\.cart\?\)/)]);
  });
});

describe('JSON Pointers into values', () => {
  it('no pointer or the empty pointer is the value itself; a pointer into no value, null or a scalar finds nothing', () => {
    const body = { a: [1, 2] };
    expect(resolvePointer(body, undefined)).toBe(body);
    expect(resolvePointer(body, '')).toBe(body);
    expect(resolvePointer(null, '')).toBeNull();
    expect(resolvePointer(undefined, '')).toBeUndefined();
    expect(resolvePointer(undefined, '/a')).toBeUndefined();
    expect(resolvePointer(null, '/a')).toBeUndefined();
    expect(resolvePointer('text', '/length')).toBeUndefined();
    expect(resolvePointer(body, '/a/1')).toBe(2);
    expect(resolvePointer(body, '/a/2')).toBeUndefined();
  });
});

describe('strings split into text and expressions', () => {
  it('the parts are exactly the text around each expression: none is empty', () => {
    expect(splitTemplate('$inputs.name wrote')).toEqual([
      { expression: '$inputs.name', parsed: { root: 'inputs', path: ['name'] } },
      { text: ' wrote' },
    ]);
    expect(splitTemplate('by $inputs.name')).toEqual([{ text: 'by ' }, { expression: '$inputs.name', parsed: { root: 'inputs', path: ['name'] } }]);
    expect(splitTemplate('{$inputs.a}{$inputs.b}')).toEqual([
      { expression: '$inputs.a', parsed: { root: 'inputs', path: ['a']} },
      { expression: '$inputs.b', parsed: { root: 'inputs', path: ['b']} },
    ]);
  });

  it('an embedded {$...} that is not an expression stays literal text, and the expressions around it are read', () => {
    const context: ExpressionContext = { inputs: { name: 'Ada' }, steps: {} };
    expect(resolveValue('say {$hello} to {$inputs.name}', context)).toBe('say {$hello} to Ada');
    expect(expressionsIn('say {$hello} to {$inputs.name}')).toEqual(['$inputs.name']);
  });

  it('a bare piece that looks like an expression but is not one stays literal text', () => {
    const context: ExpressionContext = { inputs: { name: 'Ada' }, steps: {} };
    expect(resolveValue('total $steps.price for $inputs.name', context)).toBe('total $steps.price for Ada');
    expect(expressionsIn('total $steps.price for $inputs.name')).toEqual(['$inputs.name']);
  });

  it('dots after a bare name are punctuation, however many; a dot at the end of a bare pointer is part of the pointer', () => {
    const context: ExpressionContext = { inputs: { name: 'Ada' }, steps: {}, response: { headers: {}, body: { 'v1.': 'dotted', v1: 'plain' } } };
    expect(resolveValue('Waiting for $inputs.name...', context)).toBe('Waiting for Ada...');
    expect(resolveValue('Got $response.body#/v1.', context)).toBe('Got dotted');
    expect(expressionsIn('Got $response.body#/v1.')).toEqual(['$response.body#/v1.']);
  });

  it('a string without a $ is found to hold no expression', () => {
    expect(expressionsIn(['plain text', { note: 'a {brace} b' }])).toEqual([]);
  });
});
