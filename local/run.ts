/**
 * `npm start`: synthesizes the app, then runs the exact state machine locally. See USAGE.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readAppConfig, type ArazzoAppConfig } from '../lib/app-config.ts';
import { loadArazzo } from '../lib/arazzo/load.ts';
import { validateInputs } from '../lib/arazzo/inputs.ts';
import { CivitaiSimulator } from './civitai-simulator.ts';
import { TERMINAL_STATUSES, type TerminalStatus } from './civitai-simulator-jobs.ts';
import { systemClock, VirtualClock } from './clock.ts';
import { executeLocally } from './local-execution.ts';
import { createProgressPrinter } from './progress.ts';
import { collectInputs, parseRunOptions, UsageError, USAGE, type RunOptions } from './run-options.ts';
import { synthesizeWorkflow } from './synthesize-workflow.ts';

/** Used against the simulator when CIVITAI_API_KEY is not set: the simulator only checks that a Bearer token is there. */
const SIMULATOR_KEY = 'local-simulator-key';
const DEFAULT_CIVITAI_INPUTS = { prompt: 'A lighthouse on a cliff at dawn, oil painting', engine: 'sdxl', quantity: 2 };

async function main(argv: string[]): Promise<number> {
  const parsed = parseRunOptions(argv);
  if (parsed === 'help') {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const options = parsed;
  const shipped = options.document === undefined;
  if (options.fast && (options.live || Object.keys(options.servers).length > 0) && shipped) {
    throw new UsageError('--fast skips waits on a virtual clock only the bundled simulator follows; a real API would be polled without pause. Drop --fast with --live or --server');
  }
  if (options.fast && !shipped) {
    process.stderr.write('note: --fast skips every wait; a server that keeps real time sees the polls back to back\n');
  }
  const config = shipped ? shippedConfig(options) : documentConfig(options);

  let simulator: CivitaiSimulator | undefined;
  const serverUrls = { ...options.servers };
  if (shipped && !options.live && Object.keys(options.servers).length === 0) {
    simulator = new CivitaiSimulator({
      ...(options.submitStatus === 200 || options.submitStatus === 202 ? { submitStatus: options.submitStatus } : {}),
      jobPlan: {
        ...(options.outcome ? { outcome: terminalStatus(options.outcome) } : {}),
        ...(options.jobSeconds !== undefined ? { phaseMs: { processing: options.jobSeconds * 1000 } } : {}),
      },
    });
    const url = await simulator.start();
    for (const source of loadArazzo(config.document, { allowRoots: config.allowRoots ?? [] }).document.sourceDescriptions) serverUrls[source.name] = url;
  }
  try {
    const workflow = synthesizeWorkflow({ ...config, serverUrls: { ...config.serverUrls, ...serverUrls } });
    const allInputs = { ...(shipped ? DEFAULT_CIVITAI_INPUTS : {}), ...collectInputs(options, workflow.publicInputSchema, workflow.secretInputs) };
    const secrets = secretValues(workflow.secretInputs, allInputs, shipped, simulator === undefined);
    const input = Object.fromEntries(Object.entries(allInputs).filter(([k]) => !workflow.secretInputs.includes(k)));
    const problems = validateInputs(workflow.publicInputSchema, input);
    if (problems.length > 0) throw new UsageError(`invalid inputs:\n  ${problems.join('\n  ')}`);

    const clock = options.fast ? new VirtualClock() : systemClock;
    const clockKey = `run-${process.pid}`;
    simulator?.registerClock(clockKey, clock);
    const target = options.live ? 'the live API' : simulator ? `the simulator at ${simulator.baseUrl}` : Object.entries(serverUrls).map(([k, v]) => `${k}=${v}`).join(', ') || "the document's servers";
    process.stderr.write(`Running ${workflow.stackName} (${config.workflowId ?? 'first workflow'}) against ${target}, ${options.fast ? 'virtual' : 'real'} time\n`);
    const realStart = Date.now();
    const result = await executeLocally({
      definition: workflow.definition,
      input,
      secrets,
      clock,
      ...(simulator ? { simulatorClockKey: clockKey } : {}),
      ...(options.quiet ? {} : { onEvent: createProgressPrinter((line) => process.stderr.write(`${line}\n`), options.fast ? 'virtual' : 'real') }),
    });
    if (options.events) writeFileSync(options.events, `${JSON.stringify(result.events, null, 2)}\n`);

    const calls = result.logs.length;
    const timing = options.fast ? `${(result.elapsedMs / 1000).toFixed(1)}s virtual, ${((Date.now() - realStart) / 1000).toFixed(1)}s real` : `${(result.elapsedMs / 1000).toFixed(1)}s`;
    const summary = `${result.transitions} state transitions, ${calls} step runs, ${timing}${options.events ? `, events in ${options.events}` : ''}`;
    if (result.status === 'SUCCEEDED') {
      process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
      process.stderr.write(`SUCCEEDED: ${summary}\n`);
      return 0;
    }
    process.stderr.write(`FAILED with ${result.error}: ${summary}\ncause: ${result.cause}\n`);
    return 1;
  } finally {
    await simulator?.stop();
  }
}

function terminalStatus(text: string): TerminalStatus {
  const status = TERMINAL_STATUSES.find((s) => s === text);
  if (!status) throw new UsageError(`--outcome must be one of ${TERMINAL_STATUSES.join(', ')}, not '${text}'`);
  return status;
}

function shippedConfig(options: RunOptions): ArazzoAppConfig {
  const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: Record<string, unknown> };
  const config = readAppConfig((key) => (key === 'overlay' && options.overlay !== undefined ? options.overlay : cdkJson.context?.[key]));
  return { ...config, allowRoots: [...(config.allowRoots ?? []), ...options.allowRoots] };
}

function documentConfig(options: RunOptions): ArazzoAppConfig {
  return {
    stackName: 'LocalArazzoWorkflow',
    document: options.document!,
    ...(options.overlay && options.overlay !== 'none' ? { overlay: options.overlay } : {}),
    ...(options.workflow ? { workflowId: options.workflow } : {}),
    allowRoots: options.allowRoots,
    secretInputs: options.secrets,
  };
}

/**
 * Secret inputs never enter the execution input: they go to the step runner's local secret store. The real
 * key goes only to a real server: the bundled simulator gets a dummy one even when CIVITAI_API_KEY is set.
 */
function secretValues(names: string[], inputs: Record<string, unknown>, shipped: boolean, realServer: boolean): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of names) {
    const fromInputs = inputs[name];
    const fromEnv = shipped && realServer ? process.env.CIVITAI_API_KEY || undefined : undefined;
    const value = typeof fromInputs === 'string' ? fromInputs : (fromEnv ?? (shipped && !realServer ? SIMULATOR_KEY : undefined));
    if (value === undefined) {
      throw new UsageError(
        shipped
          ? 'calling the real API (--live or --server) needs the API key: export CIVITAI_API_KEY=<your key>'
          : `secret input ${name}: give its value in --input (it goes to the local secret store, never into the state)`,
      );
    }
    values[name] = value;
  }
  return values;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`${usage ? '' : 'error: '}${error instanceof Error ? error.message : String(error)}\n${usage ? 'See npm start -- --help\n' : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
