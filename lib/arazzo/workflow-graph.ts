/**
 * Which workflows a workflow runs: steps with `workflowId`, `goto` actions to a workflow, and `dependsOn`.
 * Each edge names a workflow of this document or, as `$sourceDescriptions.<name>.<workflowId>`, of an
 * `arazzo`-type source description. Every workflow reached becomes its own state machine, so the graph must
 * be finite: cycles (a workflow running itself, directly or through others) are refused naming the cycle,
 * and chains deeper than the deployment allows are refused naming the chain. Synth time only.
 */
import { ArazzoDocumentError, documentPath } from './errors.ts';
import { loadArazzo, type LoadedArazzo } from './load.ts';
import { listOrNone, resolveReusable } from './lookups.ts';
import type { FailureAction, SuccessAction, Workflow } from './types.ts';

/** How deep workflows may call workflows (the root workflow is depth 0). */
export const DEFAULT_MAX_WORKFLOW_DEPTH = 4;

export interface WorkflowNode {
  /** Unique in the set: the workflowId for this document's workflows, `<source>.<workflowId>` for a source's. */
  key: string;
  loaded: LoadedArazzo;
  workflow: Workflow;
  edges: WorkflowEdge[];
}

export interface WorkflowEdge {
  kind: 'step' | 'goto' | 'dependsOn';
  /** The key of the workflow run. */
  target: string;
  /** Where the reference is written, for messages. */
  where: string;
  /** step: the step that runs it; goto: the step whose action it is (undefined for workflow-level actions). */
  stepId?: string;
}

export interface WorkflowGraph {
  root: string;
  nodes: Map<string, WorkflowNode>;
  /** Keys with every workflow after the workflows it runs (leaves first, root last). */
  order: string[];
}

const SOURCE_REFERENCE = /^\$sourceDescriptions\.([^.]+)\.(.+)$/;

/** The workflow a `workflowId` reference names, seen from a workflow of `loaded` whose key prefix is `prefix`. */
export function resolveWorkflowReference(
  loaded: LoadedArazzo,
  reference: string,
  where: string,
  prefix = '',
): ResolvedWorkflow {
  const qualified = SOURCE_REFERENCE.exec(reference);
  if (!qualified) {
    if (reference.startsWith('$')) {
      throw new ArazzoDocumentError(where, `"${reference}" must be a workflowId of this document or $sourceDescriptions.<name>.<workflowId>`);
    }
    const workflow = loaded.document.workflows.find((candidate) => candidate.workflowId === reference);
    if (!workflow) {
      const ids = loaded.document.workflows.map((candidate) => candidate.workflowId);
      throw new ArazzoDocumentError(where, `"${reference}" is not a workflow of ${loaded.file}; its workflows are ${listOrNone(ids)} (a workflow of an arazzo source description is written $sourceDescriptions.<name>.<workflowId>)`);
    }
    return { key: `${prefix}${reference}`, loaded, workflow };
  }
  const [, sourceName, workflowId] = qualified;
  const source = loaded.sources[sourceName];
  if (!source) {
    throw new ArazzoDocumentError(where, `"${reference}" names no source description "${sourceName}"; the document has ${listOrNone(Object.keys(loaded.sources))}`);
  }
  if (source.type !== 'arazzo') {
    throw new ArazzoDocumentError(where, `"${reference}": source description "${sourceName}" is an OpenAPI description; a workflowId must name a workflow of an arazzo source description`);
  }
  const sourceDocument = loadedSourceDocument(loaded, sourceName);
  return resolveWorkflowReference(sourceDocument, workflowId, where, `${prefix}${sourceName}.`);
}

const sourceDocuments = new WeakMap<LoadedArazzo, Map<string, LoadedArazzo>>();

/** The Arazzo document an `arazzo`-type source description points to, loaded once per document. */
export function loadedSourceDocument(loaded: LoadedArazzo, sourceName: string): LoadedArazzo {
  let cache = sourceDocuments.get(loaded);
  if (!cache) {
    cache = new Map();
    sourceDocuments.set(loaded, cache);
  }
  let document = cache.get(sourceName);
  if (!document) {
    // Confined like every file the naming document reads: an arazzo source cannot widen what may be read.
    document = loadArazzo(loaded.sources[sourceName]!.url, loaded.roots ? { confineTo: loaded.roots } : {});
    cache.set(sourceName, document);
  }
  return document;
}

