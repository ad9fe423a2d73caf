/**
 * The second Civitai document (Arazzo 1.1, woken by Civitai's workflow callback), deployed with -c variant=callback:
 * it synthesizes next to the default polling document, waits for the callback with a receive step on the AsyncAPI
 * description of Civitai's webhook, takes its route and outputs from the authenticated read, and cdk-nag stays clean.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { WAIT_FOR_TASK_TOKEN } from '../lib/compile/wake-wait.ts';
import type { CivitaiSimulatorOptions } from '../local/civitai-simulator.ts';
import { shippedConfig, synthShippedStack } from './support/civitai-stack.ts';
import { runCivitai, taskVisits, TEST_API_KEY } from './support/local-run.ts';
import { unacknowledgedNagFindings } from './support/nag.ts';

type Machine = { Properties: { DefinitionString: unknown } };
const definitionOf = (template: Template) => JSON.stringify((Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as Machine).Properties.DefinitionString);

describe('-c variant=callback', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthShippedStack({ variant: 'callback' }));
  });

  it('deploys the Arazzo 1.1 callback document as its own stack; the default stays the polling document', () => {
    expect(shippedConfig({ variant: 'callback' })).toMatchObject({ stackName: 'CivitaiImageGenerationCallback', workflowId: 'image-generation-callback' });
    expect(shippedConfig()).toMatchObject({ stackName: 'CivitaiImageGeneration', workflowId: 'image-generation-poll' });
  });

  it('waits for Civitai\'s callback in "Receive awaitCallback", after the submit that carries the run\'s URL at /callbacks/0/url', () => {
    const text = definitionOf(template);
    expect(text).toContain('Receive awaitCallback');
    expect(text).toContain(WAIT_FOR_TASK_TOKEN);
    expect(text).toContain('/callbacks/0/url');
    expect(text).toContain('workflow:succeeded');
    // Exactly one wake-up wait: the receive step's; the read's own loop keeps plain Waits.
    expect(text.split(WAIT_FOR_TASK_TOKEN).length - 1).toBe(1);
  });

  it('serves the callback route', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{token}' });
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedNagFindings((app) => synthShippedStack({ variant: 'callback' }, app))).toBe('');
  });
});

describe('the callback document run locally against the Civitai simulator (-c variant=callback)', () => {
  const JOB: CivitaiSimulatorOptions['jobPlan'] = { phaseMs: { unassigned: 0, preparing: 0, scheduled: 0, processing: 300_000 } };
  const run = (callbacks: CivitaiSimulatorOptions['callbacks'] = {}) => runCivitai({ config: { variant: 'callback' }, simulator: { jobPlan: JOB, callbacks } });

  it('is woken by Civitai\'s callback when the job ends, without polling, and takes its outputs from the authenticated read', async () => {
    const { result, simulator, endedAt } = await run();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded', firstImageUrl: expect.stringMatching(/^https?:/) });
    expect(simulator.callbacks().map((c) => c.outcome)).toEqual([202]);
    // Noticed at the callback: the run ends when the job's callback lands, after one wait and one read.
    expect(endedAt).toBe(simulator.callbacks()[0]!.at);
    expect(taskVisits(result, 'Receive awaitCallback')).toBe(1);
    expect(taskVisits(result, 'readOutputs')).toBe(1);
  });

  it('with the callback lost, reads the workflow when the receive step times out (10 minutes), and still succeeds', async () => {
    const { result, simulator } = await run({ lossRate: 1 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded' });
    expect(simulator.callbacks().map((c) => c.outcome)).toEqual(['lost']);
    expect(result.logs.find((log) => log.stepId === 'awaitCallback' && log.route === 'noCallback')).toBeDefined();
  });

  it('with the callback duplicated, runs as with one: the copies wake nothing more', async () => {
    const { result, simulator } = await run({ copies: 3 });
    expect(result.status).toBe('SUCCEEDED');
    expect(simulator.callbacks().map((c) => c.outcome)).toEqual([202, 202, 202]);
    expect(taskVisits(result, 'readOutputs')).toBe(1);
  });

  it('keeps the API key and the callback token out of the outputs, events and logs', async () => {
    const { result } = await run();
    const seen = JSON.stringify({ output: result.output, events: result.events, logs: result.logs });
    expect(seen).not.toContain(TEST_API_KEY);
    expect(seen).not.toMatch(/\/callbacks\/[A-Za-z0-9_-]{43}/);
  });
});
