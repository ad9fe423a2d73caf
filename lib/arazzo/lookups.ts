/**
 * Look-ups the compiler makes into a loaded Arazzo document: workflows, step operations, reusable objects.
 */
import { ArazzoDocumentError, documentPath } from './errors.ts';
import type { LoadedArazzo, LoadedSource } from './load.ts';
import { operationAtPointer } from './openapi.ts';
import type { ReusableObject, ResolvedOperation, Step, Workflow } from './types.ts';
import { isRecord } from './json-values.ts';
import { decodeFragment } from './pointer-tokens.ts';

/** The named workflow, or the first one. An unknown id is an error listing the ids. */
export function findWorkflow(loaded: LoadedArazzo, workflowId?: string): Workflow {
  const workflows = loaded.document.workflows;
  if (workflowId === undefined) return workflows[0];
  const found = workflows.find((workflow) => workflow.workflowId === workflowId);
  if (found) return found;
  throw new ArazzoDocumentError(
    documentPath(loaded.file, 'workflows'),
    `has no workflow "${workflowId}"; choose one of ${workflows.map((workflow) => `"${workflow.workflowId}"`).join(', ')}`,
  );
}

/** Where a step lives in the document, for error locations. */
export function stepLocation(loaded: LoadedArazzo, workflow: Workflow, step: Step): string {
  return documentPath(loaded.file, `workflows[${workflow.workflowId}]`, `steps[${step.stepId}]`);
}

/**
 * operationId (optionally `$sourceDescriptions.<name>.<operationId>`) or operationPath
 * (`{$sourceDescriptions.<name>.url}#/paths/~1v2~1x/get`) → method/path/server.
 */
export function resolveStepOperation(loaded: LoadedArazzo, workflow: Workflow, step: Step): ResolvedOperation {
  const where = stepLocation(loaded, workflow, step);
  if (step.operationId !== undefined) return resolveOperationId(loaded, step.operationId, documentPath(where, 'operationId'));
  if (step.operationPath !== undefined) return resolveOperationPath(loaded, step.operationPath, documentPath(where, 'operationPath'));
  throw new ArazzoDocumentError(where, 'needs an operationId or operationPath saying which API operation it calls');
}

function openApiSources(loaded: LoadedArazzo): LoadedSource[] {
  return Object.values(loaded.sources).filter((source) => source.type === 'openapi');
}

function resolveOperationId(loaded: LoadedArazzo, operationId: string, where: string): ResolvedOperation {
  const qualified = /^\$sourceDescriptions\.([^.]+)\.(.+)$/.exec(operationId);
  if (operationId.startsWith('$') && !qualified) {
    throw new ArazzoDocumentError(where, `"${operationId}" must be a plain operationId or $sourceDescriptions.<name>.<operationId>`);
  }
  let candidates: LoadedSource[];
  if (qualified) {
    const source = loaded.sources[qualified[1]];
    if (!source) {
      throw new ArazzoDocumentError(where, `"${operationId}" names no source description "${qualified[1]}"; the document has ${listOrNone(Object.keys(loaded.sources))}`);
    }
    candidates = [source];
  } else {
    candidates = openApiSources(loaded);
  }
  const id = qualified ? qualified[2] : operationId;
  const matches = candidates.flatMap((source) => source.operations.filter((operation) => operation.operationId === id));
  if (matches.length > 1) {
    const names = [...new Set(matches.map((match) => match.sourceDescription))];
    throw new ArazzoDocumentError(
      where,
      names.length > 1
        ? `"${id}" is an operationId in ${names.join(' and ')}; write $sourceDescriptions.<name>.${id} to choose one`
        : `"${id}" is the operationId of several operations in ${names[0]}; operationIds must be unique, or use operationPath`,
    );
  }
  if (matches.length === 1) return matches[0];
  const known = candidates.flatMap((source) => source.operations.map((operation) => operation.operationId)).filter((x) => x !== undefined);
  throw new ArazzoDocumentError(
    where,
    `"${id}" is not an operationId in ${candidates.map((source) => source.name).join(', ') || 'any OpenAPI source description'}; known operationIds: ${listOrNone(known)}`,
  );
}

function resolveOperationPath(loaded: LoadedArazzo, operationPath: string, where: string): ResolvedOperation {
  const hash = operationPath.indexOf('#');
  if (hash === -1) {
    throw new ArazzoDocumentError(where, `"${operationPath}" must be {$sourceDescriptions.<name>.url}#<json-pointer>, e.g. {$sourceDescriptions.api.url}#/paths/~1pets/get`);
  }
  const reference = operationPath.slice(0, hash);
  const pointer = decodeFragment(operationPath.slice(hash + 1));
  const expression = /^\{\$sourceDescriptions\.([^.}]+)\.url\}$/.exec(reference);
  let source: LoadedSource | undefined;
  if (expression) {
    source = loaded.sources[expression[1]];
    if (!source) {
      throw new ArazzoDocumentError(where, `"${operationPath}" names no source description "${expression[1]}"; the document has ${listOrNone(Object.keys(loaded.sources))}`);
    }
  } else {
    // Leniency: the source description's own url, as written or resolved.
    source = loaded.document.sourceDescriptions
      .filter((description) => description.url === reference)
      .map((description) => loaded.sources[description.name])[0] ?? Object.values(loaded.sources).find((s) => s.url === reference);
    if (!source) {
      throw new ArazzoDocumentError(where, `"${operationPath}" must start with {$sourceDescriptions.<name>.url}, e.g. {$sourceDescriptions.api.url}#/paths/~1pets/get`);
    }
  }
  if (source.type !== 'openapi') {
    throw new ArazzoDocumentError(where, `"${source.name}" is an Arazzo source description; an operationPath must point into an OpenAPI description`);
  }
  const found = operationAtPointer(source.description, pointer, source.operations);
  if (typeof found === 'string') throw new ArazzoDocumentError(where, found);
  return found;
}


const REUSABLE = /^\$components\.(parameters|successActions|failureActions)\.(.+)$/;

/** Follow a Reusable Object (`value` overrides a parameter's value) or return the object itself. */
export function resolveReusable<T>(loaded: LoadedArazzo, item: T | ReusableObject, where: string): T {
  if (!isRecord(item) || typeof item.reference !== 'string') return item as T;
  const reusable = item as unknown as ReusableObject;
  const match = REUSABLE.exec(reusable.reference);
  if (!match) {
    throw new ArazzoDocumentError(
      documentPath(where, 'reference'),
      `"${reusable.reference}" must be $components.parameters.<name>, $components.successActions.<name> or $components.failureActions.<name>`,
    );
  }
  const kind = match[1] as 'parameters' | 'successActions' | 'failureActions';
  const components = loaded.document.components?.[kind] ?? {};
  if (!Object.hasOwn(components, match[2])) {
    throw new ArazzoDocumentError(
      documentPath(where, 'reference'),
      `"${reusable.reference}" names nothing; components.${kind} has ${listOrNone(Object.keys(components))}`,
    );
  }
  const target = structuredClone(components[match[2]]) as unknown as Record<string, unknown>;
  if (reusable.value !== undefined) {
    if (kind !== 'parameters') {
      throw new ArazzoDocumentError(documentPath(where, 'value'), 'only a parameter reference may override value; remove it');
    }
    target.value = structuredClone(reusable.value);
  }
  return target as T;
}

export function listOrNone(names: string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, 30).map((name) => `"${name}"`).join(', ');
  return names.length > 30 ? `${shown}, …` : shown;
}
