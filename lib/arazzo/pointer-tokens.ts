/**
 * RFC 6901 reference tokens, and JSON Pointers in URI fragments (`#/channels/a~1b`), as documents write them.
 * Free of Node imports: the step runner loads this module too.
 */

/** `a/b~c` → `a~1b~0c`. */
export function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `a~1b~0c` → `a/b~c`; `~1` first, so `~01` reads as `~1`, as RFC 6901 § 4 requires. */
export function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** URI fragments may percent-encode characters (RFC 6901 § 6); a malformed escape is kept as written. */
export function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/** One reference token taken from a URI fragment: percent-decoded, then unescaped. */
export function decodeFragmentToken(token: string): string {
  return unescapeToken(decodeFragment(token));
}
