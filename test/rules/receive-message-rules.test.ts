/**
 * Rules of a receive step's message, through the step runner's public function (runStep, both phases): what a
 * correlationId that is not a string or number does, how a message is matched to the run by a header or by a
 * payload value, and what the cause says when no message came. Plans are built inside each test (mutation
 * testing credits no code run outside an `it`).
 */
import { describe, expect, it } from 'vitest';
import { initialRunState, Route, type ReceivePlan, type ReceiveState, type RunState } from '../../lib/compile/step-plan.ts';
import { runStep } from '../../lib/runtime/run-step.ts';
import { staticSecretSource } from '../../lib/runtime/secrets.ts';
import { deployedFor } from '../support/deployed.ts';
import { causeOf, EXECUTION_ID, stepPlan } from './step-harness.ts';

const T0 = Date.parse('2026-11-30T12:00:00Z');

const receivePlan = (receive: Partial<ReceivePlan> = {}) =>
  stepPlan({
    stepId: 'confirm',
    receive: {
      channel: 'events#/channels/orders',
      correlationId: '$inputs.orderId',
      correlation: { in: 'payload', pointer: '/orderId' },
      headers: ['x-event-type'],
      timeoutSeconds: 600,
      maxMessageBytes: 32_768,
      ...receive,
    },
  });

function phase(which: 'start' | 'finish', plan: ReturnType<typeof receivePlan>, state: RunState, now = T0): Promise<RunState> {
  const text = JSON.stringify(plan);
  return runStep(
    { plan: text, state, executionId: EXECUTION_ID, phase: which },
    { deployed: deployedFor(text), secrets: staticSecretSource({}), fetch: () => Promise.reject(new Error('no HTTP in a receive step')), random: () => 0.5, log: () => undefined, now: () => now },
  );
}

/** The state the finish phase reads: the wait under way (for order o-7 unless said otherwise) and what it delivered. */
const delivered = (receive: Omit<Partial<ReceiveState>, 'message'> & { message?: unknown }): RunState => ({
  ...initialRunState({}),
  receive: { correlationId: 'o-7', deadline: T0 + 600_000, timeoutSeconds: 600, ...receive } as ReceiveState,
});

describe("a receive step's correlationId", () => {
  it('that resolves to an array, an object or a boolean fails the step without waiting, saying what it is', async () => {
    for (const [orderId, what] of [[['o-7'], 'an array'], [{ id: 'o-7' }, 'object'], [true, 'boolean']] as const) {
      const next = await phase('start', receivePlan(), initialRunState({ orderId }));
      expect(next.control.route).toBe(Route.stepFailed);
      expect(causeOf(next).message).toBe(
        `step confirm: its correlationId is ${what}, not a string or number, so no message could be told to be this run's; the step fails without waiting`,
      );
    }
  });
});

describe('a message matched to the run by a header', () => {
  it("correlates when the header the location names (any case) holds this run's ID, and not when it holds another's", async () => {
    const plan = receivePlan({ correlation: { in: 'header', pointer: '/X-Correlation-Id' }, headers: ['x-correlation-id'] });
    const own = await phase('finish', plan, delivered({ message: { payload: {}, headers: { 'X-Correlation-Id': 'o-7' } } }));
    expect(own.control.route).toBe(Route.next);
    const other = await phase('finish', plan, delivered({ message: { payload: {}, headers: { 'x-correlation-id': 'o-8' } } }));
    expect(other.control.route).toBe(Route.awaitMessage);
  });

  it('never correlates by a location deeper than the header name: a header is a string, it has no members', async () => {
    const plan = receivePlan({ correlation: { in: 'header', pointer: '/x-correlation-id/0' }, headers: ['x-correlation-id'] });
    const next = await phase('finish', plan, delivered({ message: { payload: {}, headers: { 'x-correlation-id': 'o-7' } } }));
    expect(next.control.route).toBe(Route.awaitMessage);
  });

  it('correlates even when the message does not also list that header among its headers: the location declares it, so $message.header reads it', async () => {
    const plan = { ...receivePlan({ correlation: { in: 'header', pointer: '/X-Correlation-Id' }, headers: [] }), outputs: { order: '$message.header.X-Correlation-Id' } };
    const next = await phase('finish', plan, delivered({ message: { payload: {}, headers: { 'x-correlation-id': 'o-7' } } }));
    expect(next.control.route).toBe(Route.next);
    expect(next.steps.confirm).toEqual({ order: 'o-7' });
  });
});

describe('a message matched to the run by a payload value', () => {
  it('correlates when the value is a number whose text is the ID', async () => {
    const next = await phase('finish', receivePlan(), delivered({ correlationId: '7', message: { payload: { orderId: 7 }, headers: {} } }));
    expect(next.control.route).toBe(Route.next);
  });
});

describe("a message's headers", () => {
  it('are only those the message lists (and content-type) when the correlation ID is in the payload or there is none: a header named like the payload field is dropped', async () => {
    const headers = { orderid: 'o-7', 'x-event-type': 'order.confirmed', 'x-other': 'dropped' };
    const outputs = { byName: '$message.header.orderid', type: '$message.header.x-event-type', other: '$message.header.x-other' };
    const { correlationId: _id, correlation: _at, ...anyMessage } = receivePlan().receive!;
    for (const plan of [receivePlan(), stepPlan({ stepId: 'confirm', receive: anyMessage })]) {
      const next = await phase('finish', { ...plan, outputs }, delivered({ message: { payload: { orderId: 'o-7' }, headers } }));
      expect(next.steps.confirm).toEqual({ byName: null, type: 'order.confirmed', other: null });
    }
  });
});

describe('a receive step that got no message', () => {
  it('without a correlationId times out saying only that no message arrived within its timeout', async () => {
    const { correlationId: _id, correlation: _at, ...anyMessage } = receivePlan().receive!;
    const next = await phase('finish', stepPlan({ stepId: 'confirm', receive: anyMessage }), { ...initialRunState({}), receive: { deadline: T0, timeoutSeconds: 600 } });
    expect(causeOf(next).message).toBe("step confirm failed: no message arrived within 600 s (the step's timeout) and no onFailure action matched");
  });

  it('fails, saying so, when the wake delivered something that is not a message object', async () => {
    for (const message of [null, 'confirmed', ['o-7']]) {
      const next = await phase('finish', receivePlan(), delivered({ message }));
      expect(next.control.route).toBe(Route.stepFailed);
      expect(causeOf(next).message).toBe('step confirm: the callback delivered no message object');
    }
  });
});
