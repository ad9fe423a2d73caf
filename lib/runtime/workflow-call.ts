/**
 * The step runner's two phases of a step that runs another workflow (see lib/compile/child-workflow.ts).
 *
 * start: resolves the step's parameters into the child's inputs (never a secret: those the child reads from
 * the secret store) and routes `callWorkflow`, so the definition starts the child and waits.
 * finish: reads what Step Functions left in `state.call` (the child's output, or the Task's error when the child
 * failed, timed out, was aborted or could not start) and routes like any step: success criteria, outputs
 * (`$outputs.<name>` reads the child's workflow outputs), then onSuccess / onFailure actions.
 */
import { evaluateCriteria } from '../arazzo/criteria.ts';
import { resolveValue, type ExpressionContext } from '../arazzo/expressions.ts';
import { Route, type RunState, type StepPlan, type WorkflowCallState } from '../compile/step-plan.ts';
import { chooseRoute, type StepCounters, type StepOutcome } from './choose-route.ts';
import { takeRoute, type RouteTaken } from './loop-control.ts';
import { isRecord, parseJsonOrUndefined } from '../arazzo/json-values.ts';

export interface WorkflowCallDeps {
  random: () => number;
  /** The step runner's own `finish`: the next state from a route. */
  finish: (state: RunState, plan: StepPlan, taken: { route: RouteTaken; statusCode: number | null; responseContext?: ExpressionContext }) => RunState;
}

/** Phase start: the child's input, and the route to the Task that starts it. */
export function startWorkflowCall(plan: StepPlan, state: RunState, context: ExpressionContext, counters: StepCounters, deps: WorkflowCallDeps): RunState {
  const call = plan.workflowCall!;
  const inputs = resolveValue(call.inputs, context, { selectors: plan.selectors === true }) as Record<string, unknown>;
  const route: RouteTaken = {
    route: Route.callWorkflow,
    waitSeconds: 0,
    iterations: state.control.iterations,
    totalWaitSeconds: state.control.totalWaitSeconds,
    counters,
  };
  return { ...deps.finish(state, plan, { route, statusCode: null }), call: { input: { inputs } } };
}

/** Phase finish: the child's outcome judged as the step's. `call` is what the start phase and the Task left. */
export function finishWorkflowCall(
  plan: StepPlan,
  state: RunState,
  call: WorkflowCallState | undefined,
  context: ExpressionContext,
  counters: StepCounters,
  deps: WorkflowCallDeps,
): RunState {
  const workflow = plan.workflowCall!.workflow;
  const succeeded = call?.result !== undefined;
  const childOutputs = succeeded && isRecord(call.result!.output) ? call.result!.output : {};
  // A workflow step has no HTTP response. LENIENCY: $statusCode reads 200 when the child succeeded, because the
  // specification's own pet-coupons example checks `$statusCode == 200` on a workflow step.
  const ran = { inputs: call?.input.inputs ?? {}, outputs: childOutputs };
  const localId = plan.workflowCall!.localId;
  const workflows = localId === undefined ? state.workflows : { ...state.workflows, [localId]: ran };
  const outcomeContext: ExpressionContext = {
    ...context,
    outputs: childOutputs,
    ...(localId === undefined ? {} : { workflows: { ...context.workflows, [localId]: ran } }),
    ...(succeeded ? { statusCode: 200 } : {}),
  };

  let outcome: StepOutcome;
  if (succeeded) {
    const success = plan.successCriteria.length === 0 || evaluateCriteria(plan.successCriteria, outcomeContext);
    outcome = { success, described: `workflow ${workflow} succeeded (${call.result!.executionArn})`, criteriaFailed: !success };
  } else {
    outcome = { success: false, described: `workflow ${workflow} ${describeChildFailure(call?.error)}`, criteriaFailed: false };
  }
  const choice = chooseRoute(plan, outcome, counters, outcomeContext);
  let route = takeRoute(plan, choice, state.control, counters, undefined, deps.random);
  if (route.failure === undefined && choice.kind === 'action' && (choice.action.endsInFailure || (choice.action.type === 'end' && plan.onFailure.includes(choice.action)))) {
    route = { ...route, failure: `step ${plan.stepId} ended the run with ${choice.action.name} (${outcome.described})` };
  }
  const next = deps.finish(workflows === undefined ? state : { ...state, workflows }, plan, { route, statusCode: null, responseContext: outcomeContext });
  if (plan.workflowCall!.kind === 'step') return next;
  // A dependency or a goto is not a step: it leaves no $steps entry.
  const { [plan.stepId]: _notAStep, ...steps } = next.steps;
  return { ...next, steps };
}

/**
 * "failed with Arazzo.StepFailed: step x failed: HTTP 404 …". A failed nested execution fails the Task with
 * States.TaskFailed and, as Cause, the child's execution description (JSON with its own Error and Cause).
 */
export function describeChildFailure(error: WorkflowCallState['error']): string {
  if (error === undefined) return 'ended without an output';
  const described = parseJsonOrUndefined(error.Cause);
  if (isRecord(described) && (typeof described.Error === 'string' || typeof described.Status === 'string')) {
    const status = typeof described.Status === 'string' ? described.Status.toLowerCase().replace('_', ' ') : 'failed';
    const childCause = parseJsonOrUndefined(described.Cause);
    const message = isRecord(childCause) && typeof childCause.message === 'string' ? childCause.message : described.Cause;
    return `${status === 'failed' ? 'failed' : status} with ${String(described.Error ?? error.Error)}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`;
  }
  return `could not be run: ${error.Error ?? 'error'}${error.Cause ? `: ${error.Cause}` : ''}`;
}
