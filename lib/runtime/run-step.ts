/**
 * Runs one Arazzo step: the step runner's core, shared by the Lambda handler and the local runner.
 * It knows Arazzo and the plan contract, nothing about AWS: dependencies (secrets, fetch, randomness,
 * logging, the clock) come in through `StepRunnerDeps`.
 *
 * Workflow outcomes (a failing step, exhausted retries, a loop limit) are routes in the returned state,
 * never exceptions; it throws only for its own bugs and for trouble reading secrets, which the Task retries.
 */
import { ArazzoExpressionError } from '../arazzo/errors.ts';
import { evaluateCriteria } from '../arazzo/criteria.ts';
import { evaluateExpression, type ExpressionContext } from '../arazzo/expressions.ts';
import type { SelectorObject } from '../arazzo/selector.ts';
import { validateInputs } from '../arazzo/inputs.ts';
import {
  Errors,
  PLAN_VERSION,
  repeatIsUnsafe,
  Route,
  type RunControl,
  type RunState,
  type StepPlan,
  type StepRunnerEvent,
} from '../compile/step-plan.ts';
import type { DeployedPlans } from '../compile/plan-digests.ts';
import { chooseRoute, type RouteChoice, type StepCounters, type StepOutcome } from './choose-route.ts';
import { checkDeployedOrigin, checkDeployedPlan } from './deployed-plan.ts';
import { callApi, DEFAULT_MAX_RESPONSE_BYTES, describeOutcome, mayHaveActed, transientKind, type HttpOutcome, type Refusal } from './http.ts';
import { idempotencyKey } from './idempotency.ts';
import { takeRoute, type RouteTaken } from './loop-control.ts';
import { decideTransient, describeOutage, type TransientDecision } from './outage-budget.ts';
import { createRedactor } from './redact.ts';
import { buildRequest } from './request.ts';
import type { SecretSource } from './secrets.ts';
import type { CallbackIssuer } from './callbacks/issuer.ts';
import { parseRetryAfter } from './wait-policy.ts';
import { finishReceive, startReceive } from './receive-message.ts';
import { finishWorkflowCall, startWorkflowCall } from './workflow-call.ts';
import { joinBranches } from './join-branches.ts';

export interface StepRunnerDeps {
  /** The plans (by digest) and origins this deployment compiled in: nothing else runs. */
  deployed: DeployedPlans;
  secrets: SecretSource;
  fetch: typeof fetch;
  /** In [0, 1): jitter for waits. */
  random: () => number;
  /** One structured entry per invocation; already free of secret values. */
  log: (entry: Record<string, unknown>) => void;
  /** Epoch milliseconds, for Retry-After dates and durations. Defaults to Date.now. */
  now?: () => number;
  /** Makes per-run callback URLs for steps whose plan has `callback`; absent when the deployment has no callbacks. */
  callbacks?: CallbackIssuer;
}

/** Step Functions rejects a Fail cause longer than this. */
const MAX_CAUSE_LENGTH = 32_768;
/** A cause thrown as a Lambda error is escaped once more inside Lambda's JSON error; this leaves room for that. */
const MAX_THROWN_CAUSE_LENGTH = 16_384;

export function createStepRunner(deps: StepRunnerDeps): (event: StepRunnerEvent) => Promise<RunState> {
  return (event) => runStep(event, deps);
}

