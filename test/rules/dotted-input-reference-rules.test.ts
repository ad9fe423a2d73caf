/**
 * How `$inputs.<name>…` is matched against a closed inputs schema (compilation-checks.ts): the name is the longest
 * leading run of the dotted path that is declared, so a field read through an object input is accepted, and so is a
 * declared name with dots in it. Each case edits the shop-order document inside the `it`.
 */
import { describe, expect, it } from 'vitest';
import { shopOrderProblems } from '../support/shop-order-problems.ts';

/** The problems when the workflow also declares `properties` (its schema stays closed) and outputs `echoed: <expression>`. */
function problemsReading(expression: string, properties: Record<string, unknown>): string[] {
  return shopOrderProblems(({ workflow }) => {
    workflow.inputs = { type: 'object', properties: { ...(workflow.inputs!.properties as Record<string, unknown>), ...properties } };
    workflow.outputs = { echoed: expression };
  });
}

describe('$inputs.<name> against a closed inputs schema', () => {
  it('reads a field of a declared object input: the declared name is a leading part of the path', () => {
    const properties = { customer: { type: 'object', properties: { address: { type: 'object' } } } };
    expect(problemsReading('$inputs.customer.address.city', properties)).toEqual([]);
  });

  it('finds a declared name that contains dots, written with them', () => {
    expect(problemsReading('$inputs.order.id', { 'order.id': { type: 'string' } })).toEqual([]);
  });

  it('refuses a path no leading part of which is declared, naming its first segment', () => {
    expect(problemsReading('$inputs.orders.id', { 'order.id': { type: 'string' } })).toEqual([
      `outputs › echoed: "$inputs.orders.id": input "orders" is not declared in workflow place-order's inputs.properties ("token", "item", "count", "order.id"); declare it or fix the name`,
    ]);
  });
});
