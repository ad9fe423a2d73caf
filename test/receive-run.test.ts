/**
 * A receive step run end to end, locally on a virtual clock: the place step gives the API the run's callback URL,
 * the receive step waits durably (no polls) until the API's webhook arrives, the message's correlation ID decides
 * whether it is the step's, and the timeout fails the step so onFailure applies. Generic orders API, no Civitai.
 */
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArazzo } from '../lib/arazzo/load.ts';
import type { CompileOptions } from '../lib/compile/compile-options.ts';
import { compileWorkflow } from '../lib/compile/compile-workflow.ts';
import { VirtualClock } from '../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../local/local-execution.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { startOrderWebhooks, type OrderMessage, type OrderWebhooks } from './support/order-webhooks.ts';

const document = path.join(projectRoot, 'test/fixtures/receive/order-confirmation.arazzo.yml');
const CALLBACKS: NonNullable<CompileOptions['callbacks']> = { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' };
const confirmed = (afterSeconds: number, orderId = 'o-7', status = 'confirmed'): OrderMessage => ({
  afterSeconds,
  payload: { orderId, status, total: 12.5 },
  headers: { 'X-Event-Type': `order.${status}`, Authorization: 'Bearer not-for-the-run', 'X-Internal-Trace': 'trace-not-declared' },
});

let api: OrderWebhooks | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function run(messages: OrderMessage[]): Promise<{ result: LocalExecutionResult; startedAt: number; endedAt: number }> {
  const clock = new VirtualClock();
  const startedAt = clock.now();
  api = await startOrderWebhooks(clock, messages);
  const { definition } = compileWorkflow(loadArazzo(document), { serverUrls: { orders: api.baseUrl }, callbacks: CALLBACKS });
  const result = await executeLocally({ definition, input: { item: 'tea' }, clock, executionName: 'order-1' });
  return { result, startedAt, endedAt: clock.now() };
}

const entered = (result: LocalExecutionResult, state: string) => result.events.filter((e) => e.type === 'StateEntered' && e.stateName === state).length;

describe('a receive step, run locally', () => {
  it('waits without polling until its message arrives, then its outputs read $message.payload and $message.header', async () => {
    const { result, startedAt, endedAt } = await run([confirmed(300)]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'o-7', confirmation: 'confirmed', status: 'confirmed' });
    expect(api!.answers).toEqual([202]);
    // Noticed when the webhook landed, 300 s in: one wait, no polls of the order while waiting.
    expect((endedAt - startedAt) / 1000).toBe(300);
    expect(entered(result, 'Receive awaitConfirmation')).toBe(1);
    expect(entered(result, 'readOrder')).toBe(1);
  });

  it('keeps the callback token out of outputs, events and logs; only declared headers reach the outputs', async () => {
    const { result } = await run([confirmed(5)]);
    const token = api!.notifyUrls[0]!.split('/').pop()!;
    expect(api!.notifyUrls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callbacks\/[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify({ output: result.output, events: result.events, logs: result.logs })).not.toContain(token);
    // The receiver drops credentials before the run sees the message; the finish phase keeps only declared headers.
    expect(JSON.stringify(result.events)).not.toContain('not-for-the-run');
    const judged = result.events.find((e) => e.type === 'StateExited' && e.stateName === 'Message of awaitConfirmation')!.output as { steps: Record<string, unknown> };
    expect(judged.steps.awaitConfirmation).toEqual({ status: 'confirmed', eventType: 'order.confirmed' });
    expect(JSON.stringify({ output: result.output, logs: result.logs, judged })).not.toContain('trace-not-declared');
  });

  it('no message within the timeout fails the step: its onFailure goto reads the order instead', async () => {
    const { result, startedAt, endedAt } = await run([]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'o-7', confirmation: null, status: 'confirmed' });
    expect((endedAt - startedAt) / 1000).toBe(600);
    expect(result.logs.find((log) => log.stepId === 'awaitConfirmation' && log.route === 'noWordInTime')).toBeDefined();
  });

  it('a message that fails the successCriteria routes by the onFailure criteria that read it (a rejection ends the run as a failure)', async () => {
    const { result } = await run([confirmed(10, 'o-7', 'rejected')]);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('notConfirmed');
    expect(JSON.parse(result.cause!).message).toBe('step awaitConfirmation ended the run with notConfirmed (a message arrived but the successCriteria do not hold)');
  });
});

describe('correlation', () => {
  it('a message about another order has no effect: the step still takes its own when it arrives', async () => {
    const { result, startedAt, endedAt } = await run([confirmed(60, 'o-8'), confirmed(120)]);
    expect(api!.answers).toEqual([202, 202]);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ confirmation: 'confirmed' });
    expect((endedAt - startedAt) / 1000).toBe(120);
  });
});
