/**
 * The webhook → run boundary, as the step runner sees it: a receive step's message is untrusted input. Only its
 * own message (by correlation ID) moves the step, only declared headers reach `$message.header`, an oversized
 * message is not read, and no message within the timeout fails the step so onFailure applies.
 * Generic documents (test/fixtures/receive), the step runner's two phases called as the definition calls them.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArazzo } from '../lib/arazzo/load.ts';
import { compileWorkflow } from '../lib/compile/compile-workflow.ts';
import { initialRunState, Route, type ReceiveState, type RunState, type StepPlan } from '../lib/compile/step-plan.ts';
import { runStep } from '../lib/runtime/run-step.ts';
import { staticSecretSource } from '../lib/runtime/secrets.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { deployedFor } from './support/deployed.ts';

const document = path.join(projectRoot, 'test/fixtures/receive/order-confirmation.arazzo.yml');
const compiled = compileWorkflow(loadArazzo(document), {
  serverUrls: { orders: 'http://127.0.0.1:9' },
  callbacks: { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' },
});
const plan = compiled.plans.find((p) => p.stepId === 'awaitConfirmation')!;
const T0 = Date.parse('2026-11-30T12:00:00Z');

function phase(which: 'start' | 'finish', state: RunState, now = T0, stepPlan: StepPlan = plan): Promise<RunState> {
  const text = JSON.stringify(stepPlan);
  return runStep(
    { plan: text, state, executionId: 'arn:aws:states:local:000000000000:execution:orders:run-1', phase: which },
    { deployed: deployedFor(text), secrets: staticSecretSource({}), fetch: () => Promise.reject(new Error('no HTTP in a receive step')), random: () => 0.5, log: () => undefined, now: () => now },
  );
}

/** The state after the place step: the order id a message must carry. */
function placed(): RunState {
  return { ...initialRunState({ item: 'tea' }), steps: { place: { orderId: 'o-7' } } };
}

const waiting = (receive: Partial<ReceiveState> = {}): RunState => ({
  ...placed(),
  receive: { correlationId: 'o-7', deadline: T0 + 600_000, timeoutSeconds: 600, ...receive },
});

describe('a receive step, phase start', () => {
  it('waits for the correlation ID its correlationId names, for the step\'s timeout in whole seconds', async () => {
    const next = await phase('start', placed());
    expect(next.control.route).toBe(Route.awaitMessage);
    expect(next.receive).toEqual({ correlationId: 'o-7', deadline: T0 + 600_000, timeoutSeconds: 600 });
  });

  it('fails the step without waiting when the correlationId does not resolve (no message could be told to be this run\'s)', async () => {
    const next = await phase('start', initialRunState({ item: 'tea' }));
    expect(next.control.route).toBe(Route.stepFailed);
    expect(next.receive).toBeUndefined();
    expect(JSON.parse(next.control.cause).message).toBe(
      'step awaitConfirmation: its correlationId does not resolve, so no message could be told to be this run\'s; the step fails without waiting',
    );
  });
});

describe('a receive step, phase finish', () => {
  it('its own message: successCriteria and outputs read $message.payload and $message.header, and the wait state is gone', async () => {
    const next = await phase('finish', waiting({ message: { payload: { orderId: 'o-7', status: 'confirmed' }, headers: { 'X-Event-Type': 'order.confirmed' } } }));
    expect(next.control.route).toBe(Route.next);
    expect(next.steps.awaitConfirmation).toEqual({ status: 'confirmed', eventType: 'order.confirmed' });
    expect(next).not.toHaveProperty('receive');
  });

  it('a message whose correlation ID is another order\'s has no effect: the step waits again for the time left', async () => {
    const next = await phase('finish', waiting({ message: { payload: { orderId: 'o-8', status: 'confirmed' }, headers: {} } }), T0 + 200_000);
    expect(next.control.route).toBe(Route.awaitMessage);
    expect(next.receive).toEqual({ correlationId: 'o-7', deadline: T0 + 600_000, timeoutSeconds: 400 });
    expect(next.steps).not.toHaveProperty('awaitConfirmation');
  });

  it('a message that is not its own after the deadline fails the step like a timeout: onFailure applies', async () => {
    const next = await phase('finish', waiting({ message: { payload: { orderId: 'o-8' }, headers: {} } }), T0 + 600_000);
    expect(next.control.route).toBe('noWordInTime');
  });

  it('no message (the wait timed out) fails the step: the catch-all onFailure goto applies, outputs stay null', async () => {
    const next = await phase('finish', waiting());
    expect(next.control.route).toBe('noWordInTime');
    expect(next.steps.awaitConfirmation).toBeUndefined();
    expect(next.control.lastStep).toEqual({ stepId: 'awaitConfirmation', statusCode: null, outputs: {} });
  });

  it('a message that fails the successCriteria routes by the onFailure criteria that read it', async () => {
    const next = await phase('finish', waiting({ message: { payload: { orderId: 'o-7', status: 'rejected' }, headers: {} } }));
    expect(next.control.route).toBe('notConfirmed');
    expect(JSON.parse(next.control.cause).message).toBe('step awaitConfirmation ended the run with notConfirmed (a message arrived but the successCriteria do not hold)');
  });

  it('keeps only the headers the AsyncAPI message declares (and content-type): nothing else reaches the state', async () => {
    const headers = { 'x-event-type': 'order.confirmed', 'content-type': 'application/json', authorization: 'Bearer stolen', cookie: 'session=1', 'x-amz-security-token': 't' };
    const withHeaders = { ...plan, outputs: { ...plan.outputs, auth: '$message.header.Authorization', type: '$message.header.Content-Type' } };
    const next = await phase('finish', waiting({ message: { payload: { orderId: 'o-7', status: 'confirmed' }, headers } }), T0, withHeaders);
    expect(next.steps.awaitConfirmation).toEqual({ status: 'confirmed', eventType: 'order.confirmed', auth: null, type: 'application/json' });
    expect(JSON.stringify(next)).not.toMatch(/stolen|session=1|x-amz/);
  });

  it('a message over the size bound is not read: the step fails, saying so', async () => {
    const payload = { orderId: 'o-7', status: 'confirmed', note: 'x'.repeat(plan.receive!.maxMessageBytes) };
    const next = await phase('finish', waiting({ message: { payload, headers: {} } }));
    expect(next.control.route).toBe(Route.stepFailed);
    expect(JSON.parse(next.control.cause).message).toMatch(/^step awaitConfirmation: the message is \d+ bytes, over the 32768 bytes a receive step accepts; it is not read$/);
    expect(JSON.stringify(next)).not.toContain('xxxxxxxxxx');
  });

  it('without a correlationId, any message of the run is the step\'s (spec: receiving any message within the timeout)', async () => {
    const { correlationId: _c, correlation: _l, ...receive } = plan.receive!;
    const anyMessage = { ...plan, receive };
    const next = await phase('finish', { ...placed(), receive: { deadline: T0 + 1000, timeoutSeconds: 1, message: { payload: { orderId: 'o-999', status: 'confirmed' }, headers: {} } } }, T0, anyMessage);
    expect(next.control.route).toBe(Route.next);
  });
});
