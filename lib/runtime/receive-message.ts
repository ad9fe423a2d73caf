/**
 * The step runner's two phases of an Arazzo 1.1 receive step (see lib/compile/receive-step.ts).
 *
 * start: evaluates the step's correlationId (the message it waits for) and the deadline its `timeout` sets,
 * and routes `awaitMessage`, so the definition enters the durable wait.
 * finish: reads what the wait left in `state.receive`: a message, or nothing (the wait timed out). A message
 * is untrusted input: only the headers the AsyncAPI message declares (in its headers or as its correlation ID's
 * location) are kept, a message over the size bound fails the step, and one whose correlation ID is not this
 * step's changes nothing (the step waits again for the time left). Then it routes like any step: successCriteria
 * and outputs read `$message.payload` and `$message.header.<name>`; no message within the timeout fails the step,
 * so onFailure applies.
 */
import { evaluateCriteria } from '../arazzo/criteria.ts';
import { resolvePointer, resolveValue, type ExpressionContext } from '../arazzo/expressions.ts';
import { Route, type ReceivedMessage, type ReceiveState, type RunState, type StepPlan } from '../compile/step-plan.ts';
import { chooseRoute, type StepCounters, type StepOutcome } from './choose-route.ts';
import { takeRoute, type RouteTaken } from './loop-control.ts';
import type { WorkflowCallDeps } from './workflow-call.ts';
import { isRecord } from '../arazzo/json-values.ts';
import { unescapeToken } from '../arazzo/pointer-tokens.ts';

export interface ReceiveDeps extends WorkflowCallDeps {
  /** Epoch milliseconds. */
  now: () => number;
}

/** Phase start: what the step waits for and until when, and the route into the wait. */
export function startReceive(plan: StepPlan, state: RunState, context: ExpressionContext, counters: StepCounters, deps: ReceiveDeps): RunState {
  const receive = plan.receive!;
  let correlationId: string | undefined;
  if (receive.correlationId !== undefined) {
    const value = resolveValue(receive.correlationId, context);
    if (typeof value !== 'string' && typeof value !== 'number') {
      const why = value === undefined ? 'does not resolve' : `is ${Array.isArray(value) ? 'an array' : typeof value}, not a string or number`;
      const route = failing(state, `step ${plan.stepId}: its correlationId ${why}, so no message could be told to be this run's; the step fails without waiting`);
      return deps.finish(state, plan, { route, statusCode: null });
    }
    correlationId = String(value);
  }
  const deadline = deps.now() + receive.timeoutSeconds * 1000;
  return withWait(deps.finish(state, plan, { route: awaiting(state, counters), statusCode: null }), {
    ...(correlationId !== undefined ? { correlationId } : {}),
    deadline,
    timeoutSeconds: receive.timeoutSeconds,
  });
}

/** Phase finish: the message (or the wait's error) judged as the step's outcome. */
export function finishReceive(
  plan: StepPlan,
  state: RunState,
  receive: ReceiveState | undefined,
  context: ExpressionContext,
  counters: StepCounters,
  deps: ReceiveDeps,
): RunState {
  const plannedSeconds = plan.receive!.timeoutSeconds;
  if (receive?.message !== undefined) {
    const checked = checkMessage(plan, receive.message);
    if ('problem' in checked) {
      return deps.finish(state, plan, { route: failing(state, `step ${plan.stepId}: ${checked.problem}`), statusCode: null });
    }
    if (!correlates(plan, receive.correlationId, checked.message)) {
      // Not this step's message: no effect. Wait again for what is left of the timeout.
      const left = Math.ceil((receive.deadline - deps.now()) / 1000);
      if (left >= 1) return withWait(deps.finish(state, plan, { route: awaiting(state, counters), statusCode: null }), { ...receive, message: undefined, timeoutSeconds: left });
      return judge(plan, state, context, counters, deps, undefined, `no message with correlation ID ${receive.correlationId} arrived within ${plannedSeconds} s (the step's timeout)`);
    }
    return judge(plan, state, context, counters, deps, checked.message, 'a message');
  }
  // No message: the wait timed out (its Catch leaves the state as it was).
  const waitedFor = receive?.correlationId !== undefined ? ` with correlation ID ${receive.correlationId}` : '';
  return judge(plan, state, context, counters, deps, undefined, `no message${waitedFor} arrived within ${plannedSeconds} s (the step's timeout)`);
}

