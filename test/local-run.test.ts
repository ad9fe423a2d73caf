/**
 * End to end through the local runner: the synthesized definition, run by a real ASL interpreter,
 * its Tasks running the real step runner against the Civitai simulator on virtual time.
 */
import { describe, expect, it } from 'vitest';
import { scheduledFaults } from '../local/civitai-simulator-faults.ts';
import { runCivitai, taskVisits, TEST_API_KEY } from './support/local-run.ts';

const cause = (text: string | undefined) => JSON.parse(text ?? '{}') as { outputs?: Record<string, unknown>; lastStep?: { outputs?: Record<string, unknown> } };

describe('the Civitai workflow run locally', () => {
  it('succeeds after several polls with the workflow id, status, image URLs and cost', async () => {
    const { result, simulator } = await runCivitai();
    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as Record<string, unknown>;
    expect(output).toMatchObject({ status: 'succeeded', cost: 8 });
    expect(output.workflowId).toMatch(/^\S+$/);
    expect(output.firstBlobUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(output.firstImageUrl).toBe(output.firstBlobUrl);
    expect((output.images as Array<{ url: string }>).map((i) => i.url)).toHaveLength(2);
    expect(taskVisits(result, 'pollWorkflow')).toBeGreaterThanOrEqual(3);
    expect(simulator.counters().jobsCreated).toBe(1);
  });

  for (const outcome of ['failed', 'expired', 'canceled'] as const) {
    it(`fails a ${outcome} job with the error 'failed' and the remote status in the cause`, async () => {
      const { result } = await runCivitai({ simulator: { jobPlan: { outcome } } });
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('failed');
      expect(cause(result.cause).lastStep?.outputs).toEqual({ status: outcome });
      expect(taskVisits(result, 'readOutputs')).toBe(0);
    });
  }

  it('keeps polling a scheduled job with the overlay, and gets the image', async () => {
    const { result } = await runCivitai({ simulator: { jobPlan: { phaseMs: { scheduled: 20_000 } } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded' });
    const statuses = result.events
      .filter((e) => e.type === 'StateExited' && e.stateName === 'pollWorkflow')
      .map((e) => (e.output as { steps: { pollWorkflow: { status: string } } }).steps.pollWorkflow.status);
    expect(statuses).toContain('scheduled');
  });

  it('with the seed as written, falls through on scheduled to readOutputs and ends without an image, as Arazzo says', async () => {
    const { result } = await runCivitai({ config: { overlay: 'none' }, simulator: { jobPlan: { phaseMs: { scheduled: 20_000 } } } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'scheduled', firstBlobUrl: null });
  });

  it('accepts a submit answered 200 with the overlay; the seed as written fails it', async () => {
    const withOverlay = await runCivitai({ simulator: { submitStatus: 200 } });
    expect(withOverlay.result.status).toBe('SUCCEEDED');
    const seed = await runCivitai({ config: { overlay: 'none' }, simulator: { submitStatus: 200 } });
    expect(seed.result).toMatchObject({ status: 'FAILED', error: 'Arazzo.StepFailed' });
  });

  it('retries a 429 with Retry-After, a 500, a 503 and a timeout, then succeeds', async () => {
    const { result, simulator } = await runCivitai({
      config: { requestTimeoutMs: 300 },
      simulator: {
        faults: scheduledFaults([
          { operation: 'submitWorkflow', attempts: [1], fault: { kind: 'rateLimited', retryAfterSeconds: 7 } },
          { operation: 'getWorkflow', attempts: [1], fault: { kind: 'serverError' } },
          { operation: 'getWorkflow', attempts: [2], fault: { kind: 'unavailable' } },
          { operation: 'getWorkflow', attempts: [3], fault: { kind: 'slow', delayMs: 1_000 } },
        ]),
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded' });
    const waits = result.events
      .filter((e) => e.type === 'StateEntered' && e.stateName === 'Wait before submitGeneration')
      .map((e) => (e.input as { control: { waitSeconds: number } }).control.waitSeconds);
    expect(waits).toEqual([7]);
    expect(simulator.counters().faults).toMatchObject({ rateLimited: 1, serverError: 1, unavailable: 1, slow: 1 });
    const transient = result.logs.filter((l) => l.route === 'transientRetry').map((l) => `${l.stepId}:${String(l.transient)}`);
    expect(transient).toEqual(['submitGeneration:throttled', 'pollWorkflow:server-error', 'pollWorkflow:server-error', 'pollWorkflow:timeout']);
  });

  it('fails a permanent 4xx with a named error instead of retrying it', async () => {
    const { result, simulator } = await runCivitai({ simulator: { expectedToken: 'another key' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Arazzo.StepFailed' });
    expect(cause(result.cause).lastStep).toMatchObject({ statusCode: 401 });
    expect(simulator.counters().byOperation.submitWorkflow).toBe(1);
  });

  it('ends a loop that runs too long with Arazzo.LoopLimitExceeded', async () => {
    const { result } = await runCivitai({
      // An outage budget must fit in the loop limit too (checked at synth), so a tiny limit takes a tiny budget.
      config: { loopLimit: { maxIterations: 4 }, transientRetry: { budgetSeconds: 5 } },
      simulator: { jobPlan: { phaseMs: { processing: 3_600_000 } } },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Arazzo.LoopLimitExceeded' });
    expect(taskVisits(result, 'pollWorkflow')).toBe(5);
  });

  it('creates exactly one remote job when the submit is retried after the connection broke', async () => {
    const { result, simulator } = await runCivitai({
      simulator: {
        faults: scheduledFaults([{ operation: 'submitWorkflow', attempts: [1, 2], fault: { kind: 'connectionReset', afterEffect: true } }]),
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    const counters = simulator.counters();
    expect(counters.byOperation.submitWorkflow).toBe(3);
    expect(counters.jobsCreated).toBe(1);
  });

  it('fails at once, before any call, when started with bad input', async () => {
    const { result, simulator } = await runCivitai({ input: { engine: 'sdxl', quantity: 11, apiKey: 'smuggled' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Arazzo.InvalidInputs' });
    expect(result.cause).toMatch(/prompt/);
    expect(result.cause).toMatch(/quantity/);
    expect(result.cause).toMatch(/apiKey/);
    expect(simulator.counters().requests).toBe(0);
  });

  it('fails with the step runner\'s own named error and Lambda\'s cause when the secret lacks the key', async () => {
    const { result, simulator } = await runCivitai({ secrets: {} });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Arazzo.SecretMisconfigured' });
    expect(JSON.parse(result.cause ?? '{}')).toMatchObject({
      errorType: 'Arazzo.SecretMisconfigured',
      errorMessage: expect.stringContaining('secret input "apiKey"'),
    });
    // It fails at the step's Task (what a redrive runs again), not in a Fail state.
    expect(result.events.filter((e) => e.type === 'StateEntered').at(-1)?.stateName).toBe('submitGeneration');
    expect(simulator.counters().requests).toBe(0);
  });

  it('never lets the API key into the event log, the output or the logs', async () => {
    const { result } = await runCivitai({
      simulator: { faults: scheduledFaults([{ operation: 'getWorkflow', attempts: [1], fault: { kind: 'serverError' } }]) },
    });
    expect(result.status).toBe('SUCCEEDED');
    const everything = JSON.stringify({ events: result.events, output: result.output, logs: result.logs });
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(TEST_API_KEY);
  });
});
