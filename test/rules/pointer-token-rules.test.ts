/**
 * JSON Pointer reference tokens as documents write them (RFC 6901 §§ 4 and 6): one implementation for channel and
 * operation paths, input $refs, payload targets, correlation ID headers and the API Gateway model.
 */
import { describe, expect, it } from 'vitest';
import { decodeFragment, decodeFragmentToken, escapeToken, unescapeToken } from '../../lib/arazzo/pointer-tokens.ts';

describe('a reference token', () => {
  it('unescapes ~1 before ~0, so ~01 reads as the text ~1, not as /', () => {
    expect(unescapeToken('a~1b~0c')).toBe('a/b~c');
    expect(unescapeToken('~01')).toBe('~1');
  });

  it('escapes ~ before /, and unescaping gives the name back', () => {
    expect(escapeToken('a/b~c')).toBe('a~1b~0c');
    expect(escapeToken('~1')).toBe('~01');
    for (const name of ['a/b~c', '~1', '/~0/', '']) expect(unescapeToken(escapeToken(name))).toBe(name);
  });
});

describe('a URI fragment', () => {
  it('is percent-decoded before its tokens are unescaped, and a malformed escape is kept as written', () => {
    expect(decodeFragmentToken('order%20events~1v1')).toBe('order events/v1');
    expect(decodeFragmentToken('%7E1')).toBe('/');
    expect(decodeFragment('100%')).toBe('100%');
    expect(decodeFragmentToken('50%~1off')).toBe('50%/off');
  });
});
