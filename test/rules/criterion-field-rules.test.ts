/**
 * What the synth-time check of one criterion (checkCriterionField / checkCriterion) refuses before it reads the
 * condition, and what it reads inside a simple condition: the field it names and the fix it gives.
 */
import { describe, expect, it } from 'vitest';
import { checkCriterion, checkCriterionField, evaluateCriterion } from '../../lib/arazzo/criteria.ts';
import type { Criterion } from '../../lib/arazzo/types.ts';

describe('a criterion', () => {
  it('that is not an object (null included) is refused at its condition, saying what a criterion is', () => {
    for (const criterion of [null, 'condition: $statusCode == 200']) {
      expect(checkCriterion(criterion as unknown as Criterion), String(criterion)).toBe('condition: a criterion must be an object with a condition');
    }
  });

  it('with no condition, one that is not text, or one that is only blanks is refused: condition is required and non-empty', () => {
    for (const condition of [undefined, 200, '', '   \t ']) {
      expect(checkCriterionField({ condition } as unknown as Criterion), JSON.stringify(condition)).toEqual({
        field: 'condition',
        message: 'condition is required and must be a non-empty string',
      });
    }
  });
});

describe('a simple condition', () => {
  it('reads {$…} inside quotes as text, not as an embedded expression: only regex, jsonpath and xpath conditions embed them', () => {
    // As an embedded expression this would be refused: a response has no query parameters.
    const criterion: Criterion = { condition: "$response.body.note == '{$response.query.x}'" };
    expect(checkCriterion(criterion)).toBeUndefined();
    const context = { inputs: {}, steps: {}, statusCode: 200, response: { headers: {}, body: { note: '{$response.query.x}' } } };
    expect(evaluateCriterion(criterion, context)).toBe(true);
    expect(checkCriterion({ context: '$response.body', type: 'jsonpath', condition: "$[?(@.note == '{$response.query.x}')]" })).toBe(
      'condition: "$response.query.x": a response has no query parameters; use $request.query.<name>',
    );
  });
});
