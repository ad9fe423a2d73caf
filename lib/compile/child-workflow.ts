/**
 * Steps that run another workflow (Arazzo step `workflowId`), compiled as a nested execution the parent
 * waits for, so the console links the parent's run and the child's:
 *
 *   S (step runner, phase start: the step's parameters → the child's inputs)
 *   → "Input for S" (Choice: callWorkflow, or a failure route to "After S")
 *   → "Run <W> for S" (Task arn:aws:states:::states:startExecution.sync:2 on W's own state machine)
 *   → "Outcome of S" (step runner, phase finish: the child's outputs or error → criteria, outputs, actions)
 *   → "After S" (the usual Choice).
 *
 * A failed child (failed, timed out, aborted) fails the Task; the Catch hands Step Functions' error output to
 * the finish phase, which makes it the step's failure, so onFailure actions apply. Secret inputs are never put
 * in the child's input: a child input bound to a secret input of the parent (same name) is a secret input of
 * the child, which its own step runner reads from the same secret store.
 */
import { ArazzoDocumentError, documentPath } from '../arazzo/errors.ts';
import { expressionsIn, parseExpression } from '../arazzo/expressions.ts';
import type { LoadedArazzo } from '../arazzo/load.ts';
import { listOrNone, resolveReusable } from '../arazzo/lookups.ts';
import type { JsonSchema, Parameter, Step, Workflow } from '../arazzo/types.ts';
import type { AslState } from './asl.ts';
import { Route, type StepPlan, type WorkflowCallPhase, type WorkflowCallPlan } from './step-plan.ts';

export const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

/** The substitution the construct replaces with a workflow's state machine ARN; one per workflow key. */
export function workflowArnSubstitution(key: string): string {
  // Injective: `_` and every character outside [A-Za-z0-9] are written as _<hex>.
  return `WorkflowArn_${key.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}

export const inputReadyState = (stepId: string) => `Input for ${stepId}`;
/** The entry state of a dependency run before the first step, and of a goto to a workflow. */
export const dependencyStepId = (call: WorkflowCallPlan) => `Depends on ${call.localId ?? call.workflow}`;
export const gotoStepId = (call: WorkflowCallPlan) => `Go to ${call.localId ?? call.workflow}`;

/**
 * The plan of a workflow run that is not a step: a dependency (before the first step; `index` 0, so it checks
 * the run's inputs first) or a goto to a workflow (the run continues as that workflow, then ends with its own
 * workflow outputs). No criteria, no outputs, no actions: a failed run fails the workflow.
 */
export function callPlan(template: StepPlan, stepId: string, call: WorkflowCallPlan, index: number): StepPlan {
  const { idempotency: _idempotency, inputSchema, ...rest } = template;
  return {
    ...rest,
    stepId,
    index,
    // Only a dependency (index 0) checks the run's inputs, before the first step, as the first step's plan does.
    ...(index === 0 ? { inputSchema } : {}),
    request: { method: 'WORKFLOW', url: `workflow:${call.workflow}`, parameters: [], timeoutMs: template.request.timeoutMs, maxResponseBytes: template.request.maxResponseBytes },
    successCriteria: [],
    outputs: {},
    onSuccess: [],
    onFailure: [],
    workflowCall: call,
  };
}
export const runChildState = (stepId: string, key: string) => `Run ${key} for ${stepId}`;
export const outcomeState = (stepId: string) => `Outcome of ${stepId}`;

/**
 * The states of a workflow-call step. `stepRunnerTask(phase, next)` is the compiler's step-runner Task.
 * The entry state is named after the step, so gotos, retries and waits reach it like any step.
 */
export function workflowCallStates(
  plan: StepPlan,
  after: string,
  stepRunnerTask: (phase: WorkflowCallPhase, next: string) => AslState,
): Array<[string, AslState]> {
  const call = plan.workflowCall!;
  const run = runChildState(plan.stepId, call.workflow);
  const outcome = outcomeState(plan.stepId);
  return [
    [plan.stepId, stepRunnerTask('start', inputReadyState(plan.stepId))],
    [
      inputReadyState(plan.stepId),
      {
        Type: 'Choice',
        Choices: [{ Variable: '$.control.route', StringEquals: Route.callWorkflow, Next: run, Comment: `run workflow ${call.workflow}` }],
        Default: after,
      },
    ],
    [
      run,
      {
        Type: 'Task',
        Comment: `Arazzo step ${plan.stepId}: runs workflow ${call.workflow} as its own execution and waits for it`,
        Resource: START_EXECUTION_SYNC,
        Parameters: {
          StateMachineArn: `\${${workflowArnSubstitution(call.workflow)}}`,
          Input: {
            'inputs.$': '$.call.input.inputs',
            // Links the child's execution to this one in the console.
            'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
          },
        },
        ResultSelector: { 'output.$': '$.Output', 'executionArn.$': '$.ExecutionArn' },
        ResultPath: '$.call.result',
        // Not retried: a child that ran may have made calls that must not be repeated. Its failure is the step's.
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.call.error', Next: outcome }],
        Next: outcome,
      },
    ],
    [outcome, stepRunnerTask('finish', after)],
  ];
}

/**
 * The child's inputs from a workflow step's parameters ("all parameters map to workflow inputs").
 * A parameter that passes a secret input must pass it whole, under the same name: the child reads it from the
 * secret store. Names the child does not declare are refused (its run would refuse them).
 */
export function stepCallInputs(
  loaded: LoadedArazzo,
  step: Step,
  parentSecrets: string[],
  child: { key: string; workflow: Workflow },
  where: string,
): Pick<WorkflowCallPlan, 'inputs' | 'secretInputs'> {
  const inputs: Record<string, unknown> = {};
  const secretInputs: string[] = [];
  const declared = declaredInputs(child.workflow.inputs);
  (step.parameters ?? []).forEach((item, index) => {
    const at = documentPath(where, `parameters[${index}]`);
    const parameter = resolveReusable<Parameter>(loaded, item, at);
    if (declared !== undefined && !declared.includes(parameter.name)) {
      throw new ArazzoDocumentError(
        documentPath(at, 'name'),
        `"${parameter.name}" is not an input of workflow ${child.key}; its inputs are ${listOrNone(declared)} (a workflow step's parameters are the called workflow's inputs)`,
      );
    }
    const secret = secretReference(parameter.value, parentSecrets);
    if (secret === undefined) {
      inputs[parameter.name] = parameter.value;
      return;
    }
    if (secret.whole && secret.name === parameter.name) {
      secretInputs.push(parameter.name);
      return;
    }
    throw new ArazzoDocumentError(
      documentPath(at, 'value'),
      `passes the secret input "${secret.name}" to workflow ${child.key} inside a value; a secret never enters a run's input, so pass it whole under its own name ({ name: ${secret.name}, value: $inputs.${secret.name} }) and the called workflow reads it from the secret store`,
    );
  });
  return { inputs, secretInputs };
}

