/**
 * The shipped Civitai app as the bench runs it: the deployment settings of cdk.json with a chosen wait
 * policy, synthesized in-process and pointed at a local simulator, and one run of it on its own virtual clock.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAppConfig, type ArazzoAppConfig } from '../lib/app-config.ts';
import { loadArazzo } from '../lib/arazzo/load.ts';
import type { CivitaiSimulator } from '../local/civitai-simulator.ts';
import type { JobPlanOverride } from '../local/civitai-simulator-jobs.ts';
import { VirtualClock } from '../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../local/local-execution.ts';
import { synthesizeWorkflow, type SynthesizedWorkflow } from '../local/synthesize-workflow.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The simulator only checks that a bearer token is present; this is not a credential. */
export const BENCH_API_KEY = 'bench-simulator-key';

/** cdk.json's `arazzo` settings, with paths made absolute so the bench runs from any directory. */
export function shippedConfig(changes: Partial<ArazzoAppConfig> = {}): ArazzoAppConfig {
  const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const config = readAppConfig((key) => cdkJson.context[key]);
  const absolute = (file: string | undefined) => (file === undefined ? undefined : path.resolve(projectRoot, file));
  return {
    ...config,
    document: absolute(config.document)!,
    ...(config.overlay ? { overlay: absolute(config.overlay) } : {}),
    ...changes,
  };
}

/** Synthesizes the shipped app with `changes` (a wait policy, a timeout), every source description pointed at the simulator. */
export function synthesizeForSimulator(simulator: CivitaiSimulator, changes: Partial<ArazzoAppConfig>): SynthesizedWorkflow {
  const base = shippedConfig(changes);
  const serverUrls = Object.fromEntries(loadArazzo(base.document, { allowRoots: base.allowRoots ?? [] }).document.sourceDescriptions.map((s) => [s.name, simulator.baseUrl]));
  return synthesizeWorkflow({ ...base, serverUrls });
}

/**
 * A job that reaches its terminal status `seconds` after submission, spending 10 % unassigned, 10 %
 * preparing, 20 % scheduled and 60 % processing (each status is seen by the poll loop on a long job).
 */
export function jobOf(seconds: number, outcome: JobPlanOverride['outcome'] = 'succeeded'): JobPlanOverride {
  const total = Math.round(seconds * 1000);
  const unassigned = Math.round(total * 0.1);
  const preparing = Math.round(total * 0.1);
  const scheduled = Math.round(total * 0.2);
  return { outcome, phaseMs: { unassigned, preparing, scheduled, processing: total - unassigned - preparing - scheduled } };
}

export interface BenchRun {
  result: LocalExecutionResult;
  /** The run's clock when it ended (ms since epoch, same clock as the simulator's `terminalAt` of its job). */
  endedAt: number;
}

/**
 * One run on its own virtual clock, registered with the simulator under `name`. The prompt carries `name` so
 * the simulator's `planFor` can give this run's job its plan whatever order concurrent submits arrive in.
 */
export async function runOnVirtualClock(
  simulator: CivitaiSimulator,
  workflow: SynthesizedWorkflow,
  name: string,
  random: () => number,
  fetchFn?: typeof fetch,
): Promise<BenchRun> {
  const clock = new VirtualClock();
  simulator.registerClock(name, clock);
  try {
    const result = await executeLocally({
      definition: workflow.definition,
      input: { prompt: promptFor(name), engine: 'sdxl', quantity: 2 },
      secrets: { apiKey: BENCH_API_KEY },
      clock,
      simulatorClockKey: name,
      executionName: name,
      random,
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
    return { result, endedAt: clock.now() };
  } finally {
    simulator.unregisterClock(name);
  }
}

const PROMPT_PREFIX = 'bench run ';

export function promptFor(name: string): string {
  return `${PROMPT_PREFIX}${name}`;
}

/** The run name a submitted template's prompt carries, for `planFor`. */
export function runNameOf(template: unknown): string | undefined {
  const prompt = (template as { steps?: Array<{ input?: { prompt?: unknown } }> }).steps?.[0]?.input?.prompt;
  if (typeof prompt !== 'string' || !prompt.startsWith(PROMPT_PREFIX)) return undefined;
  return prompt.slice(PROMPT_PREFIX.length);
}

/** State transitions as Standard workflows bill them: one per state entered, counted from the event log. */
export function transitionsOf(result: LocalExecutionResult): number {
  return result.events.filter((event) => event.type === 'StateEntered').length;
}