export async function runStep(event: StepRunnerEvent, deps: StepRunnerDeps): Promise<RunState> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  loggingRefusal(deps, () => checkDeployedPlan(event.plan, deps.deployed));
  const plan = parsePlan(event.plan);
  const state = completeState(event.state);
  const counters: StepCounters = state.control.attempts[plan.stepId] ?? { transient: 0, retries: 0, loops: 0 };

  if (plan.index === 0) {
    const problems = [
      ...plan.secretInputs
        .filter((name) => Object.hasOwn(state.inputs, name))
        .map((name) => `${name}: is a secret input and must not be in the run's input (the execution history keeps it); put it in the secret`),
      ...(plan.inputSchema === undefined ? [] : validateInputs(plan.inputSchema, state.inputs)),
    ];
    if (problems.length > 0) {
      const result = finish(state, plan, {
        route: fail(Route.invalidInputs, state.control, `invalid workflow inputs: ${problems.join('; ')}`),
        statusCode: null,
      });
      deps.log(logEntry(plan, result, { statusCode: null, attempt: counters.transient + 1, durationMs: now() - startedAt }));
      return result;
    }
  }

  const unaffordable = sideEffectWithoutRoom(plan, state);
  if (unaffordable !== undefined) {
    const result = finish(state, plan, { route: fail(Route.stepFailed, state.control, unaffordable), statusCode: null });
    deps.log(logEntry(plan, result, { statusCode: null, attempt: counters.transient + 1, durationMs: now() - startedAt }));
    return result;
  }

  const secretValues = plan.secretInputs.length > 0 ? await deps.secrets.get(plan.secretInputs) : {};
  const callback = plan.callback !== undefined && plan.workflowCall === undefined ? await issueCallback(plan, event, deps) : undefined;
  // The callback token is a credential of the public callback route: never in the state, the outputs or a log.
  const redactor = createRedactor([...Object.values(secretValues), ...(callback ? [callback.token] : [])]);
  const inputs = { ...state.inputs, ...secretValues };
  const context: ExpressionContext = {
    inputs,
    steps: state.steps,
    outputs: state.outputs,
    ...(plan.self !== undefined ? { self: plan.self } : {}),
    workflows: { ...state.workflows, [plan.workflowId]: { inputs, outputs: state.outputs } },
  };

  const phaseDeps = { random: deps.random, finish, now };
  const result = plan.join
    ? { state: joinBranches(plan, state, event.state.join, context, finish) }
    : plan.workflowCall
    ? {
        state:
          event.phase === 'start'
            ? startWorkflowCall(plan, state, context, counters, phaseDeps)
            : finishWorkflowCall(plan, state, event.state.call, context, counters, phaseDeps),
      }
    : plan.receive
      ? {
          state:
            event.phase === 'start'
              ? startReceive(plan, state, context, counters, phaseDeps)
              : finishReceive(plan, state, event.state.receive, context, counters, phaseDeps),
        }
      : await callAndRoute(event, plan, state, context, counters, deps, now, callback?.url);
  const safe = withinStateLimit(redactor.scrub(result.state), state, plan);
  deps.log(
    redactor.scrub(
      logEntry(plan, safe, {
        statusCode: safe.control.lastStep.statusCode,
        attempt: counters.transient + 1,
        durationMs: now() - startedAt,
        ...result.trouble,
      }),
    ),
  );
  // Thrown, not routed to a Fail state: the execution then fails at this step's Task, which a redrive runs again.
  if (safe.control.route === Route.outageBudgetSpent) throw new OutageBudgetSpentError(safe.control.cause);
  return safe;
}

/**
 * A fresh callback URL for this call (each attempt gets its own; every one wakes the same wait). When the store
 * cannot be written the request goes without one: the run is then woken by its fallback poll, never lost.
 */
async function issueCallback(plan: StepPlan, event: StepRunnerEvent, deps: StepRunnerDeps): Promise<{ url: string; token: string } | undefined> {
  const callback = plan.callback!;
  if (deps.callbacks === undefined) {
    deps.log({ level: 'WARN', message: `step ${plan.stepId}: this step runner has no callback store, so the request carries no callback URL; the run relies on its fallback poll`, stepId: plan.stepId });
    return undefined;
  }
  try {
    return await deps.callbacks.issue({ executionId: event.executionId, waitId: callback.waitId }, callback.ttlSeconds, { reusable: callback.reusable === true });
  } catch (error) {
    deps.log({ level: 'WARN', message: `step ${plan.stepId}: no callback URL this time (${(error as Error).name}); the run relies on its fallback poll`, stepId: plan.stepId });
    return undefined;
  }
}

/** The step's outage outlasted its budget; the message is the JSON cause (what the run knows, and the outage). */
export class OutageBudgetSpentError extends Error {
  override readonly name = Errors.outageBudgetSpent;
}

/** A refusal is logged by its own message only: whatever else the event holds is the caller's. */
function loggingRefusal(deps: StepRunnerDeps, check: () => void): void {
  try {
    check();
  } catch (error) {
    deps.log({ level: 'ERROR', message: (error as Error).message, error: (error as Error).name });
    throw error;
  }
}

