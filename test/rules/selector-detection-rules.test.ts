/**
 * Which values are Selector Objects (isSelectorObject) and which hold one anywhere (containsSelector, what marks a
 * 1.1 step's values as holding selectors): the shape decides, not the place.
 */
import { describe, expect, it } from 'vitest';
import { containsSelector, isSelectorObject } from '../../lib/arazzo/selector.ts';

const SELECTOR = { context: '$response.body', selector: '/id', type: 'jsonpointer' };

describe('a Selector Object', () => {
  it('needs both context and selector: either alone is a plain object', () => {
    expect(isSelectorObject({ context: '$response.body', selector: '/id' })).toBe(true);
    expect(isSelectorObject({ context: '$response.body', type: 'jsonpointer' })).toBe(false);
    expect(isSelectorObject({ selector: '/id', type: 'jsonpointer' })).toBe(false);
  });

  it('is an object: null, an array or a primitive is none', () => {
    for (const value of [null, [SELECTOR], '$response.body', 7]) expect(isSelectorObject(value), JSON.stringify(value)).toBe(false);
  });
});

describe('a value holds a Selector Object', () => {
  it('when it is one, or one sits at any depth of its arrays and objects', () => {
    expect(containsSelector(SELECTOR)).toBe(true);
    expect(containsSelector([1, { value: [null, SELECTOR] }])).toBe(true);
    expect(containsSelector({ parameters: [{ name: 'id', value: SELECTOR }] })).toBe(true);
  });

  it('not when none is in it: primitives, null, empty and plain containers hold none', () => {
    for (const value of [undefined, null, 0, 'text', true, [], {}, [1, 'a', null], { a: { b: [false] } }, { context: '$inputs.x' }]) {
      expect(containsSelector(value), JSON.stringify(value)).toBe(false);
    }
  });
});
