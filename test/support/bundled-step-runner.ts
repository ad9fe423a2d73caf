/**
 * The step runner exactly as `cdk deploy` uploads it (the bundle CDK's bundling made, with the deployed plans
 * baked in), invoked in a fresh Node process the way Lambda would, with the AWS SDK pointed at a fake
 * Secrets Manager on 127.0.0.1 that counts its reads.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ArazzoAppConfig } from '../../lib/app-config.ts';
import type { StepRunnerEvent } from '../../lib/compile/step-plan.ts';
import { synthesizeWorkflow, type SynthesizedWorkflow } from '../../local/synthesize-workflow.ts';
import { projectRoot } from './compile-fixture.ts';
import { startTestServer, type TestServer } from './http-server.ts';

export const FAKE_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:arazzo-test-AbCdEf';

export interface BundledStepRunner {
  workflow: SynthesizedWorkflow;
  /** The fake Secrets Manager: one recorded request per secret read. */
  secretsManager: TestServer;
  invoke(event: StepRunnerEvent): Promise<Invocation>;
  close(): Promise<void>;
}

export interface Invocation {
  /** The handler's result, or the error it threw (as Lambda reports it: its name and message). */
  result?: unknown;
  error?: { name: string; message: string };
  /** Everything the process printed: the step runner's log lines. */
  stdout: string;
  stderr: string;
}

/** Under node_modules/.cache so the bundle resolves `@aws-sdk/*` from the project, as Lambda's runtime provides it. */
const WORK_ROOT = path.join(projectRoot, 'node_modules/.cache/arazzo-bundled-step-runner');

export async function bundledStepRunner(config: ArazzoAppConfig, secretString: string): Promise<BundledStepRunner> {
  mkdirSync(WORK_ROOT, { recursive: true });
  const dir = mkdtempSync(path.join(WORK_ROOT, 'run-'));
  const workflow = synthesizeWorkflow(config, path.join(dir, 'cdk.out'));
  const probe = path.join(dir, 'probe.mjs');
  writeFileSync(probe, PROBE_SOURCE);
  const secretsManager = await startTestServer((request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== 'secretsmanager.GetSecretValue') {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'UnknownOperationException' }));
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ ARN: FAKE_SECRET_ARN, Name: 'arazzo-test', SecretString: secretString, VersionId: 'v1' }));
  });

  return {
    workflow,
    secretsManager,
    invoke: (event) => invokeInFreshProcess(probe, workflow.stepRunnerBundle!, event, secretsManager.baseUrl),
    close: async () => {
      await secretsManager.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function invokeInFreshProcess(probe: string, bundle: string, event: StepRunnerEvent, secretsManagerUrl: string): Promise<Invocation> {
  // A clean environment, as Lambda's: the function's own variables, a region, credentials (fake: only the
  // fake endpoint ever sees them).
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTESTONLY',
    AWS_SECRET_ACCESS_KEY: 'test-only',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManagerUrl,
    SECRET_ARN: FAKE_SECRET_ARN,
    SECRET_CACHE_TTL_SECONDS: '300',
    PROBE_EVENT: JSON.stringify(event),
  };
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [probe, bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout: out, stderr: err }));
  });
  const line = stdout.split('\n').find((l) => l.startsWith('PROBE_RESULT '));
  if (line === undefined) throw new Error(`the bundled step runner printed no result; stderr: ${stderr.slice(0, 2000)}`);
  const reported = JSON.parse(line.slice('PROBE_RESULT '.length)) as Pick<Invocation, 'result' | 'error'>;
  return { ...reported, stdout, stderr };
}

/** Imports the bundle and handles one event, reporting the result or the error as Lambda would see it. */
const PROBE_SOURCE = `import { pathToFileURL } from 'node:url';
const { handler } = await import(pathToFileURL(process.argv[2]).href);
let report;
try {
  report = { result: await handler(JSON.parse(process.env.PROBE_EVENT)) };
} catch (error) {
  report = { error: { name: error.name, message: error.message } };
}
process.stdout.write('\\nPROBE_RESULT ' + JSON.stringify(report) + '\\n');
`;