/** The workflows `rootWorkflowId` runs, transitively. Throws naming a cycle, or a chain deeper than `maxDepth`. */
export function buildWorkflowGraph(loaded: LoadedArazzo, rootWorkflowId: string, maxDepth = DEFAULT_MAX_WORKFLOW_DEPTH): WorkflowGraph {
  const nodes = new Map<string, WorkflowNode>();
  const order: string[] = [];
  const root = resolveWorkflowReference(loaded, rootWorkflowId, documentPath(loaded.file, 'workflows'));

  const visit = (target: ResolvedWorkflow, path: string[], via: string | undefined): void => {
    const onPath = path.indexOf(target.key);
    if (onPath !== -1) {
      const cycle = [...path.slice(onPath), target.key].join(' → ');
      throw new ArazzoDocumentError(
        via ?? loaded.file,
        `workflow cycle ${cycle}: a workflow may not run itself, directly or through other workflows (each workflow is its own state machine); break the cycle`,
      );
    }
    if (path.length > maxDepth) {
      throw new ArazzoDocumentError(
        via ?? loaded.file,
        `workflows nest ${path.length} deep (${[...path, target.key].join(' → ')}), deeper than maxWorkflowDepth ${maxDepth}; flatten the chain or raise maxWorkflowDepth`,
      );
    }
    if (nodes.has(target.key)) return;
    const { edges, targets } = workflowEdges(target);
    edges.forEach((edge, index) => visit(targets[index]!, [...path, target.key], edge.where));
    nodes.set(target.key, { ...target, edges });
    order.push(target.key);
  };
  visit(root, [], undefined);
  return { root: root.key, nodes, order };
}

type ResolvedWorkflow = { key: string; loaded: LoadedArazzo; workflow: Workflow };

/** The edges of one workflow, in document order: dependsOn, then each step's workflowId and goto actions, then workflow actions. */
function workflowEdges(from: ResolvedWorkflow): { edges: WorkflowEdge[]; targets: ResolvedWorkflow[] } {
  const { loaded, workflow } = from;
  const prefix = from.key.slice(0, from.key.length - workflow.workflowId.length);
  const where = documentPath(loaded.file, `workflows[${workflow.workflowId}]`);
  const edges: WorkflowEdge[] = [];
  const targets: ResolvedWorkflow[] = [];
  const add = (kind: WorkflowEdge['kind'], reference: string, at: string, stepId?: string) => {
    const target = resolveWorkflowReference(loaded, reference, at, prefix);
    targets.push(target);
    edges.push({ kind, target: target.key, where: at, ...(stepId !== undefined ? { stepId } : {}) });
  };
  (workflow.dependsOn ?? []).forEach((reference, index) => add('dependsOn', reference, documentPath(where, `dependsOn[${index}]`)));
  const actions = (list: Array<SuccessAction | FailureAction | { reference: string }> | undefined, at: string, stepId?: string) => {
    (list ?? []).forEach((item, index) => {
      const action = resolveReusable<SuccessAction | FailureAction>(loaded, item, `${at}[${index}]`);
      if (action.type === 'goto' && action.workflowId !== undefined) add('goto', action.workflowId, documentPath(`${at}[${index}]`, 'workflowId'), stepId);
    });
  };
  for (const step of workflow.steps) {
    const at = documentPath(where, `steps[${step.stepId}]`);
    if (step.workflowId !== undefined) add('step', step.workflowId, documentPath(at, 'workflowId'), step.stepId);
    actions(step.onSuccess, documentPath(at, 'onSuccess'), step.stepId);
    actions(step.onFailure, documentPath(at, 'onFailure'), step.stepId);
  }
  actions(workflow.successActions, documentPath(where, 'successActions'));
  actions(workflow.failureActions, documentPath(where, 'failureActions'));
  return { edges, targets };
}
