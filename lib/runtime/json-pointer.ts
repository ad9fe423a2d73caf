/**
 * RFC 6901 JSON Pointers for writing into a request payload: payload replacements and the idempotency key.
 * Writing creates missing intermediate objects, so a target such as `/metadata/key` works on a payload
 * that has no `metadata` yet.
 */
import { unescapeToken } from '../arazzo/pointer-tokens.ts';

type Container = Record<string, unknown> | unknown[];

/** Splits a pointer (`/a/b~1c`, or the URI-fragment form `#/a/b`) into unescaped reference tokens. */
export function parseJsonPointer(pointer: string): string[] {
  const text = pointer.startsWith('#') ? decodeURIComponent(pointer.slice(1)) : pointer;
  if (text === '') return [];
  if (!text.startsWith('/')) {
    throw new Error(`"${pointer}" is not a JSON Pointer: it must be empty or start with "/" (RFC 6901), e.g. "/order/id"`);
  }
  return text
    .slice(1)
    .split('/')
    .map(unescapeToken);
}

/**
 * Returns `document` with `value` written at the pointer. Containers along the way are mutated in place;
 * a missing or non-container intermediate becomes a new object; an empty pointer replaces the document.
 */
export function setAtPointer(document: unknown, pointer: string, value: unknown): unknown {
  const tokens = parseJsonPointer(pointer);
  if (tokens.length === 0) return value;
  const root: Container = isContainer(document) ? document : {};
  let node: Container = root;
  for (const token of tokens.slice(0, -1)) {
    const child = readChild(node, token);
    if (isContainer(child)) {
      node = child;
    } else {
      const created: Record<string, unknown> = {};
      writeChild(node, token, created);
      node = created;
    }
  }
  writeChild(node, tokens[tokens.length - 1], value);
  return root;
}

/** Returns `document` without the member the pointer names (unchanged when there is none). */
export function removeAtPointer(document: unknown, pointer: string): unknown {
  const tokens = parseJsonPointer(pointer);
  if (tokens.length === 0) return undefined;
  let node: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    if (!isContainer(node)) return document;
    node = readChild(node, token);
  }
  if (!isContainer(node)) return document;
  const last = tokens[tokens.length - 1];
  if (Array.isArray(node)) {
    const index = arrayIndex(last);
    if (index !== undefined && index < node.length) node.splice(index, 1);
  } else {
    delete node[last];
  }
  return document;
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

function readChild(node: Container, token: string): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(token);
    return index === undefined ? undefined : node[index];
  }
  return Object.hasOwn(node, token) ? node[token] : undefined;
}

function writeChild(node: Container, token: string, value: unknown): void {
  if (Array.isArray(node)) {
    if (token === '-') {
      node.push(value);
      return;
    }
    const index = arrayIndex(token);
    if (index === undefined || index > node.length) {
      throw new Error(`JSON Pointer token "${token}" does not address an element of an array of length ${node.length}; use an index up to ${node.length} or "-" to append`);
    }
    node[index] = value;
    return;
  }
  node[token] = value;
}
