/**
 * Load: 500 concurrent runs of the shipped app on one simulator that injects faults (429, 5xx, resets, resets
 * after a submit took effect, answers slower than the client's timeout, cut JSON), each run on its own
 * virtual clock, with a mix of job outcomes and lengths. A run is lost when it does not end as its remote job
 * calls for, or when its externalId created other than exactly one remote job.
 *
 * The simulator runs in a process of its own (remote-simulator.ts), so 500 interpreters on this event loop
 * cannot delay its answers into timeouts the system would not see: the bench measures the system, not the harness.
 */
import { DEFAULT_WAIT_POLICY } from '../lib/compile/compile-options.ts';
import { idempotencyKey } from '../lib/runtime/idempotency.ts';
import type { RandomFaultOptions } from '../local/civitai-simulator-faults.ts';
import type { SimulatorCounters } from '../local/civitai-simulator-counters.ts';
import type { JobPlanOverride, TerminalStatus } from '../local/civitai-simulator-jobs.ts';
import type { OutageWindow } from '../local/civitai-simulator-outages.ts';
import type { LocalExecutionResult } from '../local/local-execution.ts';
import { BENCH_API_KEY, jobOf, runOnVirtualClock, synthesizeForSimulator, transitionsOf, type BenchRun } from './bench-app.ts';
import { startRemoteSimulator, type RemoteSimulatorConfig } from './remote-simulator.ts';
import { seededRandom } from './seeded-random.ts';

export const LOAD = {
  runs: 500,
  seed: 'arazzo-bench-load-1',
  /** Short, so slow answers (below) time out and are retried. */
  requestTimeoutMs: 5000,
  slowDelayMs: 6000,
  retryAfterSeconds: 1,
  /** Per request; submits get more after-effect resets, the case idempotency exists for. */
  submitFaultRates: {
    rateLimited: 0.04,
    serverError: 0.04,
    unavailable: 0.02,
    slow: 0.03,
    connectionReset: 0.02,
    connectionResetAfterEffect: 0.05,
    malformedJson: 0.01,
  },
  pollFaultRates: {
    rateLimited: 0.02,
    serverError: 0.02,
    unavailable: 0.01,
    slow: 0.01,
    connectionReset: 0.01,
    connectionResetAfterEffect: 0.01,
    malformedJson: 0.01,
  },
  outcomes: [
    { outcome: 'succeeded', share: 0.8 },
    { outcome: 'failed', share: 0.08 },
    { outcome: 'expired', share: 0.06 },
    { outcome: 'canceled', share: 0.06 },
  ],
  jobSeconds: [
    { seconds: 5, share: 0.25 },
    { seconds: 20, share: 0.25 },
    { seconds: 60, share: 0.25 },
    { seconds: 180, share: 0.15 },
    { seconds: 600, share: 0.1 },
  ],
} as const satisfies {
  submitFaultRates: RandomFaultOptions['rates'];
  pollFaultRates: RandomFaultOptions['rates'];
  outcomes: ReadonlyArray<{ outcome: TerminalStatus; share: number }>;
  [key: string]: unknown;
};

export interface LoadResult {
  runs: number;
  finishedCorrectly: number;
  lost: number;
  /** With the step runner's last log entries (step, route, trouble), to tell the system's fault from the harness's. */
  lostRuns: Array<{ run: string; reason: string; trail: string[] }>;
  byOutcome: Record<string, { runs: number; correct: number }>;
  wallSeconds: number;
  peakRssMiB: { sampledDuringLoad: number; processMax: number };
  simulator: { requests: number; jobsCreated: number; faults: Record<string, number>; byStatus: Record<string, number> };
  transitions: { total: number; perRun: number };
  stepRuns: number;
  /**
   * Real time from a request to its response headers, for requests answered at all: how long this one
   * process (500 interpreters, the step runner and the simulator on one event loop) takes to answer. It sets
   * how short `requestTimeoutMs` can be before the harness, not the simulator's faults, causes the timeouts.
   */
  answeredWithinMs: { p50: number; p99: number; max: number; answered: number; notAnswered: number };
  /**
   * Timeouts the runs saw, against slow answers the simulator injected (each one longer than the timeout):
   * `notInjected` counts timeouts the harness caused (a starved event loop), which the system would not see.
   */
  timeouts: { seenByRuns: number; injectedSlow: number; notInjected: number };
}

export interface PlannedRun {
  name: string;
  outcome: TerminalStatus;
  jobSeconds: number;
}