/**
 * The inputs a workflow run by `dependsOn` or `goto` gets: the caller's inputs of the same names (the
 * specification leaves them open); secret ones stay secret.
 */
export function passThroughInputs(
  parent: Workflow,
  parentSecrets: string[],
  child: Workflow,
): Pick<WorkflowCallPlan, 'inputs' | 'secretInputs'> {
  const inputs: Record<string, unknown> = {};
  const secretInputs: string[] = [];
  const parentDeclared = declaredInputs(parent.inputs);
  for (const name of declaredInputs(child.inputs) ?? []) {
    if (parentSecrets.includes(name)) secretInputs.push(name);
    else if (parentDeclared === undefined || parentDeclared.includes(name)) inputs[name] = `$inputs.${name}`;
  }
  return { inputs, secretInputs };
}

/** The input names a schema accepts, or undefined when it accepts any. */
function declaredInputs(schema: JsonSchema | undefined): string[] | undefined {
  if (schema === undefined) return undefined;
  // The loader checked the schema (JSON Schema 2020-12), so `properties`, when present, is an object.
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (properties === undefined) return undefined;
  if (schema.additionalProperties === true || typeof schema.additionalProperties === 'object' || schema.patternProperties !== undefined) return undefined;
  return Object.keys(properties);
}

/** The secret input a value reads, and whether the value is exactly `$inputs.<name>`. */
function secretReference(value: unknown, secrets: string[]): { name: string; whole: boolean } | undefined {
  // expressionsIn gives each expression without the spaces around it.
  for (const expression of expressionsIn(value)) {
    const parsed = parseExpression(expression);
    if (!('expression' in parsed) || parsed.expression.root !== 'inputs') continue;
    const name = parsed.expression.path[0]!;
    if (!secrets.includes(name)) continue;
    const whole = typeof value === 'string' && value.trim() === `$inputs.${name}`;
    return { name, whole };
  }
  return undefined;
}