/**
 * Step Functions stops a run whose state passes 256 KiB (States.DataLimitExceeded, an error with no Arazzo
 * meaning). Outputs that would take the state past this runner's budget fail the step instead, naming them.
 */
export const MAX_STATE_BYTES = 200 * 1024;

/** Room a step with side effects needs in the state for what it returns (its outputs are kept twice: steps and lastStep). */
export const SIDE_EFFECT_RESERVE_BYTES = 16 * 1024;

/**
 * A call with side effects (anything but GET, HEAD, OPTIONS) is not made when the run could not carry on
 * after it: a state already near the budget (large inputs) would fail the run just after the API acted.
 */
function sideEffectWithoutRoom(plan: StepPlan, state: RunState): string | undefined {
  if (plan.join || plan.receive !== undefined || ['GET', 'HEAD', 'OPTIONS'].includes(plan.request.method.toUpperCase())) return undefined;
  const size = Buffer.byteLength(JSON.stringify(state));
  if (size + SIDE_EFFECT_RESERVE_BYTES <= stateBudget(plan)) return undefined;
  const largest = Object.entries(state.inputs)
    .map(([name, value]) => [name, Buffer.byteLength(JSON.stringify(value) ?? '')] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => `${name} (${Math.ceil(bytes / 1024)} KiB)`);
  return (
    `step ${plan.stepId} was not called: its ${plan.request.method} has side effects, and the run state is already ${Math.ceil(size / 1024)} KiB, ` +
    `leaving less than the ${SIDE_EFFECT_RESERVE_BYTES / 1024} KiB it needs under the ${budgetText(plan)} to record the answer; ` +
    `largest inputs: ${largest.join(', ') || 'none'}; give the inputs a maxLength or send less`
  );
}

/** The bytes the run state may take after this step: a step in a Parallel branch has its share (see StepPlan.stateBudgetShare). */
function stateBudget(plan: StepPlan): number {
  return Math.floor(MAX_STATE_BYTES * (plan.stateBudgetShare ?? 1));
}

function budgetText(plan: StepPlan): string {
  const kib = Math.floor(stateBudget(plan) / 1024);
  return plan.stateBudgetShare === undefined ? `${kib} KiB budget` : `${kib} KiB budget of a step in a parallel branch (the branches share ${MAX_STATE_BYTES / 1024} KiB)`;
}

function withinStateLimit(next: RunState, previous: RunState, plan: StepPlan): RunState {
  const size = Buffer.byteLength(JSON.stringify(next));
  if (size <= stateBudget(plan)) return next;
  // A join adds the outputs of its branches' steps; any other step its own.
  const added = plan.join ? plan.join.branches.flat().flatMap((id) => Object.entries(next.steps[id] ?? {}).map(([name, value]) => [`${id}.${name}`, value] as const)) : Object.entries(next.steps[plan.stepId] ?? {});
  const largest = added
    .map(([name, value]) => [name, Buffer.byteLength(JSON.stringify(value) ?? '')] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => `${name} (${Math.ceil(bytes / 1024)} KiB)`);
  const message =
    `${plan.join ? `the joined outputs of ${plan.join.branches.flat().join(', ')}` : `step ${plan.stepId}'s outputs`} make the run state ${Math.ceil(size / 1024)} KiB, ` +
    `over the ${budgetText(plan)} this runner allows (Step Functions stops a run at 256 KiB); largest outputs: ${largest.join(', ')}; select less of the response`;
  return finish(previous, plan, { route: fail(Route.stepFailed, previous.control, message), statusCode: next.control.lastStep.statusCode });
}

