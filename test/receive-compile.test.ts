/**
 * What an Arazzo 1.1 receive step compiles to: the step runner says what to wait for, the durable wake-up wait
 * (waitForTaskToken, bounded by the time left of the step's timeout) takes the message, the step runner judges it.
 * And what the deployment must say for it: where the run's callback URL goes, before the receive step.
 * Generic documents (test/fixtures/receive), nothing Civitai-specific.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadArazzo } from '../lib/arazzo/load.ts';
import { compileWorkflowSet } from '../lib/compile/compile-document.ts';
import type { AslState } from '../lib/compile/asl.ts';
import type { CompileOptions } from '../lib/compile/compile-options.ts';
import { compileWorkflow } from '../lib/compile/compile-workflow.ts';
import { WAIT_FOR_TASK_TOKEN } from '../lib/compile/wake-wait.ts';
import { projectRoot, validateAsl } from './support/compile-fixture.ts';

const document = path.join(projectRoot, 'test/fixtures/receive/order-confirmation.arazzo.yml');
const CALLBACKS: NonNullable<CompileOptions['callbacks']> = { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' };
const compile = (options: CompileOptions = {}) => compileWorkflow(loadArazzo(document), { serverUrls: { orders: 'https://orders.example.test' }, callbacks: CALLBACKS, ...options });

type TaskState = AslState & { Resource?: string; Parameters?: { Payload?: Record<string, unknown> }; Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: unknown }> };

describe('a receive step compiles to', () => {
  const { definition, plans } = compile();
  const states = definition.States as Record<string, TaskState>;

  it('the step runner (phase start), a Choice into the wait, the wake-up wait, the step runner (phase finish), then After', () => {
    expect(states.awaitConfirmation).toMatchObject({ Type: 'Task', Next: 'Ready to receive awaitConfirmation', Parameters: { Payload: { phase: 'start' } } });
    expect(states['Ready to receive awaitConfirmation']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.control.route', StringEquals: 'awaitMessage', Next: 'Receive awaitConfirmation' }],
      Default: 'After awaitConfirmation',
    });
    expect(states['Message of awaitConfirmation']).toMatchObject({ Type: 'Task', Next: 'After awaitConfirmation', Parameters: { Payload: { phase: 'finish' } } });
    expect(validateAsl(definition)).toEqual([]);
  });

  it('a waitForTaskToken wait for this step, bounded by the time left of its timeout, the message in $.receive.message', () => {
    const wait = states['Receive awaitConfirmation']!;
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: WAIT_FOR_TASK_TOKEN,
      TimeoutSecondsPath: '$.receive.timeoutSeconds',
      ResultPath: '$.receive.message',
      Next: 'Message of awaitConfirmation',
    });
    expect(wait.Parameters!.Payload).toMatchObject({ waitId: 'awaitConfirmation', 'taskToken.$': '$$.Task.Token', 'timeoutSeconds.$': '$.receive.timeoutSeconds' });
    // The timeout is caught and judged by the finish phase (the step fails, so onFailure applies), never a run failure by itself.
    expect(wait.Catch).toEqual([{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'Message of awaitConfirmation' }]);
    expect(plans.find((plan) => plan.stepId === 'awaitConfirmation')!.receive).toMatchObject({ timeoutSeconds: 600, correlation: { in: 'payload', pointer: '/orderId' }, headers: ['x-event-type'] });
  });

  it('a Choice after it that sends a message that was not its own back to the wait, and the actions like any step', () => {
    const after = states['After awaitConfirmation'] as { Choices: Array<{ StringEquals: string; Next: string }> };
    const routes = Object.fromEntries(after.Choices.map((choice) => [choice.StringEquals, choice.Next]));
    expect(routes).toMatchObject({ next: 'readOrder', awaitMessage: 'Receive awaitConfirmation', noWordInTime: 'readOrder', notConfirmed: 'awaitConfirmation: notConfirmed' });
  });

  it('its "Wait before" stays a plain Wait (the wake-up wait is the receive step\'s own), and the place step carries the URL for it', () => {
    expect(states['Wait before awaitConfirmation']).toMatchObject({ Type: 'Wait' });
    expect(Object.values(states).filter((state) => state.Resource === WAIT_FOR_TASK_TOKEN)).toHaveLength(1);
    const place = plans.find((plan) => plan.stepId === 'place')!;
    // Reusable: a message that is not the step's own cannot use the run's URL up.
    expect(place.callback).toMatchObject({ in: 'body', name: '/notifyUrl', waitId: 'awaitConfirmation', reusable: true });
    // The callback URL outlives the wait: the run's loop budget, an hour, and the receive step's 600 s.
    expect(place.callback!.ttlSeconds).toBe(plan0().loopLimit.maxTotalWaitSeconds + 3600 + 600);
  });

  it('a run time budget that includes the receive step\'s timeout', () => {
    expect(definition.TimeoutSeconds).toBe(plan0().loopLimit.maxTotalWaitSeconds + 3600 + 600);
  });

  const plan0 = () => plans[0]!;
});

describe('a receive step is refused at synth', () => {
  it('when the deployment does not say where the run\'s callback URL goes, naming the option to set', () => {
    expect(() => compile({ callbacks: undefined })).toThrow(
      /deployment option callbacks: is not set, but receive step 'awaitConfirmation' waits for a callback: say which step's request carries the run's callback URL and where/,
    );
  });

  it('when the callback wakes another step', () => {
    expect(() => compile({ callbacks: { ...CALLBACKS, wakes: 'readOrder' } })).toThrow(/deployment option callbacks\.wakes: names step 'readOrder', which has no goto action back to itself/);
  });

  it('when the URL would go out only after the receive step has started waiting', () => {
    expect(() => compile({ callbacks: { ...CALLBACKS, url: { step: 'readOrder', in: 'query', name: 'notify' } } })).toThrow(
      /deployment option callbacks\.url\.step: names step 'readOrder', which does not run before the receive step 'awaitConfirmation'/,
    );
  });
});

describe('a receive step in a workflow another workflow runs', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'receive-child-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  cpSync(path.dirname(document), scratch, { recursive: true });
  const composed = parse(readFileSync(document, 'utf8'));
  composed.workflows.unshift({
    workflowId: 'orderAndConfirm',
    inputs: { type: 'object', properties: { item: { type: 'string' } } },
    steps: [{ stepId: 'confirm', workflowId: 'confirmOrder', parameters: [{ name: 'item', value: '$inputs.item' }] }],
  });
  const file = path.join(scratch, 'composed.arazzo.yml');
  writeFileSync(file, stringify(composed));

  // A called workflow is a nested execution without the run's callback URL; `callbacks` names the deployed workflow's steps.
  it('is refused at the step, saying to move it into the deployed workflow or deploy the called one, with or without callbacks', () => {
    const refusal = `${file} › workflows[confirmOrder] › steps[awaitConfirmation]: is a receive step in workflow confirmOrder, which workflow orderAndConfirm runs; only the deployed workflow's steps can wait for the run's callback, so move the receive step into workflow orderAndConfirm, or deploy confirmOrder on its own (deployment option workflowId)`;
    const serverUrls = { orders: 'https://orders.example.test' };
    expect(() => compileWorkflowSet(loadArazzo(file), { serverUrls })).toThrow(refusal);
    expect(() => compileWorkflowSet(loadArazzo(file), { serverUrls, callbacks: CALLBACKS })).toThrow(refusal);
  });

  it('deployed on its own, the same workflow compiles', () => {
    const set = compileWorkflowSet(loadArazzo(file), { workflowId: 'confirmOrder', serverUrls: { orders: 'https://orders.example.test' }, callbacks: CALLBACKS });
    expect(set.root.definition.States['Receive awaitConfirmation']).toMatchObject({ Resource: WAIT_FOR_TASK_TOKEN });
  });
});
