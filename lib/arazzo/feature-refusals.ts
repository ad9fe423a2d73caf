/**
 * Features a document may use that this compiler refuses, each with the reason and what to write instead:
 *  - AsyncAPI steps other than `action: receive` on an HTTP webhook (see receive-steps.ts) (1.1);
 *  - a retry action that names a step or workflow to run first (1.0 and 1.1): it would otherwise run as a
 *    plain retry, silently skipping what it names;
 *  - action `parameters` without a workflowId (1.1).
 * And the Selector Objects (1.1) in outputs, parameter values, payloads and replacement values: a context that
 * is not a runtime expression, a missing or unknown type, a selector its type cannot read.
 */
import { documentPath } from './errors.ts';
import { checkExpression } from './expressions.ts';
import { checkSelector, isSelectorObject } from './selector.ts';
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
    if (minor === '1.1') checkStepSelectors(step, at, report);
  }
  // Stryker disable next-line ConditionalExpression: a 1.0 document's outputs are all strings (load refuses any other), which hold no Selector Object; `false` is killed by feature-refusal-rules
  if (minor === '1.1') checkSelectors(workflow.outputs, documentPath(where, 'outputs'), report);
}

/** Every Selector Object in a value (a 1.1 document's; in 1.0 the same object is a literal). */
function checkSelectors(value: unknown, at: string, report: Report): void {
  if (isSelectorObject(value)) {
    const context = checkExpression(typeof value.context === 'string' ? value.context : '');
    if (context !== undefined) report(documentPath(at, 'context'), `must be a runtime expression, e.g. $response.body: ${context}`);
    if (value.type === undefined) {
      report(documentPath(at, 'type'), 'is required: jsonpath, jsonpointer or xpath');
      return;
    }
    const problem = checkSelector(value);
    if (problem) report(documentPath(at, problem.field), problem.message);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkSelectors(item, documentPath(at, `[${i}]`), report));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) checkSelectors(item, documentPath(at, key), report);
  }
}

function checkStepSelectors(step: Step, at: string, report: Report): void {
  checkSelectors(step.outputs, documentPath(at, 'outputs'), report);
  // Stryker disable next-line ArrayDeclaration: a stray string in the list has no value, and checkSelectors passes undefined by
  (step.parameters ?? []).forEach((parameter, i) => checkSelectors((parameter as { value?: unknown }).value, documentPath(at, `parameters[${i}]`, 'value'), report));
  checkSelectors(step.requestBody?.payload, documentPath(at, 'requestBody', 'payload'), report);
  // Stryker disable next-line ArrayDeclaration: a stray string in the list has no value, and checkSelectors passes undefined by
  (step.requestBody?.replacements ?? []).forEach((replacement, i) => checkSelectors(replacement.value, documentPath(at, 'requestBody', `replacements[${i}]`, 'value'), report));
}

type ActionList = Array<SuccessAction | FailureAction | { reference: string }> | undefined;

function checkActions(loaded: LoadedArazzo, lists: Array<[string, ActionList]>, at: string, report: Report): void {
  for (const [key, list] of lists) {
    // Stryker disable next-line ArrayDeclaration: resolveReusable returns a stray string as it is, and a string has no type, stepId, workflowId or parameters to refuse
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
