/**
 * Run input → paid API: nothing with side effects is called for a run that could not carry on after it.
 * A state whose inputs leave no room under the step runner's budget fails the step before a POST is sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialRunState, Route } from '../../lib/compile/step-plan.ts';
import { MAX_STATE_BYTES, SIDE_EFFECT_RESERVE_BYTES } from '../../lib/runtime/run-step.ts';
import { json, startTestServer, type TestServer } from '../support/http-server.ts';
import { causeMessage, runDeployed, securityPlan } from '../support/security-plan.ts';

let api: TestServer;
beforeAll(async () => {
  api = await startTestServer(json(201, { id: 'job-1' }));
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.received.length = 0;
});

const withNegativePrompt = (bytes: number) => initialRunState({ prompt: 'a fox', negativePrompt: 'n'.repeat(bytes) });

describe('a POST whose run state leaves no room for its answer', () => {
  it('is not sent: the step fails naming the largest inputs, and the API gets nothing', async () => {
    const { state, logs } = await runDeployed(securityPlan('POST', `${api.baseUrl}/jobs`), { state: withNegativePrompt(MAX_STATE_BYTES - 4096) });
    expect(api.received).toHaveLength(0);
    expect(state.control.route).toBe(Route.stepFailed);
    expect(causeMessage(state)).toMatch(/^step call was not called: its POST has side effects, and the run state is already \d+ KiB.*largest inputs: negativePrompt \(\d+ KiB\), prompt/);
    expect(logs[0]).toMatchObject({ level: 'ERROR', statusCode: null });
  });

  it('is sent when the state has the room', async () => {
    const { state } = await runDeployed(securityPlan('POST', `${api.baseUrl}/jobs`), { state: withNegativePrompt(MAX_STATE_BYTES - SIDE_EFFECT_RESERVE_BYTES - 4096) });
    expect(api.received).toHaveLength(1);
    expect(state.control.route).toBe(Route.next);
  });

  it('does not stop a GET, which changes nothing remotely', async () => {
    const { state } = await runDeployed(securityPlan('GET', `${api.baseUrl}/jobs/1`), { state: withNegativePrompt(MAX_STATE_BYTES - 4096) });
    expect(api.received).toHaveLength(1);
    expect(state.control.lastStep.statusCode).toBe(201);
  });
});
