/**
 * Poll efficiency: for each wait policy and job length, the state transitions a run costs and how late it
 * notices that its job finished (simulator `terminalAt` → the run's end, on the run's virtual clock), each
 * against the fixed 5 s baseline measured in the same run of the bench.
 */
import type { WaitPolicy } from '../lib/compile/step-plan.ts';
import { DEFAULT_WAIT_POLICY } from '../lib/compile/compile-options.ts';
import { CivitaiSimulator } from '../local/civitai-simulator.ts';
import type { JobPlanOverride } from '../local/civitai-simulator-jobs.ts';
import { jobOf, runNameOf, runOnVirtualClock, synthesizeForSimulator, transitionsOf } from './bench-app.ts';
import { seededRandom } from './seeded-random.ts';
import { measureCallbackEfficiency, type CallbackEfficiency } from './callback-efficiency.ts';

export interface BenchPolicy {
  name: string;
  policy: WaitPolicy;
}

export const BASELINE: BenchPolicy = { name: 'fixed 5 s (baseline)', policy: { kind: 'fixed', seconds: 5 } };
export const DEFAULT: BenchPolicy = { name: 'default: proportional 10 %, 2-60 s', policy: DEFAULT_WAIT_POLICY };

export const BENCH_POLICIES: readonly BenchPolicy[] = [
  BASELINE,
  DEFAULT,
  { name: 'default + 20 % jitter', policy: { ...DEFAULT_WAIT_POLICY, jitter: 0.2 } },
  { name: 'fixed 2 s', policy: { kind: 'fixed', seconds: 2 } },
  { name: 'fixed 30 s', policy: { kind: 'fixed', seconds: 30 } },
  { name: 'exponential x2, 2-60 s', policy: { kind: 'exponential', initialSeconds: 2, factor: 2, maxSeconds: 60, jitter: 0 } },
];

export const JOB_SECONDS: readonly number[] = [5, 20, 60, 180, 600];
/** Job lengths N, N+1 … N+4 s: N is a multiple of 5, which flatters the fixed 5 s baseline with a lag of 0. */
export const SPREAD_OFFSETS: readonly number[] = [0, 1, 2, 3, 4];

export const TARGETS = {
  /** Transitions of the default policy on the 600 s job, at most this share of the baseline's. */
  transitionShareOn600: 0.4,
  lagLimitSeconds: (jobSeconds: number) => Math.max(2, jobSeconds / 10),
};

export interface PollMeasurement {
  policy: string;
  jobSeconds: number;
  transitions: number;
  polls: number;
  lagSeconds: number;
  /** Over job lengths N … N+4 s. */
  spread: { meanTransitions: number; meanLagSeconds: number; maxLagSeconds: number; lagWithinLimit: boolean };
  transitionsVsBaseline: number;
  /** Undefined when the baseline's lag is 0. */
  lagVsBaseline?: number;
  meanLagVsBaseline?: number;
  lagWithinLimit: boolean;
}

export interface PollEfficiency {
  measurements: PollMeasurement[];
  /** The same jobs with callbacks on (bench/callback-efficiency.ts). */
  callbacks: CallbackEfficiency;
  targets: { defaultTransitionShareOn600: number; defaultLagWithinLimitEverywhere: boolean; met: boolean };
}

interface RawMeasurement {
  transitions: number;
  polls: number;
  lagSeconds: number;
}

