/**
 * Callback mode of the poll-efficiency table: the shipped app with callbacks on (cdk.json arazzo.callbacks) on the
 * same job lengths, with the simulator's callbacks delivered, delayed, lost and duplicated. Each run's transitions
 * are compared with the fixed 5 s baseline measured in the same bench run; its lag with the callback (how long after
 * the callback arrived the run noticed the job's end) and with the job's end.
 */
import type { WaitPolicy } from '../lib/compile/step-plan.ts';
import { CALLBACK_FALLBACK_WAIT_POLICY, DEFAULT_WAIT_POLICY } from '../lib/compile/compile-options.ts';
import { CivitaiSimulator } from '../local/civitai-simulator.ts';
import type { CallbackDelivery } from '../local/civitai-simulator-callbacks.ts';
import type { JobPlanOverride } from '../local/civitai-simulator-jobs.ts';
import { jobOf, runNameOf, runOnVirtualClock, shippedConfig, synthesizeForSimulator, transitionsOf } from './bench-app.ts';
import { seededRandom } from './seeded-random.ts';

export interface CallbackMode {
  name: string;
  delivery: CallbackDelivery;
  /** The polling step's wait policy with callbacks on. @default the shipped fallback (cdk.json, else CALLBACK_FALLBACK_WAIT_POLICY) */
  waitPolicy?: WaitPolicy;
}

export const CALLBACK_MODES: readonly CallbackMode[] = [
  { name: 'callbacks delivered', delivery: {} },
  { name: 'callbacks delayed 30 s', delivery: { delayMs: 30_000 } },
  { name: 'callbacks lost (every one)', delivery: { lossRate: 1 } },
  { name: 'callbacks duplicated x3', delivery: { copies: 3 } },
  // The cost of the machinery alone: no callback ever arrives and the wait policy is plain polling's.
  { name: 'callbacks lost, default wait policy', delivery: { lossRate: 1 }, waitPolicy: DEFAULT_WAIT_POLICY },
];

export const CALLBACK_TARGETS = {
  /** Transitions on the 600 s job with callbacks delivered, at most this share of the fixed 5 s baseline's. */
  transitionShareOn600: 0.1,
  /** Seconds of virtual time from the callback's arrival to the run noticing the job's end. */
  lagAfterCallbackSeconds: 1,
};

/**
 * The most a lost callback can delay the run: the fallback wait in which the job ended, at most `ratio` times the
 * time already waited (so the job's length), between its minimum and maximum.
 */
export function fallbackLagBound(policy: WaitPolicy, jobSeconds: number): number {
  const min = policy.minSeconds ?? 1;
  const max = policy.maxSeconds ?? Number.POSITIVE_INFINITY;
  return Math.min(max, Math.max(min, Math.ceil((policy.ratio ?? 1) * jobSeconds)));
}

export interface CallbackMeasurement {
  mode: string;
  jobSeconds: number;
  transitions: number;
  polls: number;
  /** Job end → run end. */
  lagSeconds: number;
  /** When the (first) callback was due → run end, 0 when the fallback poll noticed first; undefined when every callback was lost. */
  lagAfterCallbackSeconds?: number;
  /** Over job lengths N … N+4 s. */
  spread: { meanTransitions: number; meanLagSeconds: number; maxLagSeconds: number; maxLagAfterCallbackSeconds?: number };
  transitionsVsBaseline: number;
  /** Against the default wait policy without callbacks, same job. */
  transitionsVsDefault: number;
  /** The policy's bound on the lag when callbacks are lost. */
  lagBoundSeconds: number;
  lagWithinBound: boolean;
}

export interface CallbackEfficiency {
  fallbackPolicy: WaitPolicy;
  measurements: CallbackMeasurement[];
  targets: { transitionShareOn600: number; maxLagAfterCallbackSeconds: number; lostSucceedWithinBound: boolean; met: boolean };
}

interface Raw {
  transitions: number;
  polls: number;
  lagSeconds: number;
  lagAfterCallbackSeconds?: number;
}

