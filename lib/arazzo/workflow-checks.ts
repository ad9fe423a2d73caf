/**
 * Synth-time look-ups for steps that run another workflow, used by the compilation checks.
 */
import { documentPath } from './errors.ts';
import type { LoadedArazzo } from './load.ts';
import type { Step, Workflow } from './types.ts';
import { resolveWorkflowReference } from './workflow-graph.ts';

/** The workflow a step's `workflowId` names (this document's, or an arazzo source description's). */
export function calledWorkflow(loaded: LoadedArazzo, step: Step, where: string): Workflow {
  return resolveWorkflowReference(loaded, step.workflowId!, documentPath(where, 'workflowId')).workflow;
}

/**
 * The names `$steps.<stepId>.outputs.<name>` may use: the step's declared outputs; for a workflow step that
 * declares none, the called workflow's outputs (all of them are exposed).
 */
export function stepOutputNames(loaded: LoadedArazzo, step: Step): string[] {
  if (step.outputs !== undefined || step.workflowId === undefined) return Object.keys(step.outputs ?? {});
  try {
    return Object.keys(calledWorkflow(loaded, step, '').outputs ?? {});
  } catch {
    return [];
  }
}
