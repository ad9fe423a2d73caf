/**
 * Turns one Arazzo step into the `StepPlan` the step runner executes: reusable objects followed,
 * workflow-level parameters and actions merged in Arazzo's order, the operation resolved to a URL.
 */
import { ArazzoDocumentError, resolveReusable, resolveStepOperation, type LoadedArazzo } from '../arazzo/load.ts';
import type {
  FailureAction,
  Parameter,
  ReusableObject,
  Step,
  SuccessAction,
  Workflow,
  JsonSchema,
  RequestBody,
} from '../arazzo/types.ts';
import { resolvedSelf } from '../arazzo/base-uri.ts';
import { isReceiveStep } from '../arazzo/receive-steps.ts';
import { receivePlan } from './receive-step.ts';
import { containsSelector } from '../arazzo/selector.ts';
import { arazzoMinor } from '../arazzo/structure.ts';
import { isJsonTextPayload, readJsonTemplate } from '../arazzo/json-template.ts';
import { Route, PLAN_VERSION, type PlannedAction, type PlannedParameter, type StepPlan, type WorkflowCallPlan } from './step-plan.ts';
import type { ResolvedCompileOptions } from './resolve-options.ts';

const BUILT_IN_ROUTES = new Set<string>(Object.values(Route));

export interface PlanContext {
  loaded: LoadedArazzo;
  workflow: Workflow;
  options: ResolvedCompileOptions;
  inputSchema: JsonSchema;
  /** Where the workflow sits in the document, for messages. */
  where: string;
  /** The call a step with `workflowId` makes (see compile-document.ts). */
  workflowCall: (step: Step) => WorkflowCallPlan;
  /**
   * A called workflow's outputs as step outputs (`name: $outputs.name`): a workflow step that declares no
   * outputs exposes all of the child's as `$steps.<stepId>.outputs.<name>`.
   */
  childOutputs: (key: string) => Record<string, string>;
  /** The key of the workflow a `workflowId` reference names (goto actions). */
  workflowKey: (reference: string, where: string) => string;
}

