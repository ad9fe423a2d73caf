/** How many parsed texts a memoized parse holds before it starts again. */
export const PARSE_CACHE_ENTRIES = 10_000;

/**
 * Memoizes a parse of document text (expressions, conditions, pointers): documents repeat them, and the step
 * runner evaluates the same ones on every poll. Bounded so a long-lived Lambda cannot grow without limit.
 */
export function memoizeParse<T>(parse: (text: string) => T, maxEntries = PARSE_CACHE_ENTRIES): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let result = cache.get(text);
    if (result === undefined) {
      result = parse(text);
      if (cache.size >= maxEntries) cache.clear();
      cache.set(text, result);
    }
    return result;
  };
}
