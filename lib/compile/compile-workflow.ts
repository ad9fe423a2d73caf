/**
 * Compiles one Arazzo workflow into a Step Functions definition (JSONPath query language).
 *
 * Shape, per step S (in document order):
 *   S (Task: the step runner runs S) → "After S" (Choice on $.control.route, one rule per action,
 *   its Comment the action's name) → the next step, a goto target, "Wait before T" (for loop-backs,
 *   retries and transient retries: SecondsPath $.control.waitSeconds) → T, a Succeed, or a Fail.
 * A Pass state "Start" first wraps the execution input as the run's state. Every path the definition
 * reads ($.control.*, $.outputs) is written by the step runner on every return.
 */
import { findWorkflow, resolveReusable, validateForCompilation, type LoadedArazzo } from '../arazzo/load.ts';
import { boundStrings, publicInputSchema } from '../arazzo/inputs.ts';
import type { JsonSchema, SuccessAction, Workflow } from '../arazzo/types.ts';
import type { AslChoiceRule, AslDefinition, AslRetrier, AslState } from './asl.ts';
import { MAX_STATE_NAME_LENGTH } from './asl.ts';
import { callPlan, dependencyStepId, gotoStepId, workflowCallStates } from './child-workflow.ts';
import { compileWorkflowSet, type Composition } from './compile-document.ts';
import type { CompileOptions } from './compile-options.ts';
import { planStep } from './plan-step.ts';
import { checkServerUrlNames, resolveCompileOptions } from './resolve-options.ts';
import { checkDefinitionLimits } from './definition-limits.ts';
import { wakeWaitState } from './wake-wait.ts';
import { Errors, initialRunState, repeatIsUnsafe, Route, type PlannedAction, type RunState, type StepPlan, type WorkflowCallPhase } from './step-plan.ts';

export interface CompiledWorkflow {
  workflowId: string;
  /** The workflow's key in its document set: its workflowId, or `<source>.<workflowId>` for an arazzo source's. */
  key: string;
  /** Keys of the workflows this state machine starts as nested executions. */
  calls: string[];
  definition: AslDefinition;
  plans: StepPlan[];
  /** The document's inputs minus the secret ones: what a run is started with. */
  publicInputSchema: JsonSchema;
  secretInputs: string[];
}

/** Lambda service trouble that is safe to retry; CDK's default task retry omits TooManyRequests. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

export const LAMBDA_RETRY: AslRetrier = {
  ErrorEquals: LAMBDA_SERVICE_ERRORS,
  IntervalSeconds: 1,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/** A secret store that cannot be read right now (throttled, a network blip on a cold start) is worth a few tries. */