export function planStep(context: PlanContext, step: Step, index: number): StepPlan {
  const { loaded, workflow, options } = context;
  const where = `${context.where} › steps[${step.stepId}]`;
  const workflowCall = step.workflowId !== undefined ? context.workflowCall(step) : undefined;
  const receive = isReceiveStep(step) ? receivePlan(loaded, workflow, step, options.loopLimit.maxTotalWaitSeconds) : undefined;

  const onSuccess = [
    ...(step.onSuccess ?? []).map((a, i) => resolveReusable<SuccessAction>(loaded, a, `${where} › onSuccess[${i}]`)),
    ...(workflow.successActions ?? []).map((a, i) =>
      // Stryker disable next-line StringLiteral: the document checks resolved every workflow action reference already, so this location is never shown
      resolveReusable<SuccessAction>(loaded, a, `${context.where} › successActions[${i}]`),
    ),
  ];
  const onFailure = [
    ...(step.onFailure ?? []).map((a, i) => resolveReusable<FailureAction>(loaded, a, `${where} › onFailure[${i}]`)),
    ...(workflow.failureActions ?? []).map((a, i) =>
      resolveReusable<FailureAction>(loaded, a, `${context.where} › failureActions[${i}]`),
    ),
  ];
  const stepActionCount = { success: step.onSuccess?.length ?? 0, failure: step.onFailure?.length ?? 0 };
  const routes = new Set<string>();
  const stepIndex = new Map(workflow.steps.map((s, i) => [s.stepId, i]));
  const failureEnds = (owner: string) => new Set(options.failureEnds[owner] ?? []);

  const plan = (action: SuccessAction | FailureAction, isFailure: boolean, fromStep: boolean): PlannedAction => {
    const target = action.type === 'goto' ? action.stepId : undefined;
    const targetIndex = target === undefined ? undefined : stepIndex.get(target);
    const owner = fromStep ? step.stepId : '*';
    return {
      route: uniqueRoute(action.name, routes),
      name: action.name,
      type: action.type,
      criteria: action.criteria ?? [],
      ...(target !== undefined ? { stepId: target } : {}),
      ...(action.type === 'goto' && action.workflowId !== undefined ? { workflowId: context.workflowKey(action.workflowId, where) } : {}),
      loopsBack: action.type === 'retry' || (targetIndex !== undefined && targetIndex <= index),
      ...(action.type === 'retry'
        ? { retryAfter: (action as FailureAction).retryAfter ?? 0, retryLimit: (action as FailureAction).retryLimit ?? 1 }
        : {}),
      ...(action.type === 'end' && (isFailure || failureEnds(owner).has(action.name)) ? { endsInFailure: true } : {}),
    };
  };

  const request = workflowCall
    ? // Not an HTTP call: what the console's Comment and the Task timeout read.
      { method: 'WORKFLOW', url: `workflow:${workflowCall.workflow}`, parameters: [], timeoutMs: options.requestTimeoutMs, maxResponseBytes: options.maxResponseBytes }
    : receive
      ? { method: 'RECEIVE', url: `asyncapi:${receive.channel}`, parameters: [], timeoutMs: options.requestTimeoutMs, maxResponseBytes: options.maxResponseBytes }
      : operationRequest(context, step, where);
  // In a 1.1 document an object shaped like a Selector Object is one; the step runner must know.
  const selectors = arazzoMinor(loaded.document) === '1.1' && containsSelector([request.parameters, request.body, workflowCall?.inputs]);
  return {
    version: PLAN_VERSION,
    workflowId: workflow.workflowId,
    stepId: step.stepId,
    index,
    request,
    ...(loaded.document.$self !== undefined ? { self: resolvedSelf(loaded.file, loaded.document) } : {}),
    successCriteria: step.successCriteria ?? [],
    outputs: step.outputs ?? (workflowCall ? context.childOutputs(workflowCall.workflow) : {}),
    onSuccess: onSuccess.map((a, i) => plan(a, false, i < stepActionCount.success)),
    onFailure: onFailure.map((a, i) => plan(a, true, i < stepActionCount.failure)),
    workflowOutputs: workflow.outputs ?? {},
    ...(index === 0 ? { inputSchema: context.inputSchema } : {}),
    secretInputs: options.secretInputs,
    ...(options.idempotency[step.stepId] ? { idempotency: options.idempotency[step.stepId] } : {}),
    ...(options.callbacks?.url.step === step.stepId
      ? {
          callback: {
            in: options.callbacks.url.in,
            name: options.callbacks.url.name,
            waitId: options.callbacks.wakes,
            // As long as a run may last (its loop limit, the hour the definition adds for its steps, a receive step's wait).
            ttlSeconds: options.loopLimit.maxTotalWaitSeconds + 3600 + receiveWaitSeconds(workflow, options.callbacks.wakes),
            // A receive step's token must survive a message that is not its own (the step then waits on).
            ...(wakesReceiveStep(workflow, options.callbacks.wakes) ? { reusable: true } : {}),
          },
        }
      : {}),
    ...(workflowCall ? { workflowCall } : {}),
    ...(receive ? { receive } : {}),
    ...(selectors ? { selectors: true as const } : {}),
    transientRetry: options.stepTransientRetries[step.stepId] ?? options.transientRetry,
    waitPolicy: (options.callbacks?.wakes === step.stepId ? options.callbacks.waitPolicy : undefined) ?? options.stepWaitPolicies[step.stepId] ?? options.waitPolicy,
    loopLimit: options.loopLimit,
  };
}

/**
 * Arazzo 1.1 step `timeout` bounds the step's call, and running over it fails the step. It cannot exceed the
 * deployment's requestTimeoutMs, which sizes the step runner's own Lambda timeout.
 */
function stepTimeout(step: Step, requestTimeoutMs: number, where: string): { timeoutMs: number; timeoutFailsStep?: true } {
  if (step.timeout === undefined) return { timeoutMs: requestTimeoutMs };
  if (step.timeout > requestTimeoutMs) {
    throw new ArazzoDocumentError(
      `${where} › timeout`,
      `${step.timeout} ms is longer than the deployment's requestTimeoutMs (${requestTimeoutMs} ms), which bounds every call; raise requestTimeoutMs to at least ${step.timeout} (at most 60000) or shorten the timeout`,
    );
  }
  return { timeoutMs: step.timeout, timeoutFailsStep: true };
}

