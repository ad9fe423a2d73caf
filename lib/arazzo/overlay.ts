/**
 * OpenAPI Overlay Specification 1.0.0, applied to any YAML/JSON document (here: Arazzo documents).
 *
 * - Actions apply in order; `target` is an RFC 9535 JSONPath query that must select objects or arrays. A node it
 *   selects more than once is updated or removed once.
 * - `update` on an object merges recursively. Overlay 1.0.0 only says "recursively merged"; the rules used are
 *   the ones Overlay 1.1.0 spells out for the same wording: a primitive replaces a primitive, an array is
 *   concatenated to an array, an object merges into an object, and any other pairing is an error.
 * - `update` on an array appends the value as one entry (1.0.0: "an entry to append to the array").
 * - `remove: true` removes each selected node from its containing object or array.
 * - A target that selects nothing is an error here (the spec allows it): an overlay that silently stops
 *   matching after the document changes would hide drift.
 * The input document is never mutated, and a value a YAML alias repeats is changed only where the target points.
 */
import { jsonpath, type JSONValue, type JSONPathNode } from 'json-p3';
import { readDocumentFile } from './document-file.ts';
import { ArazzoDocumentError, documentPath, problemsError, type DocumentProblem } from './errors.ts';
import { isRecord } from './json-values.ts';

export interface OverlayDocument {
  overlay: string;
  info: { title: string; version: string };
  extends?: string;
  actions: OverlayAction[];
  /** The file it was loaded from, for error locations. */
  file?: string;
}

export interface OverlayAction {
  target: string;
  description?: string;
  update?: unknown;
  remove?: boolean;
}

const ACTION_FIELDS = new Set(['target', 'description', 'update', 'remove']);

export function loadOverlay(file: string): OverlayDocument {
  const raw = readDocumentFile(file, { what: 'overlay' });
  const problems = checkOverlay(raw, file);
  if (problems.length > 0) throw problemsError(file, problems);
  return { ...(raw as OverlayDocument), file };
}

function checkOverlay(raw: unknown, file: string): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const at = (...path: string[]): string => documentPath(file, ...path);
  if (!isRecord(raw)) return [{ location: file, message: 'an overlay must be a YAML/JSON object with overlay, info and actions' }];
  if (typeof raw.overlay !== 'string' || !/^1\.0\.\d+$/.test(raw.overlay)) {
    problems.push({ location: at('overlay'), message: `must be an Overlay 1.0.x version such as "1.0.0", not ${JSON.stringify(raw.overlay)}` });
  }
  if (!isRecord(raw.info) || typeof raw.info.title !== 'string' || typeof raw.info.version !== 'string') {
    problems.push({ location: at('info'), message: 'must be an object with string title and version' });
  }
  if (raw.extends !== undefined && typeof raw.extends !== 'string') {
    problems.push({ location: at('extends'), message: 'must be a URI reference (string) to the document the overlay applies to' });
  }
  if (!Array.isArray(raw.actions) || raw.actions.length === 0) {
    problems.push({ location: at('actions'), message: 'must be a non-empty list of actions' });
    return problems;
  }
  raw.actions.forEach((action: unknown, index: number) => {
    const where = `actions[${index}]`;
    if (!isRecord(action)) {
      problems.push({ location: at(where), message: 'must be an object with target and update or remove' });
      return;
    }
    for (const key of Object.keys(action)) {
      if (!ACTION_FIELDS.has(key) && !key.startsWith('x-')) {
        problems.push({ location: at(where, key), message: 'is not an Overlay 1.0 action field (target, description, update, remove, x-…)' });
      }
    }
    if (typeof action.target !== 'string' || action.target === '') {
      problems.push({ location: at(where, 'target'), message: 'is required: an RFC 9535 JSONPath query such as $.info' });
    } else {
      try {
        jsonpath.compile(action.target);
      } catch (error) {
        problems.push({ location: at(where, 'target'), message: `is not an RFC 9535 JSONPath query: ${(error as Error).message}` });
      }
    }
    if (action.remove !== undefined && typeof action.remove !== 'boolean') {
      problems.push({ location: at(where, 'remove'), message: 'must be true or false' });
    }
    if (action.remove !== true && action.update === undefined) {
      problems.push({ location: at(where), message: 'does nothing: give it an update, or remove: true' });
    }
  });
  return problems;
}

