/**
 * Rules of `$message` runtime expressions (Arazzo 1.1 receive steps) in expressions.ts.
 */
import { describe, expect, it } from 'vitest';
import { evaluateExpression, parseExpression } from '../../lib/arazzo/expressions.ts';

describe('$message.payload.<a>.<b> (the form of the spec’s own receive-step example)', () => {
  it('reads exactly as $message.payload#/<a>/<b>', () => {
    expect(parseExpression('$message.payload.order.id')).toEqual(parseExpression('$message.payload#/order/id'));
    expect(parseExpression('$message.payload.order.id')).toEqual({ expression: { root: 'message', source: 'payload', pointer: '/order/id' } });
    const context = { inputs: {}, steps: {}, message: { headers: {}, payload: { order: { id: 'o-1' } } } };
    expect(evaluateExpression('$message.payload.order.id', context)).toBe('o-1');
    expect(evaluateExpression('$message.payload.order.total', context)).toBeUndefined();
  });
});