async function callAndRoute(
  event: StepRunnerEvent,
  plan: StepPlan,
  state: RunState,
  context: ExpressionContext,
  counters: StepCounters,
  deps: StepRunnerDeps,
  now: () => number,
  callbackUrl: string | undefined,
): Promise<{ state: RunState; trouble?: Trouble }> {
  const key = plan.idempotency === undefined ? undefined : idempotencyKey(event.executionId, plan.stepId, event.executionStartTime);
  const built = buildRequest(plan, context, key, callbackUrl);
  if (!built.ok) {
    const route = fail(Route.stepFailed, state.control, `step ${plan.stepId} cannot build its request: ${built.problem}`);
    return { state: finish(state, plan, { route, statusCode: null }) };
  }

  loggingRefusal(deps, () => checkDeployedOrigin(built.http.url, deps.deployed));
  const outcome = await callApi(
    built.http,
    { timeoutMs: plan.request.timeoutMs, maxResponseBytes: plan.request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES },
    deps.fetch,
  );
  if (outcome.kind === 'refused') {
    // Not an answer the document gets to judge: the step fails, whatever its actions say.
    const route = fail(Route.stepFailed, state.control, `step ${plan.stepId}: ${describeOutcome(outcome)}`);
    return { state: finish(state, plan, { route, statusCode: outcome.status }), trouble: { refused: outcome.refusal, detail: outcome.detail } };
  }
  const responseContext: ExpressionContext = {
    ...context,
    url: built.http.url,
    method: built.http.method,
    request: built.context,
    ...(outcome.kind === 'response'
      ? { statusCode: outcome.status, response: { headers: outcome.headers, body: outcome.body } }
      : {}),
  };
  const statusCode = outcome.kind === 'response' ? outcome.status : null;
  const transient = transientKind(outcome);
  const trouble = transient === undefined ? undefined : { transient, detail: describeOutcome(outcome) };
  if (transient !== undefined && repeatIsUnsafe(plan) && mayHaveActed(outcome)) {
    // Checked before the document's actions: a retry or a goto back would send it again all the same.
    const message =
      `step ${plan.stepId}: ${plan.request.method} ${plan.request.url} may have taken effect (${describeOutcome(outcome)}), so it is not sent again: ` +
      `the step has no idempotency key. Check the remote side before running again; if the API accepts a key, set the deployment option idempotency.${plan.stepId}`;
    return { state: finish(state, plan, { route: fail(Route.mayHaveTakenEffect, state.control, message), statusCode }), trouble };
  }

  const retryAfter = outcome.kind === 'response' ? parseRetryAfter(outcome.headers['retry-after'], now()) : undefined;
  const decision: TransientDecision | undefined =
    transient === undefined
      ? undefined
      : decideTransient(
          plan.transientRetry,
          counters,
          {
            now: now(),
            described: describeOutcome(outcome),
            retryAfterSeconds: retryAfter,
            resumeDueAt: counters.outage === undefined ? undefined : counters.outage.lastAt + state.control.waitSeconds * 1000,
          },
          deps.random,
        );

  let stepOutcome: StepOutcome;
  let choice: RouteChoice;
  try {
    stepOutcome = judge(plan, outcome, responseContext);
    choice = chooseRoute(plan, stepOutcome, counters, responseContext, decision);
  } catch (error) {
    // The compiler checks every criterion; one that still cannot be evaluated fails the step, naming it.
    if (!(error instanceof ArazzoExpressionError)) throw error;
    const route = fail(Route.stepFailed, state.control, `step ${plan.stepId}: ${error.message}`);
    return { state: finish(state, plan, { route, statusCode, responseContext }), trouble };
  }

  let route = takeRoute(plan, choice, state.control, counters, retryAfter, deps.random);
  if (route.failure === undefined && choice.kind === 'action' && (choice.action.endsInFailure || isFailureEnd(plan, choice))) {
    route = { ...route, failure: `step ${plan.stepId} ended the run with ${choice.action.name} (${stepOutcome.described})` };
  }
  // A transient answer is not the API's answer: keep what the step saw last rather than nulls from an error page.
  const answered = route.route === Route.transientRetry || route.route === Route.outageBudgetSpent ? undefined : responseContext;
  return { state: finish(state, plan, { route, statusCode, ...(answered ? { responseContext: answered } : {}) }), trouble };
}

/**
 * Success as Arazzo defines it, except that transient trouble is never a success, unless the successCriteria
 * test `$statusCode` and hold for this answer: a document that declares a 429 or 503 a success is obeyed.
 */
