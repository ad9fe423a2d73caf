/**
 * Rules of Arazzo 1.1 receive steps, observed on the compiled state machine: what the step waits on, for how
 * long, what the console says, and the run's time budget. Built inside each test (mutation testing credits no
 * code run in beforeAll or a describe body); the document is test/fixtures/receive's, edited per test.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import { WAIT_FOR_TASK_TOKEN } from '../../lib/compile/wake-wait.ts';
import { projectRoot } from '../support/compile-fixture.ts';

const receiveFixtures = path.join(projectRoot, 'test/fixtures/receive');
const callbacks: NonNullable<CompileOptions['callbacks']> = { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' };

/** The order-confirmation workflow (its receive step: awaitConfirmation, 600 s), with one edit to its text. */
function compileReceive(edit: (text: string) => string = (text) => text, options: CompileOptions = {}) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'receive-step-rules-'));
  for (const name of readdirSync(receiveFixtures)) copyFileSync(path.join(receiveFixtures, name), path.join(scratch, name));
  const file = path.join(scratch, 'order-confirmation.arazzo.yml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  try {
    const compiled = compileWorkflow(loadArazzo(file), { serverUrls: { orders: 'https://orders.example.test' }, callbacks, ...options });
    return { ...compiled, receive: compiled.plans.find((plan) => plan.stepId === 'awaitConfirmation')!.receive! };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('a receive step', () => {
  it('named by an AsyncAPI operation waits on <source>#/operations/<operationId>, for the message whose correlation ID is its correlationId, and the console says so', () => {
    const { definition, receive } = compileReceive();
    expect(receive).toMatchObject({ channel: 'orderEvents#/operations/sendOrderEvent', correlationId: '$steps.place.outputs.orderId', correlation: { in: 'payload', pointer: '/orderId' } });
    expect(definition.States['Ready to receive awaitConfirmation']).toMatchObject({
      Choices: [{ StringEquals: 'awaitMessage', Next: 'Receive awaitConfirmation', Comment: 'wait for a message on orderEvents#/operations/sendOrderEvent' }],
    });
    expect(definition.States['Receive awaitConfirmation']!.Comment).toBe('Arazzo step awaitConfirmation: waits for a message on orderEvents#/operations/sendOrderEvent, at most 600 s');
  });

  it('without a correlationId takes the next message on its channel: its plan names no correlation', () => {
    const { receive } = compileReceive((text) => text.replace('        correlationId: $steps.place.outputs.orderId\n', ''));
    expect(receive).not.toHaveProperty('correlationId');
    expect(receive).not.toHaveProperty('correlation');
  });

  it('without a timeout waits as long as the deployment\'s loop budget allows waiting, and the run\'s time budget holds that wait', () => {
    const { definition, receive } = compileReceive((text) => text.replace('        timeout: 600000\n', ''), { loopLimit: { maxTotalWaitSeconds: 5400 } });
    expect(receive.timeoutSeconds).toBe(5400);
    expect(definition.States['Receive awaitConfirmation']!.Comment).toMatch(/, at most 5400 s$/);
    expect(definition.TimeoutSeconds).toBe(5400 + 3600 + 5400);
  });

  it("adds its timeout to the run's time budget: the loop budget, an hour, and each receive step's wait", () => {
    const { definition } = compileReceive((text) => text.replace('timeout: 600000', 'timeout: 1200000'), { loopLimit: { maxTotalWaitSeconds: 5400 } });
    expect(definition.TimeoutSeconds).toBe(5400 + 3600 + 1200);
  });

  it('runs the step runner twice: phase start before the wait, phase finish on the message, then its Choice', () => {
    const { definition } = compileReceive();
    expect(definition.States.awaitConfirmation).toMatchObject({ Type: 'Task', Next: 'Ready to receive awaitConfirmation', Parameters: { Payload: { phase: 'start' } } });
    expect(definition.States['Message of awaitConfirmation']).toMatchObject({ Type: 'Task', Next: 'After awaitConfirmation', Parameters: { Payload: { phase: 'finish' } } });
  });

  it("sends a message that was not its own back to the wait from its Choice, saying why on the rule", () => {
    const { definition } = compileReceive();
    const after = definition.States['After awaitConfirmation'];
    expect(after?.Type).toBe('Choice');
    const again = after?.Type === 'Choice' ? after.Choices.filter((rule) => rule.StringEquals === 'awaitMessage') : [];
    expect(again).toEqual([{ Variable: '$.control.route', StringEquals: 'awaitMessage', Next: 'Receive awaitConfirmation', Comment: "not this step's message: wait again for the time left" }]);
  });

  it("waits in a waitForTaskToken Task that retries the registrar's throttling and service errors, and hands its own timeout to the finish phase", () => {
    const wait = compileReceive().definition.States['Receive awaitConfirmation'];
    expect(wait).toMatchObject({ Type: 'Task', Resource: WAIT_FOR_TASK_TOKEN, Next: 'Message of awaitConfirmation' });
    expect(wait).toHaveProperty('Retry', [expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException', 'Lambda.ServiceException']) })]);
    expect(wait).toHaveProperty('Catch', [{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'Message of awaitConfirmation' }]);
  });
});
