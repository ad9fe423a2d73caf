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
import type { AslBranch, AslChoiceRule, AslDefinition, AslRetrier, AslState } from './asl.ts';
import { MAX_STATE_NAME_LENGTH } from './asl.ts';
import { callPlan, dependencyStepId, gotoStepId, workflowCallStates } from './child-workflow.ts';
import { compileWorkflowSet, type Composition } from './compile-document.ts';
import type { CompileOptions } from './compile-options.ts';
import { planStep } from './plan-step.ts';
import { checkServerUrlNames, resolveCompileOptions } from './resolve-options.ts';
import { checkDefinitionLimits } from './definition-limits.ts';
import { awaitAgainRule, receiveStates, receiveTimeoutSeconds, type MessageWait } from './receive-step.ts';
import { wakeWaitState } from './wake-wait.ts';
import { stepDependencies, usesDependsOn } from '../arazzo/step-order-checks.ts';
import { branchEnd, entryStart, INPUTS_GATE_STATE, joinPlan, toEntry, type Entry, type ParallelBlock } from './parallel-states.ts';
import { checkLayout, layoutSteps, stateShares } from './step-layout.ts';
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
  // With step dependsOn, steps run by their dependency graph: independent ones as Parallel branches.
  const dependencies = usesDependsOn(workflow) ? stepDependencies(loaded, workflow) : undefined;
  const layout = dependencies ? layoutSteps(workflow.steps.map((step) => step.stepId), dependencies) : undefined;
  const ordered = layout ? { ...workflow, steps: layout.order.map((id) => workflow.steps.find((step) => step.stepId === id)!) } : workflow;
  const context = { loaded, workflow: ordered, options: resolved, inputSchema, where, workflowCall: composition.workflowCall, childOutputs: composition.childOutputs, workflowKey: composition.workflowKey };
  const stepPlans = ordered.steps.map((step, index) => planStep(context, step, index));
  // Inputs are checked before any step runs: before a first Parallel, by a dependency run or a state of its own.
  const firstIsParallel = layout !== undefined && !('step' in layout.entries[0]!);
  const shares = layout ? stateShares(layout.entries) : new Map<string, number>();
  const plans = layout
    ? stepPlans.map(({ inputSchema: checked, ...plan }) => ({
        ...plan,
        index: firstIsParallel ? plan.index + 1 : plan.index,
        ...(firstIsParallel ||
        // Stryker disable next-line ConditionalExpression: a step without a check would get inputSchema: undefined, a key JSON drops from its Task's plan
        checked === undefined
          ? {}
          : { inputSchema: checked }),
        ...(shares.get(plan.stepId)! < 1 ? { stateBudgetShare: shares.get(plan.stepId)! } : {}),
      }))
    : stepPlans;
  const byStep = new Map(plans.map((plan) => [plan.stepId, plan]));
  if (layout) checkLayout(layout, plans, dependencies!, where);
  // What the states that run no step of their own take from the steps' plans: not a branch's share of the state.
  const { stateBudgetShare: _branchShare, ...template } = { ...plans[0]!, inputSchema };
  // dependsOn runs first, each its own nested execution; a goto to a workflow runs it, then the run ends.
  const dependencyPlans = composition.dependencyCalls.map((call) => callPlan(template, dependencyStepId(call), call, 0));
  const gotoTargets = [...new Set(plans.flatMap((plan) => [...plan.onSuccess, ...plan.onFailure]).flatMap((action) => (action.workflowId ? [action.workflowId] : [])))];
  const gotoPlans = gotoTargets.map((target) => callPlan(template, gotoStepId(composition.gotoCall(target)), composition.gotoCall(target), plans.length));
  const gatePlans = firstIsParallel && dependencyPlans.length === 0 ? [joinPlan(template, INPUTS_GATE_STATE, [], 0)] : [];
  const entries: Entry[] = [
    ...[...gatePlans, ...dependencyPlans].map((plan) => ({ plan })),
    ...(layout ? layout.entries.map((entry) => toEntry(entry, byStep, template, plans.length)) : plans.map((plan) => ({ plan }))),
  ];
  const allPlans = [...gatePlans, ...dependencyPlans, ...plans, ...gotoPlans];

  const names = new Set<string>();
  const addTo = (states: Record<string, AslState>, name: string, state: AslState) => {
    if (name.length > MAX_STATE_NAME_LENGTH) {
      throw new Error(`${where}: state name '${name}' is longer than ${MAX_STATE_NAME_LENGTH} characters; shorten the stepId or action name`);
    }
    if (names.has(name)) throw new Error(`${where}: two states would be named '${name}'; rename a step or action`);
    names.add(name);
    states[name] = state;
  };
  const top = newLevel(addTo, {}, (route) => FAIL_STATES[route].name);
  top.add(START_STATE, {
    Type: 'Pass',
    Comment: 'Wraps the execution input (the public inputs) as the run state the step runner reads and writes.',
    // A nested execution's input is { inputs, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID } (see child-workflow.ts).
    Parameters: { ...withoutInputs(initialRunState()), 'inputs.$': composition.asChild ? '$.inputs' : '$' },
    Next: entryStart(entries[0]!),
  });

  /** The states of one step (or one phase of a workflow-call step) and the Choice after it, in `level`. */
  const addStep = (plan: StepPlan, next: string, level: Level) => {
    const rules: AslChoiceRule[] = [];
    const rule = (route: string, target: string, comment: string) =>
      rules.push({ Variable: '$.control.route', StringEquals: route, Next: target, Comment: comment });

    rule(Route.next, next, next === SUCCEEDED_STATE ? 'last step done: end with the workflow outputs' : `next step: ${next}`);
    for (const action of [...plan.onSuccess, ...plan.onFailure]) {
      const target = action.workflowId !== undefined ? gotoStepId(composition.gotoCall(action.workflowId)) : actionTarget(action, plan, workflow, level);
      rule(action.route, target, action.name);
    }
    if (!plan.join) {
      // A join makes no call: nothing transient to wait out.
      level.loopTargets.add(plan.stepId);
      rule(Route.transientRetry, waitState(plan.stepId), 'transient failure: wait, then call again');
    }
    const unsafeRepeat = repeatIsUnsafe(plan);
    for (const route of [
      Route.stepFailed,
      Route.loopLimitExceeded,
      ...(plan.index === 0 ? [Route.invalidInputs] : []),
      ...(unsafeRepeat ? [Route.mayHaveTakenEffect] : []),
    ]) {
      rule(route, level.failName(route), route);
      level.usedFailStates.add(route);
    }

    const task = (next: string, phase?: WorkflowCallPhase) => stepRunnerTask(plan, resolved.functionArn, next, phase, unsafeRepeat);
    if (plan.workflowCall) {
      for (const [name, state] of workflowCallStates(plan, afterState(plan.stepId), (phase, next) => task(next, phase))) level.add(name, state);
    } else if (plan.receive) {
      const wait = (options: MessageWait) => wakeWaitState({ ...options, ...(resolved.callbackRegistrarArn ? { functionArn: resolved.callbackRegistrarArn } : {}) });
      for (const [name, state] of receiveStates(plan, afterState(plan.stepId), (phase, next) => task(next, phase), wait)) level.add(name, state);
      rules.push(...awaitAgainRule(plan));
    } else {
      level.add(plan.stepId, task(afterState(plan.stepId)));
    }
    level.add(afterState(plan.stepId), { Type: 'Choice', Choices: rules, Default: level.failName(Route.stepFailed) });
  };

  /** A Parallel of branches, each a level of its own ending in a Pass, then the Task that joins them. */
  const addParallel = (entry: ParallelBlock, next: string, level: Level) => {
    const branches: AslBranch[] = entry.branches.map((branch) => {
      const states: Record<string, AslState> = {};
      const inner = newLevel(addTo, states, (route) => `${FAIL_STATES[route].name} in ${branch.label}`);
      const end = `End of ${branch.label}`;
      addSequence(branch.entries, end, inner);
      closeLevel(inner, [end, branchEnd(branch)]);
      return { StartAt: entryStart(branch.entries[0]!), States: states };
    });
    level.add(entry.name, {
      Type: 'Parallel',
      Comment: `Steps that do not depend on each other (Arazzo dependsOn and $steps reads) run at once; a failed branch fails the run. Branches: ${entry.branches.map((b) => b.steps.join(' → ')).join('; ')}`,
      Branches: branches,
      ResultPath: '$.join',
      Next: entry.join.stepId,
    });
    addStep(entry.join, next, level);
  };

  const addSequence = (sequence: Entry[], exit: string, level: Level) => {
    sequence.forEach((entry, position) => {
      const next = position < sequence.length - 1 ? entryStart(sequence[position + 1]!) : exit;
      if ('plan' in entry) addStep(entry.plan, next, level);
      else addParallel(entry, next, level);
    });
  };

  const closeLevel = (level: Level, exit: [string, AslState]) => {
    for (const stepId of level.loopTargets) {
      // A receive step's wait is its own ("Receive S"); its "Wait before" stays a plain Wait (transient retries).
      if (resolved.callbacks?.wakes === stepId && byStep.get(stepId)?.receive === undefined) {
        // Ends at the same seconds as the Wait would, or as soon as a callback for this run arrives; either way the
        // step runs next and decides the route (the callback's payload is dropped).
        level.add(
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
      level.add(waitState(stepId), {
        Type: 'Wait',
        Comment: 'Seconds chosen by the step runner: Retry-After, the wait policy, or an Arazzo retryAfter.',
        SecondsPath: '$.control.waitSeconds',
        Next: stepId,
      });
    }
    for (const [name, state] of level.endStates) level.add(name, state);
    level.add(...exit);
    for (const route of Object.keys(FAIL_STATES) as Array<keyof typeof FAIL_STATES>) {
      if (level.usedFailStates.has(route)) level.add(level.failName(route), { Type: 'Fail', Error: FAIL_STATES[route].error, CausePath: '$.control.cause' });
    }
  };

  addSequence(entries, SUCCEEDED_STATE, top);
  for (const plan of gotoPlans) addStep(plan, SUCCEEDED_STATE, top);
  closeLevel(top, [SUCCEEDED_STATE, { Type: 'Succeed', Comment: 'The workflow outputs.', OutputPath: '$.outputs' }]);
  const states = top.states;

  const definition: AslDefinition = {
    Comment: `Arazzo workflow ${workflow.workflowId} from ${loaded.document.info.title} ${loaded.document.info.version}`,
    StartAt: START_STATE,
    // A run waits for the workflows it runs and for the messages its receive steps wait for: its budget includes theirs.
    TimeoutSeconds: resolved.loopLimit.maxTotalWaitSeconds + 3600 + composition.callTimeoutSeconds(allPlans) + receiveTimeoutSeconds(allPlans),
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
    : plan.receive
      ? `${phase === 'start' ? 'says which message to wait for on' : 'judges the message received on'} ${plan.receive.channel}`
      : `${plan.request.method} ${plan.request.url}`;
  return {
    Type: 'Task',
    Comment: plan.join ? joinComment(plan.join.branches) : `Arazzo step ${plan.stepId}: ${what}`,
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

/** The states of one sequence: the workflow's own, or a Parallel branch's (whose Choices reach only its own states). */
interface Level {
  states: Record<string, AslState>;
  add: (name: string, state: AslState) => void;
  /** The name of this level's Fail state for a failing route. */
  failName: (route: keyof typeof FAIL_STATES) => string;
  loopTargets: Set<string>;
  endStates: Map<string, AslState>;
  usedFailStates: Set<keyof typeof FAIL_STATES>;
}

function newLevel(
  addTo: (states: Record<string, AslState>, name: string, state: AslState) => void,
  states: Record<string, AslState>,
  failName: Level['failName'],
): Level {
  return {
    states,
    add: (name, state) => addTo(states, name, state),
    failName,
    loopTargets: new Set(),
    endStates: new Map(),
    usedFailStates: new Set([Route.stepFailed]),
  };
}

function joinComment(branches: string[][]): string {
  if (branches.length === 0) return 'Checks the run inputs before the first steps run in parallel.';
  return `Merges the outputs of ${branches.map((steps) => steps.join(', ')).join(' | ')} into the run state and recomputes the workflow outputs.`;
}

/** The state a goto, retry or end action leads to; end states are collected by name. */
function actionTarget(action: PlannedAction, plan: StepPlan, workflow: Workflow, level: Level): string {
  const { endStates, loopTargets } = level;
  if (action.type === 'retry') {
    loopTargets.add(plan.stepId);
    return waitState(plan.stepId);
  }
  if (action.type === 'goto') {
    // The document checks refuse a goto to a step the workflow does not have.
    const target = action.stepId!;
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
