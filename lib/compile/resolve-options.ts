/**
 * Deployment options with their defaults filled in, checked against the workflow they configure:
 * a typo in a step or action name must fail synth, not silently configure nothing.
 */
import { ArazzoDocumentError } from '../arazzo/load.ts';
import { isReceiveStep } from '../arazzo/receive-steps.ts';
import type { Workflow } from '../arazzo/types.ts';
import {
  DEFAULT_LOOP_LIMIT,
  DEFAULT_MAX_STRING_LENGTH,
  DEFAULT_TRANSIENT_RETRY,
  CALLBACK_FALLBACK_WAIT_POLICY,
  CALLBACK_LOOP_MAX_ITERATIONS,
  DEFAULT_WAIT_POLICY,
  EVENTS_PER_ITERATION,
  EVENTS_PER_WAKE_ITERATION,
  HISTORY_EVENT_LIMIT,
  HISTORY_HEADROOM,
  STEP_RUNNER_PLACEHOLDER,
  type CallbackOptions,
  type CompileOptions,
} from './compile-options.ts';
import { expectedRetriesPerBudget } from '../runtime/outage-budget.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../runtime/http.ts';
import type { IdempotencyPlan, TransientRetryPolicy, WaitPolicy } from './step-plan.ts';

const MAX_RESPONSE_BYTES_LIMIT = 64 * 1024 * 1024;

export interface ResolvedCompileOptions {
  serverUrls: Record<string, string>;
  secretInputs: string[];
  failureEnds: Record<string, string[]>;
  idempotency: Record<string, IdempotencyPlan>;
  nonIdempotentSteps: string[];
  waitPolicy: WaitPolicy;
  stepWaitPolicies: Record<string, WaitPolicy>;
  transientRetry: TransientRetryPolicy;
  /** Per stepId, the deployment's policy with the step's overrides applied. */
  stepTransientRetries: Record<string, TransientRetryPolicy>;
  loopLimit: { maxIterations: number; maxTotalWaitSeconds: number };
  requestTimeoutMs: number;
  maxStringLength: number;
  maxResponseBytes: number;
  functionArn: string;
  callbackRegistrarArn?: string;
  /** With its wait policy filled in. */
  callbacks?: CallbackOptions & { waitPolicy: WaitPolicy };
}

export function resolveCompileOptions(
  options: CompileOptions,
  workflow: Workflow,
  where: string,
  resolveAction: (item: unknown, at: string) => { name: string; type: string },
): ResolvedCompileOptions {
  const resolved: ResolvedCompileOptions = {
    serverUrls: options.serverUrls ?? {},
    secretInputs: options.secretInputs ?? [],
    failureEnds: options.failureEnds ?? {},
    idempotency: options.idempotency ?? {},
    nonIdempotentSteps: options.nonIdempotentSteps ?? [],
    waitPolicy: options.waitPolicy ?? DEFAULT_WAIT_POLICY,
    stepWaitPolicies: options.stepWaitPolicies ?? {},
    transientRetry: { ...DEFAULT_TRANSIENT_RETRY, ...options.transientRetry },
    stepTransientRetries: Object.fromEntries(
      Object.entries(options.stepTransientRetries ?? {}).map(([stepId, policy]) => [stepId, { ...DEFAULT_TRANSIENT_RETRY, ...options.transientRetry, ...policy }]),
    ),
    // A loop through a wake-up wait writes more history events, so its default leaves room for them.
    loopLimit: { ...DEFAULT_LOOP_LIMIT, ...(options.callbacks ? { maxIterations: CALLBACK_LOOP_MAX_ITERATIONS } : {}), ...options.loopLimit },
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    maxStringLength: options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    functionArn: options.functionArn ?? STEP_RUNNER_PLACEHOLDER,
    ...(options.callbackRegistrarArn ? { callbackRegistrarArn: options.callbackRegistrarArn } : {}),
    ...(options.callbacks ? { callbacks: { ...options.callbacks, waitPolicy: options.callbacks.waitPolicy ?? CALLBACK_FALLBACK_WAIT_POLICY } } : {}),
  };
  checkAgainstWorkflow(resolved, workflow, where, resolveAction);
  return resolved;
}

/** A base URL for a source the document does not have would be ignored, and the run would call the document's server. */
export function checkServerUrlNames(serverUrls: Record<string, string>, sourceNames: string[], where: string): void {
  for (const name of Object.keys(serverUrls)) {
    if (!sourceNames.includes(name)) {
      throw new ArazzoDocumentError(
        `deployment option serverUrls.${name}`,
        `names source description '${name}', which the document does not have; source descriptions: ${sourceNames.join(', ')} (${where})`,
      );
    }
  }
}

