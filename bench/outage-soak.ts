/**
 * Outage soak: 500 concurrent runs with jobs of 5 to 600 s, the load bench's random faults, and a total
 * outage (every request 503) of 30 minutes starting 60 s in, when most runs are polling. Every run must still
 * end as its job calls for, with exactly one remote job; the soak reports what the outage cost: the calls each
 * run made during it, and how long after the service came back each run noticed its job had ended.
 */
import { DEFAULT_TRANSIENT_RETRY } from '../lib/compile/compile-options.ts';
import { idempotencyKey } from '../lib/runtime/idempotency.ts';
import { outageWindow } from '../local/civitai-simulator-outages.ts';
import { VIRTUAL_EPOCH_MS } from '../local/clock.ts';
import { checkRuns, plannedOutcomes, runConcurrently, type LoadResult, type PlannedRun } from './load.ts';
import { seededRandom } from './seeded-random.ts';

export const SOAK = {
  runs: 500,
  seed: 'arazzo-bench-soak-1',
  jobSeconds: { min: 5, max: 600 },
  outage: { startSeconds: 60, durationSeconds: 1800 },
  /** Targets: calls per run during the 30-minute outage, on average (the default policy makes ~17). */
  maxMeanOutageCallsPerRun: 25,
} as const;

export interface SoakResult {
  runs: number;
  finishedCorrectly: number;
  lost: number;
  lostRuns: LoadResult['lostRuns'];
  byOutcome: LoadResult['byOutcome'];
  /** Remote jobs per run (under its externalId): must be exactly 1 for every run. */
  jobsPerRun: { min: number; max: number };
  /** Runs whose job had not ended when the outage began (they were polling through it). */
  midPollAtOutageStart: number;
  /** Requests each run sent that the outage answered. */
  outageCallsPerRun: { mean: number; p50: number; p95: number; max: number; perHourAtMean: number };
  /**
   * For runs polling when the outage began: run end − max(job end, outage end), i.e. the completion lag beyond
   * the outage's own length (virtual seconds).
   */
  extraLagSeconds: { p50: number; p95: number; max: number; mean: number };
  wallSeconds: number;
  requests: number;
  faults: Record<string, number>;
  targets: { met: boolean; reasons: string[] };
}

export async function measureOutageSoak(progress: (line: string) => void): Promise<SoakResult> {
  const planned = planSoak();
  const { startSeconds, durationSeconds } = SOAK.outage;
  const outage = outageWindow(VIRTUAL_EPOCH_MS, startSeconds, durationSeconds);
  const runs = await runConcurrently('outage soak', planned, SOAK.seed, progress, [outage]);
  const checked = checkRuns(runs);
  const { counters } = runs;

  const externalIds = new Map(Object.values(counters.workflows).map((job) => [job.externalId, job] as const));
  const extra: number[] = [];
  let midPoll = 0;
  for (const { result, endedAt } of runs.results) {
    const job = externalIds.get(idempotencyKey(result.executionArn, 'submitGeneration', result.executionStartTime));
    if (job === undefined) continue;
    if (job.terminalAt <= outage.startMs) continue;
    midPoll += 1;
    extra.push((endedAt - Math.max(job.terminalAt, outage.endMs)) / 1000);
  }
  const calls = runs.results.map(({ run }) => counters.outage.byClock[run.name] ?? 0);
  const mean = average(calls);
  const reasons = [
    checked.lost > 0 ? `${checked.lost} runs lost` : undefined,
    checked.jobsPerRun.min !== 1 || checked.jobsPerRun.max !== 1 ? `remote jobs per run ${checked.jobsPerRun.min}-${checked.jobsPerRun.max}, not exactly 1` : undefined,
    mean > SOAK.maxMeanOutageCallsPerRun ? `${mean.toFixed(1)} calls per run during the outage, over ${SOAK.maxMeanOutageCallsPerRun}` : undefined,
  ].filter((r): r is string => r !== undefined);
  return {
    runs: SOAK.runs,
    finishedCorrectly: checked.finishedCorrectly,
    lost: checked.lost,
    lostRuns: checked.lostRuns,
    byOutcome: checked.byOutcome,
    jobsPerRun: checked.jobsPerRun,
    midPollAtOutageStart: midPoll,
    outageCallsPerRun: { mean: round1(mean), p50: quantile(calls, 0.5), p95: quantile(calls, 0.95), max: Math.max(0, ...calls), perHourAtMean: round1((mean * 3600) / durationSeconds) },
    extraLagSeconds: { p50: quantile(extra, 0.5), p95: quantile(extra, 0.95), max: extra.length === 0 ? 0 : Math.max(...extra), mean: round1(average(extra)) },
    wallSeconds: runs.wallSeconds,
    requests: counters.requests,
    faults: counters.faults,
    targets: { met: reasons.length === 0, reasons },
  };
}

/** Job lengths uniform over 5..600 s (seeded), outcomes in the load bench's shares. */
function planSoak(): PlannedRun[] {
  const random = seededRandom(SOAK.seed);
  return plannedOutcomes(SOAK.runs).map((outcome, index) => {
    const jobSeconds = Math.round(SOAK.jobSeconds.min + random() * (SOAK.jobSeconds.max - SOAK.jobSeconds.min));
    return { name: `soak-${String(index).padStart(3, '0')}-${outcome}-${jobSeconds}s`, outcome, jobSeconds };
  });
}

/** The retry policy the soak measures: the default, as shipped. */
export const SOAK_POLICY = DEFAULT_TRANSIENT_RETRY;

const average = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
const round1 = (value: number) => Math.round(value * 10) / 10;
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