const SECRET_RETRY: AslRetrier = {
  ErrorEquals: [Errors.secretUnavailable],
  IntervalSeconds: 2,
  MaxAttempts: 4,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/**
 * A step runner that ran out of time is tried once more, except for a non-idempotent request without an
 * idempotency key: it may have been sent, and sending it again could act twice.
 */
const TIMEOUT_RETRY: AslRetrier = { ErrorEquals: ['Sandbox.Timedout', 'States.Timeout'], IntervalSeconds: 5, MaxAttempts: 1 };

/** The step runner's own budget (HTTP timeout) plus its secret look-up and cold start. */
const TASK_TIMEOUT_MARGIN_SECONDS = 20;

export const START_STATE = 'Start';
export const SUCCEEDED_STATE = 'Succeeded';
export const afterState = (stepId: string) => `After ${stepId}`;
export const waitState = (stepId: string) => `Wait before ${stepId}`;
const FAIL_STATES = {
  [Route.stepFailed]: { name: 'StepFailed', error: Errors.stepFailed },
  [Route.loopLimitExceeded]: { name: 'LoopLimitExceeded', error: Errors.loopLimitExceeded },
  [Route.invalidInputs]: { name: 'InvalidInputs', error: Errors.invalidInputs },
  [Route.mayHaveTakenEffect]: { name: 'MayHaveTakenEffect', error: Errors.mayHaveTakenEffect },
} as const;

/**
 * Compiles one workflow. Workflows it runs (workflow steps, goto to a workflow, dependsOn) are compiled too,
 * by compileWorkflowSet, which deploys each as its own state machine; this returns the named one.
 */
export function compileWorkflow(loaded: LoadedArazzo, options: CompileOptions = {}, composition?: Composition): CompiledWorkflow {
  if (composition === undefined) return compileWorkflowSet(loaded, options).root;
  validateForCompilation(loaded, options.workflowId);
  const workflow = findWorkflow(loaded, options.workflowId);
  const where = `${loaded.file} › workflows[${workflow.workflowId}]`;
  const resolved = resolveCompileOptions(options, workflow, where, (item, at) =>
    resolveReusable<SuccessAction>(loaded, item as SuccessAction, at),
  );
  checkServerUrlNames(resolved.serverUrls, loaded.document.sourceDescriptions.map((s) => s.name), loaded.file);
  const inputSchema = closedSchema(
    boundStrings(publicInputSchema(workflow.inputs, resolved.secretInputs, `${where} › inputs`), resolved.maxStringLength),
  );
  const plans = workflow.steps.map((step, index) =>
    planStep({ loaded, workflow, options: resolved, inputSchema, where, workflowCall: composition.workflowCall, childOutputs: composition.childOutputs, workflowKey: composition.workflowKey }, step, index),
  );
  // dependsOn runs first, each its own nested execution; a goto to a workflow runs it, then the run ends.
  const dependencyPlans = composition.dependencyCalls.map((call) => callPlan(plans[0]!, dependencyStepId(call), call, 0));
  const gotoTargets = [...new Set(plans.flatMap((plan) => [...plan.onSuccess, ...plan.onFailure]).flatMap((action) => (action.workflowId ? [action.workflowId] : [])))];
  const gotoPlans = gotoTargets.map((target) => callPlan(plans[0]!, gotoStepId(composition.gotoCall(target)), composition.gotoCall(target), plans.length));
  const sequence = [...dependencyPlans, ...plans];
  const allPlans = [...sequence, ...gotoPlans];

  const states: Record<string, AslState> = {};
  const add = (name: string, state: AslState) => {
    if (name.length > MAX_STATE_NAME_LENGTH) {
      throw new Error(`${where}: state name '${name}' is longer than ${MAX_STATE_NAME_LENGTH} characters; shorten the stepId or action name`);
    }
    if (states[name]) throw new Error(`${where}: two states would be named '${name}'; rename a step or action`);
    states[name] = state;
  };

  add(START_STATE, {
    Type: 'Pass',
    Comment: 'Wraps the execution input (the public inputs) as the run state the step runner reads and writes.',
    // A nested execution's input is { inputs, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID } (see child-workflow.ts).
    Parameters: { ...withoutInputs(initialRunState()), 'inputs.$': composition.asChild ? '$.inputs' : '$' },
    Next: sequence[0]!.stepId,
  });

  const loopTargets = new Set<string>();
  const endStates = new Map<string, AslState>();
  const usedFailStates = new Set<string>([Route.stepFailed]);
  for (const [position, plan] of allPlans.entries()) {
    const next = position < sequence.length - 1 ? sequence[position + 1]!.stepId : SUCCEEDED_STATE;
    const rules: AslChoiceRule[] = [];
    const rule = (route: string, target: string, comment: string) =>
      rules.push({ Variable: '$.control.route', StringEquals: route, Next: target, Comment: comment });

    rule(Route.next, next, next === SUCCEEDED_STATE ? 'last step done: end with the workflow outputs' : `next step: ${next}`);
    for (const action of [...plan.onSuccess, ...plan.onFailure]) {
      const target = action.workflowId !== undefined ? gotoStepId(composition.gotoCall(action.workflowId)) : actionTarget(action, plan, workflow, endStates, loopTargets);
      rule(action.route, target, action.name);
    }
    loopTargets.add(plan.stepId);
    rule(Route.transientRetry, waitState(plan.stepId), 'transient failure: wait, then call again');
    const unsafeRepeat = repeatIsUnsafe(plan);
    for (const route of [
      Route.stepFailed,
      Route.loopLimitExceeded,
      ...(plan.index === 0 ? [Route.invalidInputs] : []),
      ...(unsafeRepeat ? [Route.mayHaveTakenEffect] : []),
    ]) {
      rule(route, FAIL_STATES[route].name, route);
      usedFailStates.add(route);
    }

    const task = (next: string, phase?: WorkflowCallPhase) => stepRunnerTask(plan, resolved.functionArn, next, phase, unsafeRepeat);
    if (plan.workflowCall) {
      for (const [name, state] of workflowCallStates(plan, afterState(plan.stepId), (phase, next) => task(next, phase))) add(name, state);
    } else {
      add(plan.stepId, task(afterState(plan.stepId)));
    }
    add(afterState(plan.stepId), { Type: 'Choice', Choices: rules, Default: FAIL_STATES[Route.stepFailed].name });
  }

  for (const stepId of loopTargets) {
    if (resolved.callbacks?.wakes === stepId) {
      // Ends at the same seconds as the Wait would, or as soon as a callback for this run arrives; either way the
      // step runs next and decides the route (the callback's payload is dropped).
      add(
        waitState(stepId),
        wakeWaitState({
          waitId: stepId,
          timeoutSecondsPath: '$.control.waitSeconds',
          resultPath: null,
          next: stepId,
          onTimeout: stepId,
          ...(resolved.callbackRegistrarArn ? { functionArn: resolved.callbackRegistrarArn } : {}),
          comment: `Seconds chosen by the step runner (as a Wait), ended early by a callback to this run's URL (sent by ${resolved.callbacks.url.step}).`,
        }),
      );
      continue;
    }
    add(waitState(stepId), {
      Type: 'Wait',
      Comment: 'Seconds chosen by the step runner: Retry-After, the wait policy, or an Arazzo retryAfter.',
      SecondsPath: '$.control.waitSeconds',
      Next: stepId,
    });
  }
  for (const [name, state] of endStates) add(name, state);
  add(SUCCEEDED_STATE, { Type: 'Succeed', Comment: 'The workflow outputs.', OutputPath: '$.outputs' });
  for (const [route, { name, error }] of Object.entries(FAIL_STATES)) {
    if (usedFailStates.has(route)) add(name, { Type: 'Fail', Error: error, CausePath: '$.control.cause' });
  }

  const definition: AslDefinition = {
    Comment: `Arazzo workflow ${workflow.workflowId} from ${loaded.document.info.title} ${loaded.document.info.version}`,
    StartAt: START_STATE,
    // A run waits for the workflows it runs, so its budget includes theirs.
    TimeoutSeconds: resolved.loopLimit.maxTotalWaitSeconds + 3600 + composition.callTimeoutSeconds(allPlans),
    States: states,
  };
  checkDefinitionLimits(definition, where);
  return {
    workflowId: workflow.workflowId,
    key: composition.key,
    calls: [...new Set(allPlans.flatMap((plan) => (plan.workflowCall ? [plan.workflowCall.workflow] : [])))],
    definition,
    plans,
    publicInputSchema: inputSchema,
    secretInputs: resolved.secretInputs,
  };
}

/** The Task that runs the step runner for one step (or one phase of a workflow-call step). */
function stepRunnerTask(plan: StepPlan, functionArn: string, next: string, phase: WorkflowCallPhase | undefined, unsafeRepeat: boolean): AslState {
  const what = plan.workflowCall
    ? `${phase === 'start' ? 'builds the input of' : 'judges the outcome of'} workflow ${plan.workflowCall.workflow}`
    : `${plan.request.method} ${plan.request.url}`;
  return {
    Type: 'Task',
    Comment: `Arazzo step ${plan.stepId}: ${what}`,
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: functionArn,
      Payload: {
        plan: JSON.stringify(plan),
        'state.$': '$',
        'executionId.$': '$$.Execution.Id',
        'executionStartTime.$': '$$.Execution.StartTime',
        ...(phase ? { phase } : {}),
      },
    },
    OutputPath: '$.Payload',
    TimeoutSeconds: Math.ceil(plan.request.timeoutMs / 1000) + TASK_TIMEOUT_MARGIN_SECONDS,
    Retry: [LAMBDA_RETRY, SECRET_RETRY, ...(unsafeRepeat ? [] : [TIMEOUT_RETRY])],
    // No Catch: an error the step runner throws (Arazzo.OutageBudgetSpent, Arazzo.SecretMisconfigured, its
    // retries spent) fails the execution at this Task, keeping the error's name and Lambda's cause, and a
    // redrive of the execution runs this step again. A Catch into a Fail state would make redrive re-enter the Fail.
    Next: next,
  };
}

