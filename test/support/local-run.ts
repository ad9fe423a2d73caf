import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { ArazzoAppConfig } from '../../lib/app-config.ts';
import { CivitaiSimulator, type CivitaiSimulatorOptions } from '../../local/civitai-simulator.ts';
import { VirtualClock } from '../../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../../local/local-execution.ts';
import { synthesizeWorkflow, type SynthesizedWorkflow } from '../../local/synthesize-workflow.ts';
import { shippedConfig } from './civitai-stack.ts';

export const TEST_API_KEY = 'sk-test-5f1c2a9e-very-secret';

const synthesized = new Map<string, SynthesizedWorkflow>();

/** Synthesizes once per configuration (bundling takes a second), pointing every source at `baseUrl`. */
export function synthesizeFor(config: ArazzoAppConfig, baseUrl: string): SynthesizedWorkflow {
  const serverUrls = Object.fromEntries(loadArazzo(config.document, { allowRoots: config.allowRoots ?? [] }).document.sourceDescriptions.map((s) => [s.name, baseUrl]));
  const key = JSON.stringify({ ...config, serverUrls });
  let workflow = synthesized.get(key);
  if (!workflow) {
    workflow = synthesizeWorkflow({ ...config, serverUrls });
    synthesized.set(key, workflow);
  }
  return workflow;
}

export interface CivitaiRun {
  result: LocalExecutionResult;
  simulator: CivitaiSimulator;
  /** The run's virtual clock when it ended (ms, the simulator's clock for this run's jobs). */
  endedAt: number;
}

/** One run of the shipped Civitai app (or a changed configuration) on virtual time against a fresh simulator. */
export async function runCivitai(options: {
  simulator?: CivitaiSimulatorOptions;
  config?: Record<string, unknown>;
  input?: Record<string, unknown>;
  secrets?: Record<string, string>;
  executionName?: string;
  /** The jitter draw, 0.5 unless given. */
  random?: () => number;
} = {}): Promise<CivitaiRun> {
  const simulator = new CivitaiSimulator({ expectedToken: TEST_API_KEY, ...options.simulator });
  const url = await simulator.start();
  try {
    const workflow = synthesizeFor(shippedConfig(options.config), url);
    const clock = new VirtualClock();
    simulator.registerClock('test-run', clock);
    const result = await executeLocally({
      definition: workflow.definition,
      input: options.input ?? { prompt: 'a red fox in the snow', engine: 'sdxl', quantity: 2 },
      secrets: options.secrets ?? { apiKey: TEST_API_KEY },
      clock,
      simulatorClockKey: 'test-run',
      random: options.random ?? (() => 0.5),
      ...(options.executionName ? { executionName: options.executionName } : {}),
    });
    return { result, simulator, endedAt: clock.now() };
  } finally {
    await simulator.stop();
  }
}

export const taskVisits = (result: LocalExecutionResult, stateName: string) =>
  result.events.filter((e) => e.type === 'StateEntered' && e.stateName === stateName).length;
