/**
 * Rules of a JSON Pointer Selector Object (Arazzo 1.1) whose pointer finds nothing, observed through the
 * expression resolution the step runner uses.
 */
import { describe, expect, it } from 'vitest';
import { resolveValue, type ExpressionContext } from '../../lib/arazzo/expressions.ts';
import { applySelector } from '../../lib/arazzo/selector.ts';

describe('a jsonpointer selector', () => {
  it('gives the value at the pointer, null included', () => {
    expect(applySelector({ context: '$response.body', selector: '/a/b', type: 'jsonpointer' }, { a: { b: null } })).toBeNull();
    expect(applySelector({ context: '$response.body', selector: '/a/0', type: 'jsonpointer' }, { a: [7] })).toBe(7);
  });

  it('that finds nothing is unset: the value is undefined and its key is left out', () => {
    expect(applySelector({ context: '$response.body', selector: '/missing', type: 'jsonpointer' }, { a: 1 })).toBeUndefined();
    const context: ExpressionContext = { inputs: {}, steps: {}, response: { headers: {}, body: { a: 1 } } };
    const value = { found: { context: '$response.body', selector: '/a', type: 'jsonpointer' }, lost: { context: '$response.body', selector: '/b', type: 'jsonpointer' } };
    expect(resolveValue(value, context, { selectors: true })).toEqual({ found: 1 });
  });
});
