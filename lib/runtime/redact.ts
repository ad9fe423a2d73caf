/**
 * A safety net for secret values: every occurrence of a secret (as typed, inside JSON text, URL-encoded,
 * base64 or hex) is replaced before a state or a log entry leaves the step runner. Secrets are only meant to reach
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
 * how it reads in a URL (`$url` of a request that carries it in a path or query parameter), and encoded as
 * base64 (standard and URL-safe) or hex, the forms a credential takes in Basic auth, signatures and echoes.
 */
function spellings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  const encoded = [hex, hex.toUpperCase(), bytes.toString('base64'), ...base64Spellings(bytes)].filter((text) => text.length >= MIN_ENCODED_NEEDLE);
  return [secret, JSON.stringify(secret).slice(1, -1), percent, form, encodeURI(secret), ...encoded];
}

/** Shorter encoded fragments would match ordinary text; a credential is far longer. */
const MIN_ENCODED_NEEDLE = 8;

/**
 * Base64 of the secret wherever it starts in the encoded text: behind 0, 1 or 2 bytes of something else
 * (`user:` in Basic auth) its characters fall differently, so each alignment has its own spelling. Characters
 * shared with the neighbouring bytes are left out; what remains is the secret's alone.
 */
function base64Spellings(bytes: Buffer): string[] {
  const spellings: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
    const lead = [0, 2, 3][offset];
    const tailShared = (offset + bytes.length) % 3 === 0 ? 0 : 1;
    const core = encoded.slice(lead, encoded.length - tailShared);
    spellings.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return spellings;
}
