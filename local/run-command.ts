/**
 * `npm start` / `npx arazzo-sfn run`: runs the state machine `cdk deploy` would deploy, locally. See USAGE.
 * The command line, the settings, the document's names and the inputs are all checked before anything is
 * synthesized, and the synthesized definition is cached by content hash (workflow-cache.ts), so a repeated run
 * starts in about a second. The CDK and the compiler are imported only when a synth is needed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compileOptionsOf, readAppConfig, type ArazzoAppConfig } from '../lib/app-config.ts';
import { loadArazzo, type LoadedArazzo } from '../lib/arazzo/load.ts';
import { validateInputs } from '../lib/arazzo/inputs.ts';
import type { JsonSchema } from '../lib/arazzo/types.ts';
import { CivitaiSimulator } from './civitai-simulator.ts';
import { TERMINAL_STATUSES, type TerminalStatus } from './civitai-simulator-jobs.ts';
import { systemClock, VirtualClock } from './clock.ts';
import { describeDocument } from './document-help.ts';
import { eventsWithChildren, executeLocally, markValidated, validateDefinitions } from './local-execution.ts';
import { createProgressPrinter } from './progress.ts';
import { importProjectModule } from './project-module.ts';
import { collectInputs, isLoopbackUrl, parseRunOptions, UsageError, USAGE, type RunOptions } from './run-options.ts';
import type { SynthesizedWorkflow } from './synthesize-workflow.ts';
import { placeholderUrl, projectRoot, readCachedWorkflow, withServerUrls, workflowCacheKey, writeCachedWorkflow } from './workflow-cache.ts';

/** Used when every request goes to this machine (the simulator, a mock): it only checks that a Bearer token is there. */
const SIMULATOR_KEY = 'local-simulator-key';
const DEFAULT_CIVITAI_INPUTS = { prompt: 'A lighthouse on a cliff at dawn, oil painting', engine: 'sdxl', quantity: 2 };