/** The state a goto, retry or end action leads to; end states are collected by name. */
function actionTarget(
  action: PlannedAction,
  plan: StepPlan,
  workflow: Workflow,
  endStates: Map<string, AslState>,
  loopTargets: Set<string>,
): string {
  if (action.type === 'retry') {
    loopTargets.add(plan.stepId);
    return waitState(plan.stepId);
  }
  if (action.type === 'goto') {
    const target = action.stepId!;
    if (!workflow.steps.some((s) => s.stepId === target)) throw new Error(`goto ${action.name}: unknown step ${target}`);
    if (action.loopsBack) {
      loopTargets.add(target);
      return waitState(target);
    }
    return target;
  }
  const name = `${plan.stepId}: ${action.name}`;
  endStates.set(
    name,
    action.endsInFailure
      ? { Type: 'Fail', Comment: `Arazzo end action ${action.name} of ${plan.stepId}, a failure.`, Error: action.name, CausePath: '$.control.cause' }
      : { Type: 'Succeed', Comment: `Arazzo end action ${action.name} of ${plan.stepId}: the workflow outputs.`, OutputPath: '$.outputs' },
  );
  return name;
}

/**
 * A run refuses inputs the workflow does not declare unless the document allows them: a secret passed as
 * an input would be kept in the execution history, and a misspelt optional input would be dropped silently.
 */
function closedSchema(schema: JsonSchema): JsonSchema {
  return schema.type === 'object' && schema.additionalProperties === undefined ? { ...schema, additionalProperties: false } : schema;
}

/** The Start state takes the inputs from the execution input, the rest from the initial state. */
function withoutInputs(state: RunState): Omit<RunState, 'inputs'> {
  const { inputs: _inputs, ...rest } = state;
  return rest;
}