function judge(
  plan: StepPlan,
  state: RunState,
  context: ExpressionContext,
  counters: StepCounters,
  deps: ReceiveDeps,
  message: ReceivedMessage | undefined,
  described: string,
): RunState {
  const messageContext: ExpressionContext = { ...context, ...(message ? { message } : {}) };
  let outcome: StepOutcome;
  if (message !== undefined) {
    // Arazzo 1.1: without successCriteria, any matching message within the timeout is a success.
    const success = plan.successCriteria.length === 0 || evaluateCriteria(plan.successCriteria, messageContext);
    outcome = { success, described: success ? 'a message arrived' : 'a message arrived but the successCriteria do not hold', criteriaFailed: !success };
  } else {
    outcome = { success: false, described, criteriaFailed: false };
  }
  const choice = chooseRoute(plan, outcome, counters, messageContext);
  let route = takeRoute(plan, choice, state.control, counters, undefined, deps.random);
  if (route.failure === undefined && choice.kind === 'action' && (choice.action.endsInFailure || (choice.action.type === 'end' && plan.onFailure.includes(choice.action)))) {
    route = { ...route, failure: `step ${plan.stepId} ended the run with ${choice.action.name} (${outcome.described})` };
  }
  // Outputs are evaluated only from a message: a timeout leaves them null, as a failed call does.
  return deps.finish(state, plan, { route, statusCode: null, ...(message ? { responseContext: messageContext } : {}) });
}

/**
 * The message as the step may see it: a JSON object of `payload` and string `headers`, only the declared
 * headers kept (and content-type), names in lower case, within the plan's size bound.
 */
export function checkMessage(plan: StepPlan, raw: unknown): { message: ReceivedMessage } | { problem: string } {
  const receive = plan.receive!;
  if (!isRecord(raw)) return { problem: 'the callback delivered no message object' };
  // The header the AsyncAPI message carries its correlation ID in is declared by that location, listed in its headers or not.
  const correlationHeader = receive.correlation?.in === 'header' ? [headerLocation(receive.correlation.pointer).name] : [];
  const allowed = new Set([...receive.headers, 'content-type', ...correlationHeader]);
  const headers: Record<string, string> = {};
  if (isRecord(raw.headers)) {
    for (const [name, value] of Object.entries(raw.headers)) {
      const lower = name.toLowerCase();
      if (allowed.has(lower) && typeof value === 'string') headers[lower] = value;
    }
  }
  const message: ReceivedMessage = { payload: raw.payload ?? null, headers };
  const bytes = Buffer.byteLength(JSON.stringify(message));
  if (bytes > receive.maxMessageBytes) {
    return { problem: `the message is ${bytes} bytes, over the ${receive.maxMessageBytes} bytes a receive step accepts; it is not read` };
  }
  return { message };
}

/** Whether the message carries this step's correlation ID where the AsyncAPI message says it does. */
function correlates(plan: StepPlan, expected: string | undefined, message: ReceivedMessage): boolean {
  const location = plan.receive!.correlation;
  if (expected === undefined || location === undefined) return true;
  let value: unknown;
  if (location.in === 'payload') {
    value = resolvePointer(message.payload, location.pointer);
  } else {
    const { name, deeper } = headerLocation(location.pointer);
    value = deeper ? undefined : message.headers[name];
  }
  return (typeof value === 'string' || typeof value === 'number') && String(value) === expected;
}

/** A `$message.header#/<name>` location: the header's name in lower case, and whether it points deeper (a header is a string: nothing there). */
function headerLocation(pointer: string): { name: string; deeper: boolean } {
  const [name, ...rest] = pointer.split('/').slice(1);
  return { name: unescapeToken(name ?? '').toLowerCase(), deeper: rest.length > 0 };
}

function awaiting(state: RunState, counters: StepCounters): RouteTaken {
  return { route: Route.awaitMessage, waitSeconds: 0, iterations: state.control.iterations, totalWaitSeconds: state.control.totalWaitSeconds, counters };
}

function failing(state: RunState, message: string): RouteTaken {
  return {
    route: Route.stepFailed,
    waitSeconds: 0,
    iterations: state.control.iterations,
    totalWaitSeconds: state.control.totalWaitSeconds,
    counters: { transient: 0, retries: 0, loops: 0 },
    failure: message,
  };
}

function withWait(state: RunState, receive: ReceiveState): RunState {
  const { message: _message, ...waiting } = receive;
  return { ...state, receive: waiting };
}