/** A JSON text payload becomes the value it describes, so it is sent as that JSON, not as a JSON string. */
function plannedBody(body: RequestBody, where: string): NonNullable<StepPlan['request']['body']> {
  if (!isJsonTextPayload(body.payload, body.contentType)) return { ...body };
  const read = readJsonTemplate(body.payload);
  // Stryker disable next-line ConditionalExpression,StringLiteral,CallExpression: unreachable from a document: validateForCompilation refuses a JSON text payload that does not parse (compilation-checks.ts) before any step is planned
  if ('error' in read) throw new ArazzoDocumentError(`${where} › requestBody › payload`, read.error);
  return { ...body, payload: read.value };
}

function operationRequest(context: PlanContext, step: Step, where: string): StepPlan['request'] {
  const operation = resolveStepOperation(context.loaded, context.workflow, step);
  const { serverUrls } = context.options;
  const baseUrl = serverUrls[operation.sourceDescription] ?? operation.serverUrl;
  checkBaseUrl(baseUrl, operation.sourceDescription, serverUrls[operation.sourceDescription] !== undefined, where);
  return {
    method: operation.method.toUpperCase(),
    url: joinUrl(baseUrl, operation.path),
    parameters: mergeParameters(context, step, where),
    ...(step.requestBody ? { body: plannedBody(step.requestBody, where) } : {}),
    ...stepTimeout(step, context.options.requestTimeoutMs, where),
    maxResponseBytes: context.options.maxResponseBytes,
    ...(context.options.nonIdempotentSteps.includes(step.stepId) ? { nonIdempotent: true } : {}),
  };
}

/** Route values are what the Choice matches; action names are free text in Arazzo, so keep them distinct. */
function uniqueRoute(name: string, taken: Set<string>): string {
  let route = BUILT_IN_ROUTES.has(name) ? `action:${name}` : name;
  for (let n = 2; taken.has(route); n++) route = `${name}#${n}`;
  taken.add(route);
  return route;
}

/** Workflow parameters apply to every step; a step's parameter with the same name and location replaces it. */
function mergeParameters(context: PlanContext, step: Step, where: string): PlannedParameter[] {
  const resolve = (items: Array<Parameter | ReusableObject> | undefined, at: string) =>
    (items ?? []).map((p, i) => {
      const parameter = resolveReusable<Parameter>(context.loaded, p, `${at} › parameters[${i}]`);
      // The document checks require `in` on every parameter an operation step gets (its own and the workflow's).
      return { name: parameter.name, in: parameter.in!, value: parameter.value } satisfies PlannedParameter;
    });
  const key = (p: PlannedParameter) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;
  const merged = new Map<string, PlannedParameter>();
  for (const p of resolve(context.workflow.parameters, context.where)) merged.set(key(p), p);
  for (const p of resolve(step.parameters, where)) merged.set(key(p), p);
  return [...merged.values()];
}

/** Every run would fail at this step without an absolute base URL, so synth fails instead, saying how to give one. */
function checkBaseUrl(baseUrl: string, source: string, fromOptions: boolean, where: string): void {
  const given = fromOptions ? `deployment option serverUrls.${source}` : `the first server of source description ${source}`;
  let problem: string | undefined;
  if (baseUrl === '') problem = `source description ${source} declares no server`;
  else if (!/^https?:\/\/[^/]/i.test(baseUrl)) problem = `${given} is '${baseUrl}', not an absolute http(s) URL`;
  else if (/[{}]/.test(baseUrl)) problem = `${given} is '${baseUrl}', which still has a server variable placeholder`;
  if (problem) {
    throw new ArazzoDocumentError(where, `${problem}; set the deployment option serverUrls.${source} to the API's base URL (e.g. https://api.example.com)`);
  }
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function wakesReceiveStep(workflow: Workflow, wakes: string): boolean {
  const step = workflow.steps.find((candidate) => candidate.stepId === wakes);
  return step !== undefined && isReceiveStep(step);
}

/** How long the receive step a callback wakes may wait (0 when it wakes a poll loop): the callback URL must outlive it. */
function receiveWaitSeconds(workflow: Workflow, wakes: string): number {
  const timeout = wakesReceiveStep(workflow, wakes) ? workflow.steps.find((step) => step.stepId === wakes)!.timeout : undefined;
  return timeout !== undefined ? Math.ceil(timeout / 1000) : 0;
}
