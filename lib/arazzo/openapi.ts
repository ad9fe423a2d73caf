/**
 * The little of an OpenAPI 3.x description this project needs: each operation's method, path template and
 * server base URL.
 */
import { JSONPointer, type JSONValue } from 'json-p3';
import { ArazzoDocumentError, documentPath } from './errors.ts';
import type { ResolvedOperation } from './types.ts';
import { isRecord } from './json-values.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Lists the operations of an OpenAPI 3.x document. `where` is the source file, for errors. */
export function openApiOperations(document: unknown, sourceDescription: string, where: string): ResolvedOperation[] {
  if (!isRecord(document)) throw new ArazzoDocumentError(where, 'is not an OpenAPI description (expected an object)');
  if (typeof document.openapi !== 'string' || !/^3\.\d+\.\d/.test(document.openapi)) {
    const found = document.swagger !== undefined ? `Swagger ${versionText(document.swagger)}` : versionText(document.openapi);
    throw new ArazzoDocumentError(
      documentPath(where, 'openapi'),
      `must be an OpenAPI 3.x version (found ${found}); convert the description to OpenAPI 3.0 or 3.1`,
    );
  }
  const operations: ResolvedOperation[] = [];
  const rootServer = firstServer(document.servers);
  const paths = isRecord(document.paths) ? document.paths : {};
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isRecord(pathItem)) continue;
    const pathServer = firstServer(pathItem.servers);
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isRecord(operation)) continue;
      operations.push({
        sourceDescription,
        ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
        method: method.toUpperCase(),
        path,
        serverUrl: firstServer(operation.servers) ?? pathServer ?? rootServer ?? '',
      });
    }
  }
  return operations;
}

/**
 * The first server's URL with its variables at their defaults and no trailing slash, so `serverUrl + path`
 * is the request URL. Undefined when none is declared (the deployment must then supply a base URL).
 */
function firstServer(servers: unknown): string | undefined {
  if (!Array.isArray(servers) || !isRecord(servers[0])) return undefined;
  const server = servers[0];
  if (typeof server.url !== 'string') return undefined;
  const variables = isRecord(server.variables) ? server.variables : {};
  const url = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isRecord(variable) && typeof variable.default === 'string' ? variable.default : whole;
  });
  return url.replace(/\/+$/, '');
}

/**
 * The operation an operationPath's JSON Pointer names: `/paths/<escaped path>/<method>`.
 * Returns a message saying the fix when the pointer does not name an operation in the document.
 */
export function operationAtPointer(
  document: unknown,
  pointer: string,
  operations: ResolvedOperation[],
): ResolvedOperation | string {
  let tokens: string[];
  try {
    tokens = [...new JSONPointer(pointer).tokens];
  } catch (error) {
    return `"#${pointer}" is not a JSON Pointer: ${(error as Error).message}`;
  }
  const example = 'e.g. #/paths/~1pets~1{petId}/get (each "/" in the path written ~1)';
  if (tokens.length !== 3 || tokens[0] !== 'paths') {
    return `the pointer "#${pointer}" must name an operation as /paths/<path>/<method>, ${example}`;
  }
  const [, path, method] = tokens;
  const found = operations.find((operation) => operation.path === path && operation.method === method.toUpperCase());
  if (found) return found;
  try {
    new JSONPointer(pointer).resolve(document as JSONValue);
  } catch {
    return `the pointer "#${pointer}" names nothing in the description (no ${method.toUpperCase()} ${path}); ${example}`;
  }
  return `the pointer "#${pointer}" does not name an operation (${method} is not an HTTP method); ${example}`;
}

/** A version as written when it looks like one; anything else is not repeated (the file may not be a description at all). */
function versionText(value: unknown): string {
  if (value === undefined) return 'no version';
  return /^\d+(?:\.\d+){0,2}$/.test(String(value)) ? JSON.stringify(value) : 'a value that is not a version number';
}