/** Applies the overlay's actions in order to a copy of `document`; `where` names the overlay in errors. */
export function applyOverlay(document: unknown, overlay: OverlayDocument, where?: string): unknown {
  const origin = where ?? overlay.file ?? 'overlay';
  const copy = treeCopy(document);
  overlay.actions.forEach((action, index) => {
    const location = documentPath(origin, `actions[${index}]`);
    const nodes = selectNodes(copy, action.target, location);
    if (action.remove === true) {
      removeNodes(copy, nodes, location);
    } else {
      for (const node of nodes) updateNode(node, action.update, location);
    }
  });
  return copy;
}

function selectNodes(document: JSONValue, target: string, location: string): JSONPathNode[] {
  let nodes: JSONPathNode[];
  try {
    // A node the query reaches twice ($['info','info']) is one node: update or remove it once.
    nodes = [...new Map(jsonpath.query(target, document).nodes.map((node) => [node.getPath(), node])).values()];
  } catch (error) {
    throw new ArazzoDocumentError(documentPath(location, 'target'), `is not an RFC 9535 JSONPath query: ${(error as Error).message}`);
  }
  if (nodes.length === 0) {
    throw new ArazzoDocumentError(
      documentPath(location, 'target'),
      `${target} selects nothing in the document; the document may have changed — update the target or drop the action`,
    );
  }
  for (const node of nodes) {
    if (typeof node.value !== 'object' || node.value === null) {
      throw new ArazzoDocumentError(
        documentPath(location, 'target'),
        `${target} selects ${node.getPath()}, which is ${node.value === null ? 'null' : `a ${typeof node.value}`}; target the object that contains it and update that property`,
      );
    }
  }
  return nodes;
}

function updateNode(node: JSONPathNode, update: unknown, location: string): void {
  const target = node.value;
  if (Array.isArray(target)) {
    target.push(treeCopy(update));
    return;
  }
  if (!isRecord(update)) {
    throw new ArazzoDocumentError(
      documentPath(location, 'update'),
      `must be an object to merge into ${node.getPath()} (an object); to replace a value, update the object that holds it`,
    );
  }
  mergeInto(target as Record<string, JSONValue>, update, node.getPath(), location);
}

function mergeInto(target: Record<string, JSONValue>, update: Record<string, unknown>, path: string, location: string): void {
  for (const [key, value] of Object.entries(update)) {
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    const copy = treeCopy(value);
    if (existing === undefined || (isPrimitive(existing) && isPrimitive(value))) {
      target[key] = copy;
    } else if (Array.isArray(existing) && Array.isArray(value)) {
      existing.push(...(copy as JSONValue[]));
    } else if (isRecord(existing) && isRecord(value)) {
      mergeInto(existing as Record<string, JSONValue>, value, `${path}['${key}']`, location);
    } else {
      throw new ArazzoDocumentError(
        documentPath(location, 'update'),
        `cannot merge ${describe(value)} into ${describe(existing)} at ${path}['${key}']; make the types match or remove the property first`,
      );
    }
  }
}

function removeNodes(root: JSONValue, nodes: JSONPathNode[], location: string): void {
  // Every container is found before anything is removed, so no removal shifts or detaches what another one
  // names; an entry reached by two paths is removed once, and an array loses its entries from the highest index down.
  const arrayEntries = new Map<JSONValue[], Set<number>>();
  // Stryker disable next-line ArrayDeclaration: a seeded string entry destructures to ['S', 't'], and deleting 't' from a string changes nothing
  const objectMembers: Array<[Record<string, JSONValue>, string]> = [];
  for (const node of nodes) {
    if (node.location.length === 0) {
      throw new ArazzoDocumentError(documentPath(location, 'target'), 'cannot remove the whole document ($)');
    }
    const parent = node.location.slice(0, -1).reduce((value, key) => (value as Record<string | number, JSONValue>)[key], root);
    const key = node.location[node.location.length - 1];
    if (Array.isArray(parent)) {
      arrayEntries.set(parent, (arrayEntries.get(parent) ?? new Set<number>()).add(key as number));
    } else {
      objectMembers.push([parent as Record<string, JSONValue>, String(key)]);
    }
  }
  for (const [array, indexes] of arrayEntries) {
    for (const index of [...indexes].sort((a, b) => b - a)) array.splice(index, 1);
  }
  for (const [object, key] of objectMembers) delete object[key];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A copy in which every place holds a value of its own. A YAML alias parses to the very object its anchor does
 * (and structuredClone keeps that sharing), so an update through one place would change the others too.
 */
function treeCopy(value: unknown): JSONValue {
  if (Array.isArray(value)) return value.map(treeCopy);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, treeCopy(item)]));
  return value as JSONValue;
}

function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && value !== undefined);
}
