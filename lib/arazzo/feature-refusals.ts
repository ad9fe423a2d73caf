/**
 * Features a document may use that this compiler refuses, each with the reason and what to write instead:
 *  - AsyncAPI steps other than `action: receive` on an HTTP webhook (see receive-steps.ts) (1.1);
 *  - a retry action that names a step or workflow to run first (1.0 and 1.1): it would otherwise run as a
 *    plain retry, silently skipping what it names;
 *  - action `parameters` without a workflowId (1.1);
 *  - Selector Objects (1.1) in outputs, parameter values, payloads and replacement values.
 */
import { documentPath } from './errors.ts';
import type { LoadedArazzo } from './load.ts';
import { checkAsyncApiStep, isAsyncApiStep } from './receive-steps.ts';
import { arazzoMinor } from './structure.ts';
import { tryResolve, type Report } from './step-order-checks.ts';
import type { FailureAction, Step, SuccessAction, Workflow } from './types.ts';

export function checkRefusedFeatures(loaded: LoadedArazzo, workflow: Workflow, report: Report): void {
  const where = documentPath(loaded.file, `workflows[${workflow.workflowId}]`);
  const minor = arazzoMinor(loaded.document);
  checkActions(loaded, [['successActions', workflow.successActions], ['failureActions', workflow.failureActions]], where, report);
  for (const step of workflow.steps) {
    const at = documentPath(where, `steps[${step.stepId}]`);
    if (isAsyncApiStep(loaded, step)) checkAsyncApiStep(loaded, workflow, step, report);
    checkActions(loaded, [['onSuccess', step.onSuccess], ['onFailure', step.onFailure]], at, report);
    if (minor === '1.1') checkSelectors(step, at, report);
  }
  for (const [name, value] of Object.entries(workflow.outputs ?? {})) {
    if (typeof value !== 'string') report(documentPath(where, 'outputs', name), SELECTOR_REFUSAL);
  }
}

const SELECTOR_REFUSAL =
  'Selector Objects are not supported yet; write a runtime expression with a JSON Pointer, e.g. $response.body#/user/email';

/** A Selector Object (1.1) where a value may be one; in a 1.0 document the same object is a literal. */
function isSelector(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value).filter((key) => !key.startsWith('x-'));
  return keys.includes('context') && keys.includes('selector') && keys.every((key) => ['context', 'selector', 'type'].includes(key));
}

function containsSelector(value: unknown): boolean {
  if (isSelector(value)) return true;
  if (Array.isArray(value)) return value.some(containsSelector);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsSelector);
  return false;
}

function checkSelectors(step: Step, at: string, report: Report): void {
  for (const [name, value] of Object.entries(step.outputs ?? {})) {
    if (typeof value !== 'string') report(documentPath(at, 'outputs', name), SELECTOR_REFUSAL);
  }
  (step.parameters ?? []).forEach((parameter, i) => {
    if (containsSelector((parameter as { value?: unknown }).value)) report(documentPath(at, `parameters[${i}]`, 'value'), SELECTOR_REFUSAL);
  });
  if (containsSelector(step.requestBody?.payload)) report(documentPath(at, 'requestBody', 'payload'), SELECTOR_REFUSAL);
  (step.requestBody?.replacements ?? []).forEach((replacement, i) => {
    if (containsSelector(replacement.value)) report(documentPath(at, 'requestBody', `replacements[${i}]`, 'value'), SELECTOR_REFUSAL);
  });
}

type ActionList = Array<SuccessAction | FailureAction | { reference: string }> | undefined;

function checkActions(loaded: LoadedArazzo, lists: Array<[string, ActionList]>, at: string, report: Report): void {
  for (const [key, list] of lists) {
    (list ?? []).forEach((item, i) => {
      const action = tryResolve<SuccessAction | FailureAction>(loaded, item, at);
      if (!action) return;
      const actionAt = documentPath(at, `${key}[${i}]`);
      if (action.type === 'retry' && (action.stepId !== undefined || action.workflowId !== undefined)) {
        report(
          actionAt,
          `a retry that first runs ${action.stepId !== undefined ? `step ${action.stepId}` : `workflow ${action.workflowId}`} is not supported; retry the step itself, or goto that step and let it goto back`,
        );
      }
      if ((action as { parameters?: unknown }).parameters !== undefined && action.workflowId === undefined) {
        report(documentPath(actionAt, 'parameters'), 'parameters are passed to a workflow named by workflowId; this action names none, so remove them');
      }
    });
  }
}
