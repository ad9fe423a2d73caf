/**
 * Rules of jsonpath criteria (criteria.ts): a context with no value, and what a refused `$[?…]` query says.
 */
import { describe, expect, it } from 'vitest';
import { checkCriterion, evaluateCriterion } from '../../lib/arazzo/criteria.ts';
import type { ExpressionContext } from '../../lib/arazzo/expressions.ts';

const jsonpath = (condition: string) => ({ condition, type: 'jsonpath' as const, context: '$response.body' });

describe('a jsonpath criterion', () => {
  it('does not hold when its context has no value, even a condition an absent value would satisfy (!$.done)', () => {
    const noBody: ExpressionContext = { inputs: {}, steps: {}, response: { headers: {}, body: undefined } };
    for (const condition of ['!$.done', '$.a == $.b', '$[?$.a == $.b]']) {
      expect(evaluateCriterion(jsonpath(condition), noBody), condition).toBe(false);
    }
    const emptyBody: ExpressionContext = { inputs: {}, steps: {}, response: { headers: {}, body: {} } };
    expect(evaluateCriterion(jsonpath('!$.done'), emptyBody)).toBe(true);
  });

  it('written $[?…] that does not parse is refused with the complaint about the query as written', () => {
    expect(checkCriterion(jsonpath('$[?@.a == 1'))).toContain(`"$[?@.a == 1" is not JSONPath this compiler can evaluate (unclosed bracketed selection ('?@.a == 1':11))`);
  });
});