export async function runFromCommandLine(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    const usage = error instanceof UsageError;
    process.stderr.write(`${usage ? '' : 'error: '}${error instanceof Error ? error.message : String(error)}\n${usage ? 'See npm start -- --help\n' : ''}`);
    process.exitCode = usage ? 2 : 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const options = parseRunOptions(argv);
  const shipped = options.document === undefined;
  if (options.fast && (options.live || Object.keys(options.servers).length > 0) && shipped) {
    throw new UsageError('--fast skips waits on a virtual clock only the bundled simulator follows; a real API would be polled without pause. Drop --fast with --live or --server');
  }
  if (options.live && Object.keys(options.servers).length > 0) throw new UsageError("--live calls the document's own servers; drop --server");
  const config = withCallbackSwitch(shipped ? shippedConfig(options) : documentConfig(options), options);
  let loaded: LoadedArazzo;
  try {
    loaded = loadArazzo(config.document, {
      ...(config.overlay ? { overlay: config.overlay } : {}),
      ...(config.callbacks?.enabled && config.callbacks.overlay ? { overlays: [path.resolve(projectRoot, config.callbacks.overlay)] } : {}),
      allowRoots: config.allowRoots ?? [],
    });
  } catch (error) {
    if (!options.help) throw error;
    process.stderr.write(`${USAGE}\n\n${(error as Error).message}\n`);
    return 2;
  }
  const secretInputs = config.secretInputs ?? [];
  if (options.help) {
    process.stderr.write(`${USAGE}\n\n${describeDocument(loaded, config.workflowId, secretInputs)}\n`);
    return 0;
  }
  const sourceNames = loaded.document.sourceDescriptions.map((s) => s.name);
  for (const name of Object.keys(options.servers)) {
    if (!sourceNames.includes(name)) {
      throw new UsageError(`--server ${name}=…: the document has no source description '${name}'; source descriptions: ${sourceNames.join(', ')}`);
    }
  }
  for (const name of Object.keys(options.secretEnv)) {
    if (!secretInputs.includes(name)) throw new UsageError(`--secret-env ${name}=…: '${name}' is not a secret input of this workflow; secret inputs: ${secretInputs.join(', ') || 'none'}`);
  }
  if (options.fast && !shipped) {
    process.stderr.write('note: --fast skips every wait; a server that keeps real time sees the polls back to back\n');
  }

  // Base URLs chosen for this run are compiled as placeholders, so they do not change the cache key.
  const useSimulator = shipped && !options.live && Object.keys(options.servers).length === 0;
  const runServers = useSimulator ? sourceNames : Object.keys(options.servers);
  const placeholders = Object.fromEntries(runServers.map((name) => [name, placeholderUrl(sourceNames.indexOf(name))]));
  const synthConfig: ArazzoAppConfig = { ...config, serverUrls: { ...config.serverUrls, ...placeholders } };
  const files = [config.document, ...(config.overlay ? [config.overlay] : []), ...(config.callbacks?.enabled && config.callbacks.overlay ? [path.resolve(projectRoot, config.callbacks.overlay)] : []), ...Object.values(loaded.sources).map((s) => s.url).filter((u) => path.isAbsolute(u))];
  const key = workflowCacheKey(synthConfig, files);
  let workflow = options.noCache ? undefined : readCachedWorkflow(key);
  let prepared: PreparedInputs | undefined;
  if (!workflow) {
    // Every setting and name is checked by the compiler (fast), and the inputs against its schema, before the synth.
    const { compileWorkflow } = await import('../lib/compile/compile-workflow.ts');
    const compiled = compileWorkflow(loaded, compileOptionsOf(synthConfig));
    prepared = prepareInputs(options, shipped, compiled.publicInputSchema, compiled.secretInputs, callsOnlyLoopback(useSimulator, sourceNames, options));
    if (!options.quiet) process.stderr.write('Synthesizing the CDK app (cached for the next run with the same settings)\n');
    const { synthesizeWorkflow } = await importProjectModule<typeof import('./synthesize-workflow.ts')>(new URL('./synthesize-workflow.ts', import.meta.url));
    workflow = synthesizeWorkflow(synthConfig);
    validateDefinitions([workflow.definition, ...Object.values(workflow.stateMachines ?? {})]);
    writeCachedWorkflow(key, workflow);
  }
  prepared ??= prepareInputs(options, shipped, workflow.publicInputSchema, workflow.secretInputs, callsOnlyLoopback(useSimulator, sourceNames, options));
  const { input, secrets } = prepared;

  let simulator: CivitaiSimulator | undefined;
  if (useSimulator) {
    simulator = new CivitaiSimulator({
      ...(options.submitStatus === 200 || options.submitStatus === 202 ? { submitStatus: options.submitStatus } : {}),
      ...(options.callbacks
        ? {
            callbacks: {
              ...(options.callbackDelaySeconds !== undefined ? { delayMs: options.callbackDelaySeconds * 1000 } : {}),
              ...(options.callbackLoss !== undefined ? { lossRate: options.callbackLoss } : {}),
              ...(options.callbackCopies !== undefined ? { copies: options.callbackCopies } : {}),
            },
          }
        : {}),
      jobPlan: {
        ...(options.outcome ? { outcome: terminalStatus(options.outcome) } : {}),
        ...(options.jobSeconds !== undefined ? { phaseMs: { processing: options.jobSeconds * 1000 } } : {}),
      },
    });
    await simulator.start();
  }
  try {
    const serverUrls = Object.fromEntries(runServers.map((name) => [name, simulator?.baseUrl ?? options.servers[name]!]));
    const runnable: SynthesizedWorkflow = withServerUrls(
      workflow,
      Object.fromEntries(runServers.map((name) => [name, { placeholder: placeholders[name]!, url: serverUrls[name]! }])),
    );
    // Checked before it was cached; the base URLs put in since are strings inside the plans.
    markValidated([runnable.definition, ...Object.values(runnable.stateMachines ?? {})]);
    const clock = options.fast ? new VirtualClock() : systemClock;
    const clockKey = `run-${process.pid}`;
    simulator?.registerClock(clockKey, clock);
    const target = options.live ? 'the live API' : simulator ? `the simulator at ${simulator.baseUrl}` : Object.entries(serverUrls).map(([k, v]) => `${k}=${v}`).join(', ') || "the document's servers";
    process.stderr.write(
      `Running ${runnable.stackName} (${config.workflowId ?? 'first workflow'}) against ${target}, ${options.fast ? 'virtual' : 'real'} time${config.callbacks?.enabled ? ', woken by callbacks' : ''}\n`,
    );
    const realStart = Date.now();
    const result = await executeLocally({
      definition: runnable.definition,
      stateMachines: runnable.stateMachines ?? {},
      input,
      secrets,
      clock,
      ...(simulator ? { simulatorClockKey: clockKey } : {}),
      ...(options.quiet ? {} : { onEvent: createProgressPrinter((line) => process.stderr.write(`${line}\n`), options.fast ? 'virtual' : 'real') }),
    });
    if (options.events) writeFileSync(options.events, `${JSON.stringify(eventsWithChildren(result), null, 2)}\n`);

    const calls = result.logs.length;
    const timing = options.fast ? `${(result.elapsedMs / 1000).toFixed(1)}s virtual, ${((Date.now() - realStart) / 1000).toFixed(1)}s real` : `${(result.elapsedMs / 1000).toFixed(1)}s`;
    const nested = result.childExecutions.length > 0 ? `, ${result.childExecutions.length} nested execution${result.childExecutions.length === 1 ? '' : 's'}` : '';
    const summary = `${result.transitions} state transitions, ${calls} step runs${nested}, ${timing}${options.events ? `, events in ${options.events}` : ''}`;
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

/** `--callbacks` turns on the callbacks the deployment settings describe (cdk.json arazzo.callbacks). */
function withCallbackSwitch(config: ArazzoAppConfig, options: RunOptions): ArazzoAppConfig {
  const delivery = options.callbackDelaySeconds !== undefined || options.callbackLoss !== undefined || options.callbackCopies !== undefined;
  if (delivery && !options.callbacks) throw new UsageError('--callback-delay, --callback-loss and --callback-copies shape the simulator\'s callbacks: add --callbacks');
  if (!options.callbacks) return config;
  if (config.callbacks === undefined) {
    throw new UsageError('--callbacks: the deployment settings have no callbacks (cdk.json arazzo.callbacks says where the request carries the callback URL and which step it wakes; see docs/callbacks.md)');
  }
  return { ...config, callbacks: { ...config.callbacks, enabled: true } };
}

function terminalStatus(text: string): TerminalStatus {
  const status = TERMINAL_STATUSES.find((s) => s === text);
  if (!status) throw new UsageError(`--outcome must be one of ${TERMINAL_STATUSES.join(', ')}, not '${text}'`);
  return status;
}

/** The deployment settings of cdk.json, with its paths made absolute (the command may run from any directory). */
function shippedConfig(options: RunOptions): ArazzoAppConfig {
  const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const config = readAppConfig((key) => (key === 'overlay' && options.overlay !== undefined ? options.overlay : cdkJson.context?.[key]));
  return {
    ...config,
    document: path.resolve(projectRoot, config.document),
    ...(config.overlay ? { overlay: options.overlay !== undefined ? path.resolve(options.overlay) : path.resolve(projectRoot, config.overlay) } : {}),
    ...(options.workflow ? { workflowId: options.workflow } : {}),
    allowRoots: [...(config.allowRoots ?? []).map((root) => path.resolve(projectRoot, root)), ...options.allowRoots.map((root) => path.resolve(root))],
  };
}

function documentConfig(options: RunOptions): ArazzoAppConfig {
  return {
    stackName: 'LocalArazzoWorkflow',
    document: path.resolve(options.document!),
    ...(options.overlay && options.overlay !== 'none' ? { overlay: path.resolve(options.overlay) } : {}),
    ...(options.workflow ? { workflowId: options.workflow } : {}),
    allowRoots: options.allowRoots.map((root) => path.resolve(root)),
    secretInputs: [...new Set([...options.secrets, ...Object.keys(options.secretEnv)])],
  };
}

function callsOnlyLoopback(useSimulator: boolean, sourceNames: string[], options: RunOptions): boolean {
  return useSimulator || sourceNames.every((name) => options.servers[name] !== undefined && isLoopbackUrl(options.servers[name]));
}

interface PreparedInputs {
  /** The execution input: public inputs only. */
  input: Record<string, unknown>;
  secrets: Record<string, string>;
}

function prepareInputs(options: RunOptions, shipped: boolean, schema: JsonSchema, secretInputs: string[], onlyLoopback: boolean): PreparedInputs {
  const allInputs = { ...(shipped ? DEFAULT_CIVITAI_INPUTS : {}), ...collectInputs(options, schema, secretInputs) };
  const secrets = secretValues(secretInputs, allInputs, options.secretEnv, shipped, onlyLoopback);
  const input = Object.fromEntries(Object.entries(allInputs).filter(([k]) => !secretInputs.includes(k)));
  const problems = validateInputs(schema, input);
  if (problems.length > 0) throw new UsageError(`invalid inputs:\n  ${problems.join('\n  ')}`);
  return { input, secrets };
}

/**
 * Secret inputs never enter the execution input: they go to the step runner's local secret store. A real key
 * goes only to a server off this machine: the simulator, or any loopback --server, gets a dummy one unless a
 * value is named explicitly (--secret-env, --input).
 */
function secretValues(
  names: string[],
  inputs: Record<string, unknown>,
  fromEnv: Record<string, string>,
  shipped: boolean,
  onlyLoopback: boolean,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of names) {
    const variable = fromEnv[name];
    if (variable !== undefined) {
      const value = process.env[variable];
      if (!value) throw new UsageError(`--secret-env ${name}=${variable}: the environment variable ${variable} is not set`);
      values[name] = value;
      continue;
    }
    const fromInputs = inputs[name];
    const value =
      typeof fromInputs === 'string' ? fromInputs : shipped ? (onlyLoopback ? SIMULATOR_KEY : process.env.CIVITAI_API_KEY || undefined) : undefined;
    if (value === undefined) {
      throw new UsageError(
        shipped
          ? 'calling the real API (--live or --server) needs the API key: export CIVITAI_API_KEY=<your key>'
          : `secret input ${name}: give its value with --secret-env ${name}=<ENV_VAR> (or in an --input file); it goes to the local secret store, never into the state`,
      );
    }
    values[name] = value;
  }
  return values;
}
