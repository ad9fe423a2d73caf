/**
 * Loading an Arazzo 1.0.x or 1.1.x document (optionally through an overlay) with its OpenAPI source descriptions, and
 * the look-ups the compiler makes into it. Synth time only: reads files, so the step runner never imports it.
 */
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readAsyncApi, type AsyncApiDescription } from './asyncapi.ts';
import { documentBaseUri } from './base-uri.ts';
import { documentRoots, readDocumentFile, readGatedText } from './document-file.ts';
import { ArazzoDocumentError, clip, documentPath, problemsError, URL_SHOWN } from './errors.ts';
import { openApiOperations } from './openapi.ts';
import { pinnedSourcePath } from './pinned-sources.ts';
import { applyOverlay, loadOverlay } from './overlay.ts';
import { checkArazzoStructure } from './structure.ts';
import type { ArazzoDocument, JsonSchema, ResolvedOperation } from './types.ts';
import { isRecord } from './json-values.ts';
import { unescapeToken } from './pointer-tokens.ts';

export { ArazzoDocumentError } from './errors.ts';
export { validateForCompilation } from './compilation-checks.ts';
export { findWorkflow, resolveReusable, resolveStepOperation, stepLocation } from './lookups.ts';

export interface LoadedArazzo {
  /** The document's path as given to loadArazzo (used at the start of every error location). */
  file: string;
  document: ArazzoDocument;
  /** operations by sourceDescription name */
  sources: Record<string, LoadedSource>;
  /** The overlay applied, if any (its path as given). */
  overlay?: string;
  /** Directories the document's sources may be read from (its own tree and the allowed roots). */
  roots?: string[];
}

export interface LoadedSource {
  name: string;
  /** resolved absolute file path or URL */
  url: string;
  type: 'openapi' | 'asyncapi' | 'arazzo';
  operations: ResolvedOperation[];
  /** The parsed description (OpenAPI sources), for operationPath pointers. */
  description?: unknown;
  /** What an AsyncAPI source describes (channels, operations), for receive steps. */
  asyncapi?: AsyncApiDescription;
}

export interface LoadArazzoOptions {
  /** An OpenAPI Overlay 1.0 file applied before anything else. */
  overlay?: string;
  /** More overlays, applied in order after `overlay` (e.g. the one a deployment adds when callbacks are on). */
  overlays?: readonly string[];
  /**
   * Directories, besides the document's own, that its source descriptions may be read from (e.g. a sibling
   * `openapi/` directory). Nothing outside them is read. @default only the document's directory tree
   */
  allowRoots?: readonly string[];
  /**
   * For a document named by an `arazzo` source description: it, and every file it names, is read only inside
   * these roots (the naming document's). @default the document is the operator's own
   */
  confineTo?: readonly string[];
}

/** Synchronous because CDK synth is. Throws ArazzoDocumentError listing every structural problem. */
export function loadArazzo(file: string, options?: LoadArazzoOptions): LoadedArazzo {
  let raw = readDocumentFile(file, { what: 'Arazzo document', ...(options?.confineTo ? { roots: options.confineTo } : {}) });
  for (const overlayFile of [...(options?.overlay ? [options.overlay] : []), ...(options?.overlays ?? [])]) {
    const overlay = loadOverlay(overlayFile);
    checkOverlayExtends(overlay.extends, overlayFile, file);
    raw = applyOverlay(raw, overlay, overlayFile);
  }
  const problems = checkArazzoStructure(raw, file);
  if (problems.length > 0) throw problemsError(file, problems);
  const document = raw as ArazzoDocument;
  inlineInputSchemas(document, file);

  const sources: Record<string, LoadedSource> = {};
  const roots = options?.confineTo ? [...options.confineTo] : documentRoots(file, options?.allowRoots);
  const base = documentBaseUri(file, document);
  document.sourceDescriptions.forEach((source, index) => {
    sources[source.name] = loadSource(file, source, documentPath(file, `sourceDescriptions[${index}]`), roots, base);
  });
  return { file, document, sources, roots, ...(options?.overlay ? { overlay: options.overlay } : {}) };
}

/** How messages name a source: its URL as written, or resolved against $self where the document has one; clipped. */
function shownSource(url: string, resolved: URL, base: URL): string {
  return base.protocol === 'file:' ? clip(url, URL_SHOWN) : `${clip(resolved.href, URL_SHOWN)} (resolved against $self ${clip(base.href, URL_SHOWN)})`;
}