function judge(plan: StepPlan, outcome: HttpOutcome, context: ExpressionContext): StepOutcome {
  const transient = transientKind(outcome);
  const described = describeOutcome(outcome);
  if (transient !== undefined && outcome.kind === 'response' && !outcome.malformedJson && testsStatusCode(plan.successCriteria)) {
    if (evaluateCriteria(plan.successCriteria, context)) return { success: true, described, criteriaFailed: false };
  }
  if (outcome.kind === 'no-response' && outcome.trouble === 'timeout' && plan.request.timeoutFailsStep) {
    return { success: false, described: `${described}, over the step's timeout`, criteriaFailed: false };
  }
  if (transient !== undefined || outcome.kind !== 'response') {
    return { success: false, transient, described, criteriaFailed: false };
  }
  const is2xx = outcome.status >= 200 && outcome.status <= 299;
  const success = plan.successCriteria.length === 0 ? is2xx : evaluateCriteria(plan.successCriteria, context);
  return { success, described, criteriaFailed: !success && is2xx };
}

function testsStatusCode(criteria: StepPlan['successCriteria']): boolean {
  return criteria.some((criterion) => /\$statusCode(?![A-Za-z0-9_])/.test(`${criterion.context ?? ''} ${criterion.condition}`));
}

function isFailureEnd(plan: StepPlan, choice: RouteChoice): boolean {
  return choice.kind === 'action' && choice.action.type === 'end' && plan.onFailure.includes(choice.action);
}

/** A failing route that never passes a Wait. */
function fail(route: string, control: RunControl, message: string): RouteTaken {
  return {
    route,
    waitSeconds: 0,
    iterations: control.iterations,
    totalWaitSeconds: control.totalWaitSeconds,
    counters: { transient: 0, retries: 0, loops: 0 },
    failure: message,
  };
}

/**
 * The next state: the step's outputs (when it made a call), the workflow outputs, and every control field.
 * Outputs that cannot be resolved are null, so a missing field in a response never stops the run by itself.
 */
function finish(
  state: RunState,
  plan: StepPlan,
  taken: { route: RouteTaken; statusCode: number | null; responseContext?: ExpressionContext },
): RunState {
  const { route, statusCode, responseContext } = taken;
  let steps = state.steps;
  let stepOutputs: Record<string, unknown> = {};
  let outputs = state.outputs;
  if (responseContext !== undefined) {
    stepOutputs = evaluateAll(plan.outputs, responseContext);
    steps = { ...state.steps, [plan.stepId]: stepOutputs };
    outputs = evaluateAll(plan.workflowOutputs, { inputs: responseContext.inputs, steps, outputs: state.outputs, workflows: responseContext.workflows });
  }
  const lastStep = { stepId: plan.stepId, statusCode, outputs: stepOutputs };
  const control: RunControl = {
    route: route.route,
    waitSeconds: route.waitSeconds,
    iterations: route.iterations,
    totalWaitSeconds: route.totalWaitSeconds,
    attempts: { ...state.control.attempts, [plan.stepId]: route.counters },
    lastStep,
    cause:
      route.failure === undefined
        ? ''
        : cause(route.failure, plan.stepId, statusCode, { outputs, steps, lastStep }, route.route === Route.outageBudgetSpent ? route.counters : undefined, plan),
  };
  return { inputs: state.inputs, steps, outputs, control, ...(state.workflows ? { workflows: state.workflows } : {}) };
}

function evaluateAll(expressions: Record<string, string | SelectorObject>, context: ExpressionContext): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, expression] of Object.entries(expressions)) {
    let value: unknown;
    try {
      value = evaluateExpression(expression, context);
    } catch {
      // An output that cannot be evaluated is null, like one that finds nothing: `value` is still undefined here.
    }
    values[name] = value === undefined ? null : value;
  }
  return values;
}

/**
 * The Fail cause: the message, the workflow outputs and every step's outputs obtained so far (remote ids an
 * operator needs to find paid work), the last step's answer, and for a spent outage budget the outage itself.
 */