/** `baselineTransitions(job)`: the fixed 5 s policy's transitions on that job, measured in the same bench run. */
export async function measureCallbackEfficiency(
  jobSeconds: readonly number[],
  spreadOffsets: readonly number[],
  baselineTransitions: (jobSeconds: number) => number,
  defaultTransitions: (jobSeconds: number) => number,
  progress: (line: string) => void,
): Promise<CallbackEfficiency> {
  const callbacks = { ...shippedConfig().callbacks!, enabled: true };
  const fallbackPolicy = callbacks.waitPolicy ?? CALLBACK_FALLBACK_WAIT_POLICY;
  const raw = new Map<string, Raw>();
  for (const mode of CALLBACK_MODES) {
    const started = Date.now();
    const plans = new Map<string, JobPlanOverride>();
    const simulator = new CivitaiSimulator({
      progressFields: false,
      callbacks: mode.delivery,
      planFor: (template) => {
        const name = runNameOf(template);
        return name === undefined ? undefined : plans.get(name);
      },
    });
    await simulator.start();
    try {
      const workflow = synthesizeForSimulator(simulator, { callbacks: { ...callbacks, ...(mode.waitPolicy ? { waitPolicy: mode.waitPolicy } : {}) } });
      const runs = jobSeconds.flatMap((n) => spreadOffsets.map((offset) => n + offset));
      await Promise.all(
        runs.map(async (seconds) => {
          const runName = `cb-${mode.name.replace(/[^a-z0-9]+/gi, '-')}-${seconds}s`;
          plans.set(runName, jobOf(seconds));
          const { result, endedAt } = await runOnVirtualClock(simulator, workflow, runName, seededRandom(runName));
          const workflowId = (result.output as { workflowId?: unknown } | undefined)?.workflowId;
          const job = typeof workflowId === 'string' ? simulator.workflow(workflowId) : undefined;
          if (result.status !== 'SUCCEEDED' || job === undefined || job.terminalAt === null) {
            throw new Error(`callback efficiency: run ${runName} ended ${result.status} (${result.error ?? 'no error'}); every run of this part should succeed`);
          }
          // When the callback was due, sent or not: a run that noticed the end by polling first never sees it sent.
          const callbackDue = (mode.delivery.lossRate ?? 0) >= 1 ? undefined : job.terminalAt + (mode.delivery.delayMs ?? 0);
          raw.set(`${mode.name}|${seconds}`, {
            transitions: transitionsOf(result),
            polls: result.events.filter((e) => e.type === 'StateEntered' && e.stateName === 'pollWorkflow').length,
            lagSeconds: (endedAt - job.terminalAt) / 1000,
            ...(callbackDue !== undefined ? { lagAfterCallbackSeconds: Math.max(0, (endedAt - callbackDue) / 1000) } : {}),
          });
        }),
      );
    } finally {
      await simulator.stop();
    }
    progress(`poll efficiency: ${mode.name}: ${jobSeconds.length * spreadOffsets.length} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const measurements: CallbackMeasurement[] = [];
  for (const mode of CALLBACK_MODES) {
    for (const n of jobSeconds) {
      const get = (seconds: number) => raw.get(`${mode.name}|${seconds}`)!;
      const own = get(n);
      const spread = spreadOffsets.map((offset) => ({ seconds: n + offset, ...get(n + offset) }));
      const afterCallback = spread.flatMap((r) => (r.lagAfterCallbackSeconds === undefined ? [] : [r.lagAfterCallbackSeconds]));
      const policy = mode.waitPolicy ?? fallbackPolicy;
      const lagBoundSeconds = fallbackLagBound(policy, n);
      measurements.push({
        mode: mode.name,
        jobSeconds: n,
        ...own,
        spread: {
          meanTransitions: mean(spread.map((r) => r.transitions)),
          meanLagSeconds: mean(spread.map((r) => r.lagSeconds)),
          maxLagSeconds: Math.max(...spread.map((r) => r.lagSeconds)),
          ...(afterCallback.length > 0 ? { maxLagAfterCallbackSeconds: Math.max(...afterCallback) } : {}),
        },
        transitionsVsBaseline: own.transitions / baselineTransitions(n),
        transitionsVsDefault: own.transitions / defaultTransitions(n),
        lagBoundSeconds,
        lagWithinBound: spread.every((r) => r.lagSeconds <= fallbackLagBound(policy, r.seconds)),
      });
    }
  }
  const delivered600 = measurements.find((m) => m.mode === CALLBACK_MODES[0]!.name && m.jobSeconds === 600);
  const share = delivered600?.transitionsVsBaseline ?? Number.NaN;
  const afterCallback = Math.max(...measurements.flatMap((m) => (m.spread.maxLagAfterCallbackSeconds === undefined ? [] : [m.spread.maxLagAfterCallbackSeconds])));
  const lostOk = measurements.filter((m) => m.mode.startsWith('callbacks lost')).every((m) => m.lagWithinBound);
  return {
    fallbackPolicy,
    measurements,
    targets: {
      transitionShareOn600: share,
      maxLagAfterCallbackSeconds: afterCallback,
      lostSucceedWithinBound: lostOk,
      met: share <= CALLBACK_TARGETS.transitionShareOn600 && afterCallback <= CALLBACK_TARGETS.lagAfterCallbackSeconds && lostOk,
    },
  };
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
