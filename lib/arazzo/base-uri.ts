/**
 * The base URI of an Arazzo document (Arazzo 1.1 § Establishing the Base URI, RFC 3986 § 5.1): its `$self`
 * when present (itself resolved against the retrieval URI when relative), else the retrieval URI, here the
 * file the document was read from. Source description URLs are resolved against it.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArazzoDocumentError, documentPath } from './errors.ts';

export function retrievalUri(file: string): URL {
  return pathToFileURL(isAbsolute(file) ? file : resolvePath(file));
}

/** `$self` resolved to an absolute URI, or undefined when the document has none. */
export function resolvedSelf(file: string, document: { $self?: unknown }): string | undefined {
  if (typeof document.$self !== 'string') return undefined;
  try {
    return new URL(document.$self, retrievalUri(file)).href;
  } catch {
    throw new ArazzoDocumentError(documentPath(file, '$self'), `"${document.$self}" is not a URI-reference (RFC 3986)`);
  }
}

export function documentBaseUri(file: string, document: { $self?: unknown }): URL {
  const self = resolvedSelf(file, document);
  return self === undefined ? retrievalUri(file) : new URL(self);
}
