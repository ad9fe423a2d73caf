/**
 * Rules of the small JSON guards (json-values.ts) and of the bounded parse cache (memo.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseJsonOrUndefined } from '../../lib/arazzo/json-values.ts';
import { memoizeParse } from '../../lib/arazzo/memo.ts';

describe('parseJsonOrUndefined', () => {
  it('parses only text: a number, boolean or null given as a value is undefined, not passed through', () => {
    expect(parseJsonOrUndefined('{"a": [1]}')).toEqual({ a: [1] });
    expect(parseJsonOrUndefined(5)).toBeUndefined();
    expect(parseJsonOrUndefined(true)).toBeUndefined();
    expect(parseJsonOrUndefined(null)).toBeUndefined();
  });

  it('is undefined for text that is not JSON', () => {
    expect(parseJsonOrUndefined('{oops')).toBeUndefined();
  });
});

/** A memoized parse (text → its length) with room for two texts, and the list of texts it actually parsed. */
function lengthParseWithRoomForTwo(): { parse: (text: string) => number; parsed: string[] } {
  const parsed: string[] = [];
  const parse = memoizeParse((text: string) => {
    parsed.push(text);
    return text.length;
  }, 2);
  return { parse, parsed };
}

describe('a memoized parse', () => {
  it('parses each text once while the cache has room', () => {
    const { parse, parsed } = lengthParseWithRoomForTwo();
    expect([parse('a'), parse('bb'), parse('a'), parse('bb')]).toEqual([1, 2, 1, 2]);
    expect(parsed).toEqual(['a', 'bb']);
  });

  it('holds at most maxEntries texts: when full it starts again, so an earlier text is parsed anew', () => {
    const { parse, parsed } = lengthParseWithRoomForTwo();
    parse('a');
    parse('bb');
    expect(parse('ccc')).toBe(3);
    expect(parse('ccc')).toBe(3);
    expect(parse('a')).toBe(1);
    expect(parsed).toEqual(['a', 'bb', 'ccc', 'a']);
  });
});