export async function measurePollEfficiency(progress: (line: string) => void): Promise<PollEfficiency> {
  const plans = new Map<string, JobPlanOverride>();
  const simulator = new CivitaiSimulator({
    progressFields: false,
    planFor: (template) => {
      const name = runNameOf(template);
      return name === undefined ? undefined : plans.get(name);
    },
  });
  await simulator.start();
  const raw = new Map<string, RawMeasurement>();
  try {
    for (const { name, policy } of BENCH_POLICIES) {
      const started = Date.now();
      const workflow = synthesizeForSimulator(simulator, { waitPolicy: policy });
      const runs = JOB_SECONDS.flatMap((jobSeconds) => SPREAD_OFFSETS.map((offset) => ({ jobSeconds: jobSeconds + offset })));
      await Promise.all(
        runs.map(async ({ jobSeconds }) => {
          const runName = `poll-${slug(name)}-${jobSeconds}s`;
          plans.set(runName, jobOf(jobSeconds));
          const { result, endedAt } = await runOnVirtualClock(simulator, workflow, runName, seededRandom(runName));
          const workflowId = (result.output as { workflowId?: unknown } | undefined)?.workflowId;
          const job = typeof workflowId === 'string' ? simulator.workflow(workflowId) : undefined;
          if (result.status !== 'SUCCEEDED' || job === undefined) {
            throw new Error(`poll efficiency: run ${runName} ended ${result.status} (${result.error ?? 'no error'}: ${result.cause ?? ''}); every run of this part should succeed`);
          }
          raw.set(key(name, jobSeconds), {
            transitions: transitionsOf(result),
            polls: result.events.filter((e) => e.type === 'StateEntered' && e.stateName === 'pollWorkflow').length,
            lagSeconds: (endedAt - job.terminalAt) / 1000,
          });
        }),
      );
      progress(`poll efficiency: ${name}: ${runs.length} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await simulator.stop();
  }
  const baseline = (jobSeconds: number) => raw.get(key(BASELINE.name, jobSeconds))!.transitions;
  const plain = (jobSeconds: number) => raw.get(key(DEFAULT.name, jobSeconds))!.transitions;
  const callbacks = await measureCallbackEfficiency(JOB_SECONDS, SPREAD_OFFSETS, baseline, plain, progress);
  return { ...summarize(raw), callbacks };
}

function summarize(raw: Map<string, RawMeasurement>): Omit<PollEfficiency, 'callbacks'> {
  const get = (policy: string, jobSeconds: number) => {
    const found = raw.get(key(policy, jobSeconds));
    if (!found) throw new Error(`poll efficiency: no measurement for ${policy} on a ${jobSeconds} s job`);
    return found;
  };
  const spreadOf = (policy: string, jobSeconds: number) => {
    const runs = SPREAD_OFFSETS.map((offset) => ({ jobSeconds: jobSeconds + offset, ...get(policy, jobSeconds + offset) }));
    return {
      meanTransitions: mean(runs.map((r) => r.transitions)),
      meanLagSeconds: mean(runs.map((r) => r.lagSeconds)),
      maxLagSeconds: Math.max(...runs.map((r) => r.lagSeconds)),
      lagWithinLimit: runs.every((r) => r.lagSeconds <= TARGETS.lagLimitSeconds(r.jobSeconds)),
    };
  };
  const measurements: PollMeasurement[] = [];
  for (const { name } of BENCH_POLICIES) {
    for (const jobSeconds of JOB_SECONDS) {
      const own = get(name, jobSeconds);
      const base = get(BASELINE.name, jobSeconds);
      const spread = spreadOf(name, jobSeconds);
      const baseSpread = spreadOf(BASELINE.name, jobSeconds);
      measurements.push({
        policy: name,
        jobSeconds,
        ...own,
        spread,
        transitionsVsBaseline: own.transitions / base.transitions,
        ...(base.lagSeconds > 0 ? { lagVsBaseline: own.lagSeconds / base.lagSeconds } : {}),
        ...(baseSpread.meanLagSeconds > 0 ? { meanLagVsBaseline: spread.meanLagSeconds / baseSpread.meanLagSeconds } : {}),
        // Every length N..N+4 counts, not only the multiple of 5 where a fixed 5 s loop is lucky.
        lagWithinLimit: own.lagSeconds <= TARGETS.lagLimitSeconds(jobSeconds) && spread.lagWithinLimit,
      });
    }
  }
  const defaults = measurements.filter((m) => m.policy === DEFAULT.name);
  const share = defaults.find((m) => m.jobSeconds === 600)?.transitionsVsBaseline ?? Number.NaN;
  const lagEverywhere = defaults.every((m) => m.lagWithinLimit);
  return {
    measurements,
    targets: {
      defaultTransitionShareOn600: share,
      defaultLagWithinLimitEverywhere: lagEverywhere,
      met: share <= TARGETS.transitionShareOn600 && lagEverywhere,
    },
  };
}

/** Whether a policy meets the targets (the default must; the others show the trade-off). */
export function meetsTargets(measurements: readonly PollMeasurement[], policy: string): boolean {
  const own = measurements.filter((m) => m.policy === policy);
  const on600 = own.find((m) => m.jobSeconds === 600);
  return on600 !== undefined && on600.transitionsVsBaseline <= TARGETS.transitionShareOn600 && own.every((m) => m.lagWithinLimit);
}

const key = (policy: string, jobSeconds: number) => `${policy}|${jobSeconds}`;
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
