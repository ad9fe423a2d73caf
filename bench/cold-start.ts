/**
 * Cold start of the step runner: the size of the bundle `cdk deploy` uploads, and how long a fresh Node
 * process takes to import it and handle one poll against the simulator, against a minimal handler (one
 * fetch) bundled the same way and measured in the same run.
 *
 * No AWS call happens: the handler builds its Secrets Manager client when imported (as in Lambda), but it
 * only calls Secrets Manager for a plan with secret inputs, and the bench deploys the shipped workflow with
 * no secret inputs (the step runner runs only the plans deployed with it), the simulator's placeholder token
 * given as an ordinary input instead.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { stackPropsFromConfig } from '../lib/app-config.ts';
import { ArazzoWorkflowStack } from '../lib/arazzo-workflow-stack.ts';
import type { RunState, StepRunnerEvent } from '../lib/compile/step-plan.ts';
import { CivitaiSimulator, WORKFLOWS_PATH } from '../local/civitai-simulator.ts';
import { BENCH_API_KEY, projectRoot, shippedConfig } from './bench-app.ts';

export const REPETITIONS = 9;

/**
 * The bundling options of the step runner in lib/arazzo-workflow.ts (ESM for node22, minified, the AWS SDK left
 * to the Lambda runtime, `require` provided for CommonJS dependencies), for the minimal handler. The step
 * runner's own bundle is taken from a synth of the stack, so it is the deployed artifact byte for byte.
 */
const LAMBDA_BUNDLE_BANNER =
  "import { createRequire as __arazzoCreateRequire } from 'module'; const require = __arazzoCreateRequire(import.meta.url);";

/** Under the gitignored results.tmp/ so the bundles resolve `@aws-sdk/*` from the project's node_modules, as Lambda's runtime provides it. */
const WORK_DIR = path.join(projectRoot, 'bench/results.tmp/cold-start');

export interface BundleTiming {
  bytes: number;
  gzipBytes: number;
  /** Medians over the repetitions, milliseconds. */
  processWallMs: number;
  importMs: number;
  firstInvokeMs: number;
  importAndInvokeMs: number;
  samples: Array<{ processWallMs: number; importMs: number; firstInvokeMs: number }>;
}

export interface ColdStart {
  repetitions: number;
  nodeVersion: string;
  stepRunner: BundleTiming;
  minimal: BundleTiming;
  ratios: { bytes: number; gzipBytes: number; processWallMs: number; importAndInvokeMs: number };
}

export async function measureColdStart(progress: (line: string) => void): Promise<ColdStart> {
  rmSync(WORK_DIR, { recursive: true, force: true });
  mkdirSync(WORK_DIR, { recursive: true });
  const simulator = new CivitaiSimulator({ progressFields: false });
  const baseUrl = await simulator.start();
  try {
    const stepRunnerBundle = synthStepRunnerBundle(baseUrl);
    const minimalBundle = path.join(WORK_DIR, 'minimal/index.mjs');
    await build({
      entryPoints: [path.join(projectRoot, 'bench/minimal-handler.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: false,
      external: ['@aws-sdk/*'],
      banner: { js: LAMBDA_BUNDLE_BANNER },
      outfile: minimalBundle,
      logLevel: 'warning',
    });
    const probe = path.join(WORK_DIR, 'probe.mjs');
    writeFileSync(probe, PROBE_SOURCE);

    const workflowId = await submitJob(baseUrl);
    const stepRunnerEvent = pollEvent(stepRunnerBundle.planText, workflowId);
    const minimalEvent = { url: `${baseUrl}${WORKFLOWS_PATH}/${workflowId}`, headers: { authorization: `Bearer ${BENCH_API_KEY}` } };
    const checkStepRunner = (result: unknown) => (result as RunState).control?.lastStep?.statusCode === 200 && (result as RunState).control.route !== 'stepFailed';
    const checkMinimal = (result: unknown) => (result as { statusCode?: number }).statusCode === 200;

    const stepRunnerSamples: BundleTiming['samples'] = [];
    const minimalSamples: BundleTiming['samples'] = [];
    // Alternated, so drift in the machine's load falls on both alike.
    for (let i = 0; i < REPETITIONS; i++) {
      stepRunnerSamples.push(await timeFreshProcess(probe, stepRunnerBundle.file, stepRunnerEvent, checkStepRunner));
      minimalSamples.push(await timeFreshProcess(probe, minimalBundle, minimalEvent, checkMinimal));
    }
    progress(`cold start: ${REPETITIONS} fresh processes each for the step runner and the minimal handler`);
    const stepRunner = summarize(stepRunnerBundle.file, stepRunnerSamples);
    const minimal = summarize(minimalBundle, minimalSamples);
    return {
      repetitions: REPETITIONS,
      nodeVersion: process.version,
      stepRunner,
      minimal,
      ratios: {
        bytes: stepRunner.bytes / minimal.bytes,
        gzipBytes: stepRunner.gzipBytes / minimal.gzipBytes,
        processWallMs: stepRunner.processWallMs / minimal.processWallMs,
        importAndInvokeMs: stepRunner.importAndInvokeMs / minimal.importAndInvokeMs,
      },
    };
  } finally {
    await simulator.stop();
    rmSync(WORK_DIR, { recursive: true, force: true });
  }
}

interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** Synthesizes the shipped stack, keeping the step runner's asset (the bundle CDK made) and its pollWorkflow plan. */
function synthStepRunnerBundle(baseUrl: string): { file: string; planText: string } {
  const outdir = path.join(WORK_DIR, 'cdk.out');
  const config = shippedConfig({ serverUrls: { civitaiOrchestrationApi: baseUrl }, secretInputs: [] });
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const app = new App({ outdir });
    new ArazzoWorkflowStack(app, config.stackName, stackPropsFromConfig(config));
    app.synth();
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
  }
  const template = JSON.parse(readFileSync(path.join(outdir, `${config.stackName}.template.json`), 'utf8')) as { Resources: Record<string, TemplateResource> };
  const resources = Object.values(template.Resources);
  const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith('Runs one step of Arazzo workflow'));
  const s3Key = (fn?.Properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
  if (typeof s3Key !== 'string') throw new Error('cold start: the synthesized stack has no step runner function with an S3 asset');
  const file = path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');

  const machine = resources.find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const definitionText = machine?.Properties.DefinitionString;
  if (typeof definitionText !== 'string') throw new Error('cold start: the synthesized state machine has no literal definition');
  const definition = JSON.parse(definitionText) as { States: Record<string, { Parameters?: { Payload?: { plan?: string } } }> };
  const planText = definition.States.pollWorkflow?.Parameters?.Payload?.plan;
  if (typeof planText !== 'string') throw new Error('cold start: the definition has no pollWorkflow Task with a plan');
  return { file, planText };
}

async function submitJob(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}${WORKFLOWS_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ steps: [{ $type: 'imageGen', name: 'generate', input: { engine: 'sdxl', prompt: 'cold start bench' } }] }),
  });
  const body = (await response.json()) as { id?: unknown };
  if (typeof body.id !== 'string') throw new Error(`cold start: the simulator did not accept the submit (HTTP ${response.status})`);
  return body.id;
}

