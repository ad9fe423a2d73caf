/**
 * Per-run callback tokens: 256 random bits, base64url, carried in the callback URL's last path segment. Only
 * their SHA-256 is stored, so a leaked table reveals no usable URL, and a look-up by hash takes the same time
 * whatever prefix of a guess is right.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;
// Stryker disable next-line Regex: set while the module loads, before Stryker activates a mutant; callback-rules.test.ts › is exactly 43 base64url characters… fails on each of its regex mutants
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newCallbackToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function isWellFormedCallbackToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** Hex SHA-256 of the token: what the store keys it by. */
export function callbackTokenHash(token: string): string {
  // Stryker disable next-line StringLiteral: tokens and hashes are ASCII (base64url, hex), the same bytes in every encoding
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hashes (or any two strings of equal length). */
export function sameHash(a: string, b: string): boolean {
  // Stryker disable next-line StringLiteral: hashes are ASCII hex, the same bytes in every encoding
  const left = Buffer.from(a, 'utf8');
  // Stryker disable next-line StringLiteral: as above
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
