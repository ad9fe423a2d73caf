import { describe, expect, it } from 'vitest';
import { parseJsonPointer, removeAtPointer, setAtPointer } from '../lib/runtime/json-pointer.ts';
import { createRedactor } from '../lib/runtime/redact.ts';
import { arazzoRetrySeconds, loopBackSeconds, parseRetryAfter } from '../lib/runtime/wait-policy.ts';

describe('Retry-After', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('reads delta-seconds, rounding a fraction up', () => {
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 2.2 ', now)).toBe(3);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP-date as the seconds until then, and a date already past as 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('is ignored when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('wait seconds', () => {
  it('are whole seconds even when the policy multiplies by a fraction', () => {
    const policy = { kind: 'exponential' as const, initialSeconds: 3, factor: 1.1, maxSeconds: 100 };
    expect(loopBackSeconds(policy, 2, undefined, () => 0)).toBe(4); // 3 * 1.21 = 3.63
    expect(Number.isInteger(loopBackSeconds({ ...policy, jitter: 0.3 }, 3, undefined, () => 0.37))).toBe(true);
  });

  it('for an Arazzo retry are the server\'s Retry-After when it sent one, shorter or longer (it overrules retryAfter), else the action\'s retryAfter', () => {
    expect(arazzoRetrySeconds(2.5, undefined)).toBe(3);
    expect(arazzoRetrySeconds(undefined, undefined)).toBe(0);
    expect(arazzoRetrySeconds(2, 9)).toBe(9);
    expect(arazzoRetrySeconds(20, 9)).toBe(9);
    expect(arazzoRetrySeconds(20, 0)).toBe(0);
  });
});

describe('JSON Pointer writes', () => {
  it('unescape ~1 and ~0 and accept the URI-fragment form', () => {
    expect(parseJsonPointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(parseJsonPointer('#/a%20b')).toEqual(['a b']);
    expect(parseJsonPointer('')).toEqual([]);
  });

  it('refuse a pointer that does not start with a slash, naming the fix', () => {
    expect(() => parseJsonPointer('meta/key')).toThrow('"meta/key" is not a JSON Pointer: it must be empty or start with "/"');
  });

  it('create objects on the way, append with "-", and replace the whole document for ""', () => {
    expect(setAtPointer({ a: 1 }, '/b/c', 2)).toEqual({ a: 1, b: { c: 2 } });
    expect(setAtPointer({ list: [1] }, '/list/-', 2)).toEqual({ list: [1, 2] });
    expect(setAtPointer(undefined, '/key', 'v')).toEqual({ key: 'v' });
    expect(setAtPointer({ a: 1 }, '', 'whole')).toBe('whole');
    expect(() => setAtPointer({ list: [] }, '/list/5', 1)).toThrow('does not address an element of an array of length 0');
  });

  it('remove a member or an array element, and leave the document alone when there is nothing there', () => {
    expect(removeAtPointer({ a: 1, b: 2 }, '/a')).toEqual({ b: 2 });
    expect(removeAtPointer({ list: [1, 2, 3] }, '/list/1')).toEqual({ list: [1, 3] });
    expect(removeAtPointer({ a: 1 }, '/x/y')).toEqual({ a: 1 });
  });
});

describe('redaction', () => {
  it('replaces a secret wherever it occurs: inside longer strings, in keys, and in JSON text that escaped it', () => {
    const secret = 'p"a\\ss';
    const redactor = createRedactor([secret]);
    const scrubbed = redactor.scrub({
      header: `Bearer ${secret}`,
      [secret]: [secret, 3, null],
      cause: JSON.stringify({ echoed: secret }),
    });
    expect(scrubbed).toEqual({
      header: 'Bearer [redacted]',
      '[redacted]': ['[redacted]', 3, null],
      cause: '{"echoed":"[redacted]"}',
    });
  });

  it('replaces a secret that a URL carries percent- or form-encoded', () => {
    const secret = 'k3y+with/slash=end and space';
    const url = new URL('https://api.test/items/x');
    url.pathname = `/items/${encodeURIComponent(secret)}`;
    url.searchParams.set('api_key', secret);
    const scrubbed = createRedactor([secret]).scrub({ where: url.toString() });
    expect(scrubbed).toEqual({ where: 'https://api.test/items/[redacted]?api_key=[redacted]' });
  });

  it('ignores empty secret values, which would otherwise match everywhere', () => {
    expect(createRedactor(['']).scrub({ a: 'text' })).toEqual({ a: 'text' });
  });
});