function checkAgainstWorkflow(
  options: ResolvedCompileOptions,
  workflow: Workflow,
  where: string,
  resolveAction: (item: unknown, at: string) => { name: string; type: string },
): void {
  const stepIds = new Set(workflow.steps.map((s) => s.stepId));
  const fail = (field: string, message: string) => {
    throw new ArazzoDocumentError(`deployment option ${field}`, `${message} (workflow ${workflow.workflowId} in ${where})`);
  };
  const knownStep = (field: string, stepId: string) => {
    if (!stepIds.has(stepId)) fail(field, `names step '${stepId}', which the workflow does not have; steps: ${[...stepIds].join(', ')}`);
  };

  for (const [stepId, names] of Object.entries(options.failureEnds)) {
    // An item that is not an action object resolves to itself (resolveReusable), so a list of one string (the
    // mutants' ["Stryker was here"]) names no end action, as an empty list does.
    const actions =
      stepId === '*'
        ? // Stryker disable next-line ArrayDeclaration: see above
          (workflow.successActions ?? [])
        : // Stryker disable next-line ArrayDeclaration: see above
          (knownStep(`failureEnds.${stepId}`, stepId), workflow.steps.find((s) => s.stepId === stepId)?.onSuccess ?? []);
    const endNames = new Set(
      actions.map((a, i) => resolveAction(a, `${where} › failureEnds.${stepId}[${i}]`)).flatMap((a) => (a.type === 'end' ? [a.name] : [])),
    );
    for (const name of names) {
      if (!endNames.has(name)) {
        fail(
          `failureEnds.${stepId}`,
          `names '${name}', which is not an end action of ${stepId === '*' ? 'the workflow' : `step ${stepId}`}; end actions: ${[...endNames].join(', ') || 'none'}`,
        );
      }
    }
  }
  for (const [stepId, plan] of Object.entries(options.idempotency)) {
    knownStep(`idempotency.${stepId}`, stepId);
    if (!['header', 'query', 'body'].includes(plan.in)) fail(`idempotency.${stepId}.in`, `must be header, query or body, not '${plan.in}'`);
    if (plan.in === 'body' && !plan.name.startsWith('/')) fail(`idempotency.${stepId}.name`, `must be a JSON Pointer such as /clientReference for in: body`);
  }
  for (const stepId of options.nonIdempotentSteps) knownStep('nonIdempotentSteps', stepId);
  if (options.callbacks) checkCallbacks(options.callbacks, workflow, knownStep, fail, resolveAction);
  checkReceiveSteps(options, workflow, fail);
  for (const stepId of Object.keys(options.stepWaitPolicies)) knownStep(`stepWaitPolicies.${stepId}`, stepId);
  for (const [field, policy] of [
    ['waitPolicy', options.waitPolicy],
    ...Object.entries(options.stepWaitPolicies).map(([k, v]) => [`stepWaitPolicies.${k}`, v] as const),
    ...(options.callbacks ? [['callbacks.waitPolicy', options.callbacks.waitPolicy] as const] : []),
  ] as const) {
    checkWaitPolicy(field, policy, fail);
  }

  const { maxIterations, maxTotalWaitSeconds } = options.loopLimit;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) fail('loopLimit.maxIterations', 'must be a whole number of at least 1');
  if (!Number.isInteger(maxTotalWaitSeconds) || maxTotalWaitSeconds < 1) fail('loopLimit.maxTotalWaitSeconds', 'must be a whole number of seconds, at least 1');
  const budget = Math.floor(HISTORY_EVENT_LIMIT * HISTORY_HEADROOM);
  const perIteration = options.callbacks ? EVENTS_PER_WAKE_ITERATION : EVENTS_PER_ITERATION;
  const events = maxIterations * perIteration + workflow.steps.length * 8;
  if (events > budget) {
    const room = Math.floor((budget - workflow.steps.length * 8) / perIteration);
    fail(
      'loopLimit.maxIterations',
      `${maxIterations} iterations can write ~${events} history events; Standard workflows stop at ${HISTORY_EVENT_LIMIT} and this project keeps runs under ${budget}: ` +
        (room >= 1
          ? `use at most ${room}`
          : `the ${workflow.steps.length} steps alone can write ~${workflow.steps.length * 8} events, leaving no room for a loop; split the workflow into smaller ones (a step may run another workflow)`),
    );
  }
  if (!Number.isInteger(options.requestTimeoutMs) || options.requestTimeoutMs < 100 || options.requestTimeoutMs > 60_000) {
    fail('requestTimeoutMs', 'must be whole milliseconds between 100 and 60000');
  }
  if (!Number.isInteger(options.maxStringLength) || options.maxStringLength < 1 || options.maxStringLength > 262_144) {
    fail('maxStringLength', 'must be a whole number of characters from 1 to 262144 (a run state holds at most 256 KiB)');
  }
  const { maxResponseBytes } = options;
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1024 || maxResponseBytes > MAX_RESPONSE_BYTES_LIMIT) {
    // The step runner has 256 MB; a parsed body takes several times its size.
    fail('maxResponseBytes', `must be whole bytes between 1024 and ${MAX_RESPONSE_BYTES_LIMIT} (64 MiB)`);
  }
  // After the loop limit's own checks: an outage budget must fit in a loop limit that is itself valid.
  for (const stepId of Object.keys(options.stepTransientRetries)) knownStep(`stepTransientRetries.${stepId}`, stepId);
  for (const [field, policy] of [['transientRetry', options.transientRetry], ...Object.entries(options.stepTransientRetries).map(([k, v]) => [`stepTransientRetries.${k}`, v] as const)] as const) {
    checkTransientRetry(field, policy, options.loopLimit, fail);
  }
}