function cause(
  message: string,
  stepId: string,
  statusCode: number | null,
  known: { outputs: Record<string, unknown>; steps: RunState['steps']; lastStep: RunControl['lastStep'] },
  counters: StepCounters | undefined,
  plan: StepPlan,
): string {
  const outage = counters?.outage === undefined ? {} : { outage: describeOutage(counters.outage, plan.transientRetry.budgetSeconds) };
  // A thrown cause travels inside Lambda's JSON error (escaped), so it gets less room than a Fail state's.
  const limit = counters?.outage === undefined ? MAX_CAUSE_LENGTH : MAX_THROWN_CAUSE_LENGTH;
  const { outputs, steps, lastStep } = known;
  const full = JSON.stringify({ message, step: stepId, statusCode, outputs, steps, lastStep, ...outage });
  if (full.length <= limit) return full;
  const note =
    limit === MAX_CAUSE_LENGTH
      ? `omitted: the cause would exceed the Step Functions limit of ${MAX_CAUSE_LENGTH} characters`
      : `omitted: the cause would exceed ${limit} characters (a thrown cause is escaped again inside Lambda's error)`;
  const brief = JSON.stringify({ message, step: stepId, statusCode, outputs, steps: note, lastStep: { ...lastStep, outputs: note }, ...outage });
  if (brief.length <= limit) return brief;
  // Cut by the escaped length: a quote or a backslash takes two characters in the JSON, a control character six.
  return JSON.stringify({ message: fittingStart(message, limit - 2_000), step: stepId, statusCode, ...outage });
}

/** The longest start of `text`, in whole code points, whose JSON string form (quotes aside) takes at most `room` characters. */
function fittingStart(text: string, room: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    used += JSON.stringify(char).length - 2;
    if (used > room) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/** What went wrong with the call, for the log: transient trouble, or an answer the runner refused. */
type Trouble = { transient: string; detail: string } | { refused: Refusal; detail: string };

function logEntry(
  plan: StepPlan,
  state: RunState,
  details: { statusCode: number | null; attempt: number; durationMs: number; transient?: string; refused?: Refusal; detail?: string },
): Record<string, unknown> {
  const { route, waitSeconds, iterations, cause: causeText } = state.control;
  const failed = causeText !== '';
  return {
    level: failed ? 'ERROR' : details.transient !== undefined ? 'WARN' : 'INFO',
    message: failed ? (JSON.parse(causeText) as { message: string }).message : `step ${plan.stepId} routed ${route}`,
    workflowId: plan.workflowId,
    stepId: plan.stepId,
    route,
    statusCode: details.statusCode,
    attempt: details.attempt,
    waitSeconds,
    iterations,
    durationMs: Math.max(0, Math.round(details.durationMs)),
    ...(details.transient !== undefined ? { transient: details.transient, detail: details.detail } : {}),
    ...(details.refused !== undefined ? { refused: details.refused, detail: details.detail } : {}),
  };
}

function parsePlan(text: string): StepPlan {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (error) {
    throw new Error(`event.plan is not JSON text (${(error as Error).message}); the compiled Task must pass the StepPlan as a JSON string`, {
      cause: error,
    });
  }
  if (typeof plan !== 'object' || plan === null || (plan as { version?: unknown }).version !== PLAN_VERSION) {
    throw new Error(
      `event.plan has version ${String((plan as { version?: unknown } | null)?.version)}; this step runner reads plan version ${PLAN_VERSION}. Redeploy the stack so the state machine and the step runner match`,
    );
  }
  return plan as StepPlan;
}

/** The Start state fills every field; this tolerates a hand-started run or an older state all the same. */
function completeState(state: Partial<RunState> | undefined): RunState {
  const control: Partial<RunControl> = state?.control ?? {};
  return {
    inputs: state?.inputs ?? {},
    steps: state?.steps ?? {},
    outputs: state?.outputs ?? {},
    ...(state?.workflows ? { workflows: state.workflows } : {}),
    control: {
      route: control.route ?? 'start',
      waitSeconds: control.waitSeconds ?? 0,
      iterations: control.iterations ?? 0,
      totalWaitSeconds: control.totalWaitSeconds ?? 0,
      attempts: control.attempts ?? {},
      lastStep: control.lastStep ?? { stepId: '', statusCode: null, outputs: {} },
      cause: control.cause ?? '',
    },
  };
}