/** An overlay that names the document it was written for must be applied to that document. */
function checkOverlayExtends(extendsRef: string | undefined, overlayFile: string, file: string): void {
  if (extendsRef === undefined) return;
  const target = new URL(extendsRef, pathToFileURL(resolvePath(overlayFile)));
  if (target.protocol !== 'file:') return;
  if (fileURLToPath(target) !== resolvePath(file)) {
    throw new ArazzoDocumentError(
      documentPath(overlayFile, 'extends'),
      `the overlay is written for ${fileURLToPath(target)} but is being applied to ${resolvePath(file)}; apply it to that document or fix extends`,
    );
  }
}

function loadSource(file: string, source: { name: string; url: string; type?: string }, where: string, roots: string[], base: URL): LoadedSource {
  const { name, url, type } = source;
  // RFC 3986 reference resolution against the document's base URI ($self, else its own location).
  let resolved: URL;
  try {
    resolved = new URL(url, base);
  } catch {
    throw new ArazzoDocumentError(documentPath(where, 'url'), `"${url}" is not a URL or relative path`);
  }
  if (resolved.protocol !== 'file:' && resolved.protocol !== 'https:' && resolved.protocol !== 'http:') {
    throw new ArazzoDocumentError(
      documentPath(where, 'url'),
      `${shownSource(url, resolved, base)} cannot be read at synth time; give an https:// URL (pinned with --pin-sources) or a path next to the document`,
    );
  }
  // A remote description is read from its pinned copy (checked against its digest), never from the network.
  const path = resolved.protocol === 'file:' ? fileURLToPath(resolved) : pinnedSourcePath(file, name, url, documentPath(where, 'url'), roots, shownSource(url, resolved, base));
  if (type === 'arazzo') {
    // Read through the gate now, so a source outside the roots is refused here, naming the field.
    readGatedText(path, { what: `source description "${name}"`, roots, field: documentPath(where, 'url'), reference: url });
    return { name, url: path, type: 'arazzo', operations: [] };
  }
  const description = readDocumentFile(path, { what: `source description "${name}"`, roots, field: documentPath(where, 'url'), reference: url });
  if (type === 'asyncapi') return { name, url: path, type: 'asyncapi', operations: [], asyncapi: readAsyncApi(description, path) };
  if (type === undefined && isRecord(description) && typeof description.arazzo === 'string') {
    return { name, url: path, type: 'arazzo', operations: [] };
  }
  if (type === undefined && isRecord(description) && typeof description.asyncapi === 'string') {
    return { name, url: path, type: 'asyncapi', operations: [], asyncapi: readAsyncApi(description, path) };
  }
  return { name, url: path, type: 'openapi', operations: openApiOperations(description, name, path), description };
}

/**
 * Workflow input schemas may `$ref` `#/components/inputs/<name>`; those references point into the Arazzo
 * document, not into the schema, so they are inlined here before the schema is used on its own.
 */
function inlineInputSchemas(document: ArazzoDocument, file: string): void {
  const components = document.components?.inputs ?? {};
  const inline = (schema: unknown, where: string, seen: string[]): unknown => {
    if (Array.isArray(schema)) return schema.map((item) => inline(item, where, seen));
    if (!isRecord(schema)) return schema;
    const ref = schema.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/inputs/')) {
      const name = unescapeToken(ref.slice('#/components/inputs/'.length));
      if (!Object.hasOwn(components, name)) {
        throw new ArazzoDocumentError(
          documentPath(where, '$ref'),
          `"${ref}" names no input schema; components.inputs has ${listOrNone(Object.keys(components))}`,
        );
      }
      if (seen.includes(name)) throw new ArazzoDocumentError(documentPath(where, '$ref'), `"${ref}" refers to itself`);
      const { $ref: _ref, ...siblings } = schema;
      const target = inline(components[name], where, [...seen, name]) as JsonSchema;
      // Stryker disable next-line ConditionalExpression: the target is inlined afresh as a new object, so spreading it over no siblings gives an equal one
      return Object.keys(siblings).length === 0 ? target : { ...target, ...(inline(siblings, where, seen) as JsonSchema) };
    }
    return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inline(value, where, seen)]));
  };
  for (const workflow of document.workflows) {
    if (workflow.inputs !== undefined) {
      workflow.inputs = inline(workflow.inputs, documentPath(file, `workflows[${workflow.workflowId}]`, 'inputs'), []) as JsonSchema;
    }
  }
}

function listOrNone(names: string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, 30).map((name) => `"${name}"`).join(', ');
  return names.length > 30 ? `${shown}, …` : shown;
}