/**
 * The step that carries the URL and the loop it wakes must exist, the URL must have a place, and the woken step
 * must loop back on itself: a callback only ends a wait, it never routes the run.
 */
function checkCallbacks(
  callbacks: CallbackOptions,
  workflow: Workflow,
  knownStep: (field: string, stepId: string) => void,
  fail: (field: string, message: string) => never,
  resolveAction: (item: unknown, at: string) => { name: string; type: string },
): void {
  const { url, wakes } = callbacks;
  if (typeof url !== 'object' || url === null) fail('callbacks.url', 'must say where the request carries the callback URL, e.g. { "step": "submit", "in": "body", "name": "/callbacks/0/url" }');
  knownStep('callbacks.url.step', url.step);
  if (!['header', 'query', 'body'].includes(url.in)) fail('callbacks.url.in', `must be header, query or body, not '${String(url.in)}'`);
  if (typeof url.name !== 'string' || url.name === '') fail('callbacks.url.name', 'must name the header, the query parameter, or (in: body) a JSON Pointer');
  if (url.in === 'body' && !url.name.startsWith('/')) fail('callbacks.url.name', `must be a JSON Pointer such as /callbacks/0/url for in: body, not '${url.name}'`);
  knownStep('callbacks.wakes', wakes);
  const step = workflow.steps.find((s) => s.stepId === wakes)!;
  if (isReceiveStep(step)) {
    // The wait is the receive step's own; the URL must have gone out before it.
    const index = (stepId: string) => workflow.steps.findIndex((s) => s.stepId === stepId);
    if (index(url.step) >= index(wakes)) fail('callbacks.url.step', `names step '${url.step}', which does not run before the receive step '${wakes}'; name the step whose request gives the API the callback URL`);
    return;
  }
  // Stryker disable next-line ArrayDeclaration: a string item resolves to no goto, so it cannot make the step loop on itself
  const loopsOnItself = [...(step.onSuccess ?? []), ...(workflow.successActions ?? [])].some((item, i) => {
    const action = resolveAction(item, `callbacks.wakes › onSuccess[${i}]`) as { type: string; stepId?: string };
    return action.type === 'goto' && action.stepId === wakes;
  });
  if (!loopsOnItself) fail('callbacks.wakes', `names step '${wakes}', which has no goto action back to itself; name the step that polls (loops back on itself)`);
}

/**
 * A receive step waits for the callback to the run's URL, so the deployment must say where the URL goes and that the
 * callback wakes this step. One URL per run: one receive step per workflow.
 */
function checkReceiveSteps(options: ResolvedCompileOptions, workflow: Workflow, fail: (field: string, message: string) => never): void {
  const receiving = workflow.steps.filter(isReceiveStep).map((step) => step.stepId);
  if (receiving.length === 0) return;
  if (receiving.length > 1) {
    fail('callbacks.wakes', `the workflow has ${receiving.length} receive steps (${receiving.join(', ')}); a run has one callback URL, so it can wait for one receive step: split the workflow`);
  }
  if (options.callbacks === undefined) {
    fail(
      'callbacks',
      `is not set, but receive step '${receiving[0]}' waits for a callback: say which step's request carries the run's callback URL and where, e.g. { "url": { "step": "submit", "in": "body", "name": "/callbacks/0/url" }, "wakes": "${receiving[0]}" } (docs/callbacks.md)`,
    );
  }
  if (options.callbacks.wakes !== receiving[0]) {
    fail('callbacks.wakes', `names step '${options.callbacks.wakes}', but the callback must wake the receive step '${receiving[0]}'`);
  }
}

const TRANSIENT_RETRY_FIELDS = ['budgetSeconds', 'baseSeconds', 'maxSeconds', 'minSeconds'];

/**
 * A transient retry policy must wait (no zero or negative waits), and one outage of its full budget must fit
 * in the run's loop limit: its waits count against maxTotalWaitSeconds and its calls against maxIterations
 * (and so against the history budget checked below).
 */