function pollEvent(planText: string, workflowId: string): StepRunnerEvent {
  return {
    plan: planText,
    executionId: 'arn:aws:states:local:000000000000:execution:arazzo-bench:cold-start',
    state: {
      inputs: { apiKey: BENCH_API_KEY, engine: 'sdxl', prompt: 'cold start bench' },
      steps: { submitGeneration: { workflowId, submittedStatus: 'unassigned' } },
      outputs: {},
      control: {
        route: 'next',
        waitSeconds: 0,
        iterations: 0,
        totalWaitSeconds: 0,
        attempts: {},
        lastStep: { stepId: 'submitGeneration', statusCode: 202, outputs: {} },
        cause: '',
      },
    },
  };
}

/** Imports the bundle given on the command line and handles the event in BENCH_EVENT, reporting its own timings. */
const PROBE_SOURCE = `import { pathToFileURL } from 'node:url';
const started = performance.now();
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const loaded = performance.now();
const result = await handler(JSON.parse(process.env.BENCH_EVENT));
const handled = performance.now();
process.stdout.write('\\nBENCH_PROBE ' + JSON.stringify({ importMs: loaded - started, firstInvokeMs: handled - loaded, result }) + '\\n');
`;

async function timeFreshProcess(
  probe: string,
  bundle: string,
  event: unknown,
  check: (result: unknown) => boolean,
): Promise<{ processWallMs: number; importMs: number; firstInvokeMs: number }> {
  // A clean environment: no NODE_OPTIONS from tsx, no AWS settings of the machine; a region as Lambda sets one.
  const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', BENCH_EVENT: JSON.stringify(event) };
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [probe, bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
  });
  const processWallMs = performance.now() - started;
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_PROBE '));
  if (code !== 0 || line === undefined) {
    throw new Error(`cold start: ${path.basename(path.dirname(bundle))} exited ${code}: ${stderr.trim().slice(0, 500)}`);
  }
  const report = JSON.parse(line.slice('BENCH_PROBE '.length)) as { importMs: number; firstInvokeMs: number; result: unknown };
  if (!check(report.result)) throw new Error(`cold start: ${path.basename(path.dirname(bundle))} did not handle the poll: ${JSON.stringify(report.result).slice(0, 300)}`);
  return { processWallMs, importMs: report.importMs, firstInvokeMs: report.firstInvokeMs };
}

function summarize(file: string, samples: BundleTiming['samples']): BundleTiming {
  const content = readFileSync(file);
  const importMs = median(samples.map((s) => s.importMs));
  const firstInvokeMs = median(samples.map((s) => s.firstInvokeMs));
  return {
    bytes: statSync(file).size,
    gzipBytes: gzipSync(content).length,
    processWallMs: median(samples.map((s) => s.processWallMs)),
    importMs,
    firstInvokeMs,
    importAndInvokeMs: median(samples.map((s) => s.importMs + s.firstInvokeMs)),
    samples,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
