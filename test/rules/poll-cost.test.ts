/**
 * What the default wait policy buys, measured on real runs of the shipped workflow (the synthesized state
 * machine, the real step runner, the Civitai simulator, virtual time) rather than on a model of the loop.
 */
import { describe, expect, it } from 'vitest';
import type { LocalExecutionResult } from '../../local/local-execution.ts';
import { runCivitai, type CivitaiRun } from '../support/local-run.ts';

/** A job that finishes 600 s after submission, passing through every status on the way. */
const TEN_MINUTE_JOB = { phaseMs: { unassigned: 60_000, preparing: 60_000, scheduled: 120_000, processing: 360_000 } };

/** State transitions as Standard workflows bill them: one per state entered. */
const transitions = (result: LocalExecutionResult) => result.events.filter((e) => e.type === 'StateEntered').length;

const waitsBeforePolls = (result: LocalExecutionResult) =>
  result.events
    .filter((e) => e.type === 'StateEntered' && e.stateName === 'Wait before pollWorkflow')
    .map((e) => (e.input as { control: { waitSeconds: number } }).control.waitSeconds);

/** Seconds between the job reaching its end and the run seeing it. */
function lagSeconds({ result, simulator }: CivitaiRun): number {
  const workflowId = (result.output as { workflowId: string }).workflowId;
  const job = simulator.workflow(workflowId);
  if (job?.terminalObservedAt == null) throw new Error('the run never saw its job end');
  return (job.terminalObservedAt - job.terminalAt) / 1000;
}

let defaultRun: Promise<CivitaiRun> | undefined;
/** The shipped app with its default policy on the 10-minute job; a jitter draw of 0 would shorten any jittered wait. */
const runWithDefaults = () => (defaultRun ??= runCivitai({ simulator: { jobPlan: TEN_MINUTE_JOB }, random: () => 0 }));

describe('the default wait policy, on a real run of the shipped workflow', () => {
  it('costs a 10-minute job at most 40 % of the state transitions of a fixed 5 s wait, and notices its end within 10 % of its length', async () => {
    const adaptive = await runWithDefaults();
    const fixed = await runCivitai({ config: { waitPolicy: { kind: 'fixed', seconds: 5 } }, simulator: { jobPlan: TEN_MINUTE_JOB } });
    expect(adaptive.result.status).toBe('SUCCEEDED');
    expect(fixed.result.status).toBe('SUCCEEDED');
    expect(waitsBeforePolls(fixed.result).every((seconds) => seconds === 5)).toBe(true);
    expect(transitions(adaptive.result) / transitions(fixed.result)).toBeLessThanOrEqual(0.4);
    expect(lagSeconds(adaptive)).toBeLessThanOrEqual(60);
  });

  it('waits a tenth of the time already waited, at least 2 s and at most 60 s, and draws no jitter', async () => {
    // The draw is 0: a policy with any jitter would wait less than the tenth somewhere along the streak.
    const waits = waitsBeforePolls((await runWithDefaults()).result);
    expect(waits.slice(0, 10)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    let waited = 0;
    for (const wait of waits) {
      expect(wait).toBe(Math.min(60, Math.max(2, Math.ceil(waited / 10))));
      waited += wait;
    }
    expect(Math.max(...waits)).toBeGreaterThan(2);
  });
});
