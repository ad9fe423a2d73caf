/**
 * A safety net for secret values: every occurrence of a secret (as typed, inside JSON text, or URL-encoded)
 * is replaced before a state or a log entry leaves the step runner. Secrets are only meant to reach
 * the request, but an API may echo a credential back, or a document may name a secret input in an output.
 */

export const REDACTED = '[redacted]';

export interface Redactor {
  /** `value` with every secret occurrence replaced, in strings and object keys (a copy; the input is not changed). */
  scrub<T>(value: T): T;
}

export function createRedactor(secretValues: string[]): Redactor {
  const needles = [...new Set(secretValues.flatMap(spellings))]
    .filter((needle) => needle.length > 0)
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);

  const scrubText = (text: string): string =>
    needles.reduce((result, needle) => (result.includes(needle) ? result.split(needle).join(REDACTED) : result), text);

  const scrubValue = (value: unknown): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) return value.map(scrubValue);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubText(key), scrubValue(item)]));
    }
    return value;
  };

  return {
    scrub: <T>(value: T): T => (needles.length === 0 ? value : (scrubValue(value) as T)),
  };
}

/**
 * The value itself, how it reads once embedded in JSON text (quotes, backslashes, control characters escaped),
 * and how it reads in a URL (`$url` of a request that carries it in a path or query parameter).
 */
function spellings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  return [secret, JSON.stringify(secret).slice(1, -1), percent, form, encodeURI(secret)];
}