export interface ConcurrentRuns {
  results: Array<{ run: PlannedRun; result: LocalExecutionResult; endedAt: number }>;
  counters: SimulatorCounters;
  wallSeconds: number;
  peakRssMiB: { sampledDuringLoad: number; processMax: number };
  answeredWithinMs: LoadResult['answeredWithinMs'];
}

/**
 * Runs `planned` all at once against a simulator in its own process (seeded faults, optional outages), each
 * run on its own virtual clock; returns every result with the simulator's counters.
 */
export async function runConcurrently(
  label: string,
  planned: PlannedRun[],
  seed: string,
  progress: (line: string) => void,
  outages?: OutageWindow[],
): Promise<ConcurrentRuns> {
  const simulator = await startRemoteSimulator({
    expectedToken: BENCH_API_KEY,
    progressFields: false,
    plans: Object.fromEntries(planned.map((run) => [run.name, jobOf(run.jobSeconds, run.outcome)] as const)) as Record<string, JobPlanOverride>,
    faults: faultConfig(seed),
    ...(outages ? { outages } : {}),
  });
  const latency = latencyRecorder();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const workflow = synthesizeForSimulator(simulator, { waitPolicy: DEFAULT_WAIT_POLICY, requestTimeoutMs: LOAD.requestTimeoutMs });
    progress(`${label}: ${planned.length} concurrent runs against a simulator in its own process (pid ${simulator.pid}) with faults...`);
    const started = Date.now();
    let done = 0;
    const results = await Promise.all(
      planned.map(async (run) => {
        const { result, endedAt }: BenchRun = await runOnVirtualClock(simulator, workflow, run.name, seededRandom(`${seed}|${run.name}`), latency.fetch);
        done += 1;
        if (done % 100 === 0) progress(`${label}: ${done}/${planned.length} runs ended (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return { run, result, endedAt };
      }),
    );
    const wallSeconds = (Date.now() - started) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      results,
      counters: await simulator.counters(),
      wallSeconds,
      peakRssMiB: { sampledDuringLoad: mib(peakRss), processMax: mib(process.resourceUsage().maxRSS * 1024) },
      answeredWithinMs: latency.summary(),
    };
  } finally {
    clearInterval(sampler);
    await simulator.stop();
  }
}

/** Each run ended as its job calls for, with exactly one remote job under its externalId; what went wrong otherwise. */
export function checkRuns(runs: ConcurrentRuns): Pick<LoadResult, 'finishedCorrectly' | 'lost' | 'lostRuns' | 'byOutcome'> & { jobsPerRun: { min: number; max: number } } {
  const { results, counters } = runs;
  const jobsByExternalId = new Map<string, Array<{ id: string }>>();
  for (const [id, job] of Object.entries(counters.workflows)) {
    if (job.externalId === null) continue;
    jobsByExternalId.set(job.externalId, [...(jobsByExternalId.get(job.externalId) ?? []), { id }]);
  }
  const lostRuns: LoadResult['lostRuns'] = [];
  // Per-externalId counts cannot see a job created without one, or a second job under another id.
  if (counters.jobsCreated !== results.length) {
    lostRuns.push({ run: '(all)', reason: `the simulator created ${counters.jobsCreated} jobs for ${results.length} runs`, trail: [] });
  }
  const byOutcome: LoadResult['byOutcome'] = {};
  const jobCounts: number[] = [];
  for (const { run, result } of results) {
    const jobs = jobsByExternalId.get(idempotencyKey(result.executionArn, 'submitGeneration', result.executionStartTime)) ?? [];
    jobCounts.push(jobs.length);
    const reason = jobs.length !== 1 ? `${jobs.length} remote jobs for its externalId` : wrongEnding(run, result, jobs[0]!.id);
    const tally = (byOutcome[run.outcome] ??= { runs: 0, correct: 0 });
    tally.runs += 1;
    if (reason === undefined) tally.correct += 1;
    else lostRuns.push({ run: run.name, reason, trail: trailOf(result) });
  }
  return {
    finishedCorrectly: results.length - lostRuns.filter((l) => l.run !== '(all)').length,
    lost: lostRuns.length,
    lostRuns,
    byOutcome,
    jobsPerRun: { min: Math.min(...jobCounts), max: Math.max(...jobCounts) },
  };
}

export async function measureLoad(progress: (line: string) => void): Promise<LoadResult> {
  const runs = await runConcurrently('load', planRuns(), LOAD.seed, progress);
  const checked = checkRuns(runs);
  const { results, counters } = runs;
  const transitions = results.reduce((sum, { result }) => sum + transitionsOf(result), 0);
  const timeoutsSeen = results.reduce((sum, { result }) => sum + result.logs.filter((entry) => entry.transient === 'timeout').length, 0);
  return {
    runs: LOAD.runs,
    ...checked,
    wallSeconds: runs.wallSeconds,
    peakRssMiB: runs.peakRssMiB,
    simulator: { requests: counters.requests, jobsCreated: counters.jobsCreated, faults: counters.faults, byStatus: counters.byStatus },
    transitions: { total: transitions, perRun: transitions / LOAD.runs },
    stepRuns: results.reduce((sum, { result }) => sum + result.logs.length, 0),
    answeredWithinMs: runs.answeredWithinMs,
    timeouts: { seenByRuns: timeoutsSeen, injectedSlow: counters.faults.slow, notInjected: Math.max(0, timeoutsSeen - counters.faults.slow) },
  };
}

/** Undefined when the run ended as its job calls for; otherwise what was wrong. */
function wrongEnding(run: PlannedRun, result: LocalExecutionResult, jobId: string): string | undefined {
  if (run.outcome === 'succeeded') {
    if (result.status !== 'SUCCEEDED') return `ended ${result.status} ${result.error ?? ''} for a succeeded job: ${(result.cause ?? '').slice(0, 200)}`;
    const output = result.output as { workflowId?: unknown; status?: unknown; firstImageUrl?: unknown; firstBlobUrl?: unknown; images?: unknown };
    if (output.workflowId !== jobId) return `output workflowId ${String(output.workflowId)} is not its job ${jobId}`;
    if (output.status !== 'succeeded') return `output status ${String(output.status)}`;
    const urls = Array.isArray(output.images) ? output.images.map((image) => (image as { url?: unknown }).url) : [];
    const imageUrls = [output.firstImageUrl, output.firstBlobUrl, ...urls];
    if (urls.length !== 2 || !imageUrls.every((url) => typeof url === 'string' && url.includes(jobId))) return 'image URL outputs missing or not of its job';
    return undefined;
  }
  if (result.status !== 'FAILED' || result.error !== 'failed') {
    return `ended ${result.status} ${result.error ?? ''} for a ${run.outcome} job: ${(result.cause ?? '').slice(0, 200)}`;
  }
  const seen = (JSON.parse(result.cause ?? '{}') as { lastStep?: { outputs?: { status?: unknown } } }).lastStep?.outputs?.status;
  return seen === run.outcome ? undefined : `failed with remote status ${String(seen)} in its cause, not ${run.outcome}`;
}

function trailOf(result: LocalExecutionResult): string[] {
  return result.logs.slice(-8).map((entry) => {
    const trouble = entry.transient === undefined ? '' : ` (${String(entry.transient)}: ${String(entry.detail)})`;
    return `${String(entry.stepId)} → ${String(entry.route)}${trouble} after ${String(entry.durationMs)} ms`;
  });
}

/** Exactly LOAD's shares of the outcomes over `runs` runs, in a seeded order. */
export function plannedOutcomes(runs: number): TerminalStatus[] {
  return LOAD.outcomes.flatMap(({ outcome, share }) => Array<TerminalStatus>(Math.round(share * runs)).fill(outcome));
}

/** Exact shares of outcomes, job lengths drawn from the seed: the same 500 runs on every bench. */
function planRuns(): PlannedRun[] {
  const random = seededRandom(LOAD.seed);
  const outcomes = plannedOutcomes(LOAD.runs);
  return outcomes.map((outcome, index) => {
    let draw = random();
    const length = LOAD.jobSeconds.find(({ share }) => (draw -= share) < 0) ?? LOAD.jobSeconds[LOAD.jobSeconds.length - 1]!;
    return { name: `load-${String(index).padStart(3, '0')}-${outcome}-${length.seconds}s`, outcome, jobSeconds: length.seconds };
  });
}

function faultConfig(seed: string): NonNullable<RemoteSimulatorConfig['faults']> {
  return {
    seed,
    submitRates: LOAD.submitFaultRates,
    pollRates: LOAD.pollFaultRates,
    retryAfterSeconds: LOAD.retryAfterSeconds,
    slowDelayMs: LOAD.slowDelayMs,
  };
}

function latencyRecorder(): { fetch: typeof fetch; summary: () => LoadResult['answeredWithinMs'] } {
  const answered: number[] = [];
  let notAnswered = 0;
  return {
    fetch: async (url, init) => {
      const started = performance.now();
      try {
        const response = await fetch(url, init);
        answered.push(performance.now() - started);
        return response;
      } catch (error) {
        notAnswered += 1;
        throw error;
      }
    },
    summary: () => {
      const sorted = [...answered].sort((a, b) => a - b);
      const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
      return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) ?? 0), answered: sorted.length, notAnswered };
    },
  };
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
