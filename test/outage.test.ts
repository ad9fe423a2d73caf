/**
 * Durable means it outlives the outage: the shipped Civitai app, run locally on virtual time, through a
 * scheduled total outage of the API that starts while the run is polling and the job keeps going underneath.
 */
import { describe, expect, it } from 'vitest';
import { Errors } from '../lib/compile/step-plan.ts';
import { outageWindow, type OutageWindow } from '../local/civitai-simulator-outages.ts';
import { VIRTUAL_EPOCH_MS } from '../local/clock.ts';
import { runCivitai, taskVisits } from './support/local-run.ts';

/** The job takes 5 minutes; the outage starts 30 s after the submit, when the run polls every 2-3 s. */
const JOB = { phaseMs: { unassigned: 5_000, preparing: 5_000, scheduled: 20_000, processing: 270_000 } };
const outageOf = (minutes: number, answer: OutageWindow['answer'] = 'unavailable') => [outageWindow(VIRTUAL_EPOCH_MS, 30, minutes * 60, answer)];

interface OutageCause {
  message: string;
  steps: Record<string, Record<string, unknown>>;
  outputs: Record<string, unknown>;
  outage: { firstError: string; lastError: string; lastedSeconds: number; failedCalls: number; budgetSeconds: number; startedAt: string; lastErrorAt: string };
}

/** The run failed at the step's Task: Lambda's error cause, whose errorMessage is the step runner's JSON cause. */
function outageCause(cause: string | undefined): OutageCause {
  const lambda = JSON.parse(cause ?? '{}') as { errorType?: string; errorMessage?: string };
  expect(lambda.errorType).toBe(Errors.outageBudgetSpent);
  return JSON.parse(lambda.errorMessage ?? '{}') as OutageCause;
}

describe('a run in a total outage of the API', () => {
  it('rides out 60 minutes of 503s mid-poll and succeeds with the right outputs and one remote job', async () => {
    const { result, simulator } = await runCivitai({ simulator: { jobPlan: JOB, outages: outageOf(60) } });

    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as { workflowId: string; status: string; images: unknown[]; firstImageUrl: string };
    expect(output).toMatchObject({ status: 'succeeded', cost: 8 });
    expect(output.images).toHaveLength(2);
    expect(output.firstImageUrl).toContain(output.workflowId);
    const counters = simulator.counters();
    expect(counters.jobsCreated).toBe(1);
    expect(counters.workflows[output.workflowId]?.terminalObservedAt).not.toBeNull();
    // An hour of outage at the capped backoff costs tens of calls, not hundreds.
    expect(counters.outage.answered).toBeGreaterThan(10);
    expect(counters.outage.answered).toBeLessThanOrEqual(35);
    // The run ends soon after the service returns: within the backoff cap (360 s) of the outage's end.
    expect(result.elapsedMs).toBeGreaterThanOrEqual((30 + 3600) * 1000);
    expect(result.elapsedMs).toBeLessThanOrEqual((30 + 3600 + 360) * 1000);
  });

  it('rides out an hour of connection resets the same way', async () => {
    const { result, simulator } = await runCivitai({ simulator: { jobPlan: JOB, outages: outageOf(60, 'connectionReset') } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'succeeded' });
    expect(simulator.counters()).toMatchObject({ jobsCreated: 1, byStatus: { reset: expect.any(Number) } });
  });

  it('fails a 61-minute outage with the default budget, naming the remote job, the first and last error and how long it lasted', async () => {
    const { result, simulator } = await runCivitai({ simulator: { jobPlan: JOB, outages: outageOf(61) } });

    expect(result).toMatchObject({ status: 'FAILED', error: Errors.outageBudgetSpent });
    const cause = outageCause(result.cause);
    const [job] = Object.keys(simulator.counters().workflows);
    expect(cause.steps.submitGeneration).toMatchObject({ workflowId: job });
    expect(cause.outputs).toMatchObject({ workflowId: job });
    expect(cause.outage).toMatchObject({ firstError: 'HTTP 503', lastError: 'HTTP 503', lastedSeconds: 3600, budgetSeconds: 3600 });
    expect(cause.message).toMatch(/^step pollWorkflow gave up after an outage of 3600 s \(\d+ failed calls, first HTTP 503, last HTTP 503\)/);
    expect(Date.parse(cause.outage.startedAt) - VIRTUAL_EPOCH_MS).toBeGreaterThanOrEqual(30_000);
    // It fails at the polling step's Task, which is what a Step Functions redrive runs again.
    expect(result.events.filter((e) => e.type === 'StateEntered').at(-1)?.stateName).toBe('pollWorkflow');
    expect(simulator.counters().jobsCreated).toBe(1);
  });

  describe('with a 10-minute budget for the polling step', () => {
    const config = { stepTransientRetries: { pollWorkflow: { budgetSeconds: 600 } } };

    it('rides out a 10-minute outage', async () => {
      const { result, simulator } = await runCivitai({ config, simulator: { jobPlan: JOB, outages: outageOf(10) } });
      expect(result.status).toBe('SUCCEEDED');
      expect(result.output).toMatchObject({ status: 'succeeded' });
      expect(simulator.counters().jobsCreated).toBe(1);
    });

    it('fails an 11-minute outage with the same cause, after 10 minutes', async () => {
      const { result, simulator } = await runCivitai({ config, simulator: { jobPlan: JOB, outages: outageOf(11) } });
      expect(result).toMatchObject({ status: 'FAILED', error: Errors.outageBudgetSpent });
      const cause = outageCause(result.cause);
      expect(cause.outage).toMatchObject({ firstError: 'HTTP 503', lastError: 'HTTP 503', lastedSeconds: 600, budgetSeconds: 600 });
      expect(cause.steps.submitGeneration?.workflowId).toBe(Object.keys(simulator.counters().workflows)[0]);
      expect(taskVisits(result, 'submitGeneration')).toBe(1);
    });
  });
});