function checkTransientRetry(
  field: string,
  policy: TransientRetryPolicy,
  loopLimit: ResolvedCompileOptions['loopLimit'],
  fail: (field: string, message: string) => never,
): void {
  if ('maxAttempts' in policy) {
    fail(`${field}.maxAttempts`, 'transient retries are budgeted in time now: set budgetSeconds (how long an outage a step rides out, default 3600) instead of maxAttempts');
  }
  for (const name of Object.keys(policy)) {
    if (!TRANSIENT_RETRY_FIELDS.includes(name)) fail(`${field}.${name}`, `is not a transientRetry setting; its settings: ${TRANSIENT_RETRY_FIELDS.join(', ')}`);
  }
  const wholeSeconds = (name: keyof TransientRetryPolicy, least: number) => {
    const value = policy[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < least) fail(`${field}.${name}`, `must be a whole number of seconds, at least ${least}, not ${JSON.stringify(value)}`);
  };
  wholeSeconds('minSeconds', 1);
  wholeSeconds('baseSeconds', 1);
  wholeSeconds('maxSeconds', Math.max(policy.baseSeconds, policy.minSeconds));
  wholeSeconds('budgetSeconds', policy.minSeconds);
  if (policy.budgetSeconds > loopLimit.maxTotalWaitSeconds) {
    fail(`${field}.budgetSeconds`, `is ${policy.budgetSeconds} s, more than the run may wait in all (loopLimit.maxTotalWaitSeconds ${loopLimit.maxTotalWaitSeconds}); lower it or raise the loop limit`);
  }
  const retries = expectedRetriesPerBudget(policy);
  if (retries > loopLimit.maxIterations) {
    fail(
      `${field}.budgetSeconds`,
      `one outage of ${policy.budgetSeconds} s costs about ${retries} retries with these waits, more than loopLimit.maxIterations (${loopLimit.maxIterations}); raise maxSeconds so retries are fewer, or lower the budget`,
    );
  }
}

const WAIT_POLICY_FIELDS: Record<string, readonly string[]> = {
  fixed: ['kind', 'seconds'],
  exponential: ['kind', 'initialSeconds', 'factor', 'maxSeconds', 'jitter'],
  proportional: ['kind', 'ratio', 'minSeconds', 'maxSeconds', 'jitter'],
};

function checkWaitPolicy(field: string, policy: WaitPolicy, fail: (field: string, message: string) => never): void {
  // A wait of 0 would let a poll spin: every wait is at least a second (Step Functions waits whole seconds).
  const seconds = (name: string, value: number | undefined) => {
    if (!(Number.isFinite(value) && (value as number) >= 1)) fail(`${field}.${name}`, `must be a number of seconds, at least 1, not ${JSON.stringify(value)}`);
  };
  const wholeSeconds = (name: string, value: number | undefined, least: number) => {
    if (value === undefined || !Number.isInteger(value) || value < least) fail(`${field}.${name}`, `must be a whole number of seconds, at least ${least}`);
  };
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    fail(field, 'must be an object such as { "kind": "proportional", "ratio": 0.1, "minSeconds": 2, "maxSeconds": 60 }');
  }
  const known = Object.hasOwn(WAIT_POLICY_FIELDS, policy.kind) ? WAIT_POLICY_FIELDS[policy.kind] : undefined;
  if (known === undefined) fail(`${field}.kind`, `must be fixed, exponential or proportional, not ${JSON.stringify(policy.kind) ?? 'missing'}`);
  // A misspelt field would silently fall back to a default.
  for (const name of Object.keys(policy)) {
    if (!known.includes(name)) fail(`${field}.${name}`, `is not a setting of a ${policy.kind} wait policy; its settings: ${known.join(', ')}`);
  }
  if (policy.jitter !== undefined && !(policy.jitter >= 0 && policy.jitter <= 1)) fail(`${field}.jitter`, 'must be a fraction from 0 (no jitter) to 1 (full jitter)');
  if (policy.kind === 'fixed') seconds('seconds', policy.seconds);
  else if (policy.kind === 'exponential') {
    seconds('initialSeconds', policy.initialSeconds);
    seconds('maxSeconds', policy.maxSeconds);
    // A missing factor (undefined) or NaN compares false.
    if (!((policy.factor as number) >= 1)) fail(`${field}.factor`, 'must be 1 or more');
  } else {
    if (policy.ratio === undefined || !(policy.ratio > 0 && policy.ratio <= 1)) {
      fail(`${field}.ratio`, 'must be a fraction above 0 and at most 1, e.g. 0.1 to wait a tenth of the time already spent polling');
    }
    // A streak starts with nothing waited: a minimum of 0 would never let the wait grow.
    wholeSeconds('minSeconds', policy.minSeconds, 1);
    wholeSeconds('maxSeconds', policy.maxSeconds, policy.minSeconds ?? 1);
  }
}
