/**
 * The integration test app's snapshot: its cloud assembly synthesized offline (no credentials, placeholder
 * account and region), reduced to what the test is about. Asset hashes, Lambda version ids and the exact
 * definition text change with any code change; what must not change unnoticed is which resources exist, the
 * workflow's states and where its steps send requests, the grant that lets the scenario sign its calls, and what
 * the assertion invokes and expects. `npm run integ:snapshot` rewrites the committed snapshot.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SNAPSHOT_DIR = path.join(projectRoot, 'test/integ/integ.rest-api.ts.snapshot');

/** Synthesizes the app into `outdir` the way the snapshot is made: offline, placeholder account and region. */
export function synthIntegApp(outdir: string): void {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^CDK_(DEFAULT|INTEG)_/.test(key)));
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/integ/integ.rest-api.ts'], {
    cwd: projectRoot,
    env: { ...env, CDK_OUTDIR: outdir },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the integ app did not synthesize:\n${result.stderr}`);
}

type Json = Record<string, unknown>;
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Json;
/** Logical ids keep their construct-path hash (stable) and lose content hashes (versions, assertion parameters). */
const stableId = (id: string) => id.replace(/[0-9a-f]{32,}/g, '<hash>');

export function meaningfulParts(dir: string): Json {
  const parts: Json = { testCases: (read(path.join(dir, 'integ.json')) as { testCases: unknown }).testCases };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort()) {
    const template = read(path.join(dir, file)) as { Resources: Record<string, { Type: string; Properties?: Json }>; Outputs?: Json };
    const resources = Object.entries(template.Resources);
    parts[file] = {
      resources: Object.fromEntries(resources.map(([id, r]) => [stableId(id), r.Type]).sort()),
      outputs: Object.keys(template.Outputs ?? {}).map(stableId).sort(),
      buckets: resources.filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([, r]) => r.Properties?.BucketName),
      states: resources.filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine').map(([, r]) => states(r.Properties!)),
      executeApiGrants: resources
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
        .flatMap(([, r]) => ((r.Properties!.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement))
        .filter((statement) => [statement.Action].flat().includes('execute-api:Invoke')).length,
      assertions: resources
        .filter(([, r]) => r.Type.startsWith('Custom::DeployAssert'))
        .map(([, r]) => ({ type: r.Type, api: `${String(r.Properties!.service)}.${String(r.Properties!.api)}`, expected: r.Properties!.expected, parameters: r.Properties!.parameters })),
    };
  }
  return parts;
}

/** Each state's type, and for a Task the method and URL its step plan requests. */
function states(properties: Json): Json {
  const raw = properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<ref>')).join('');
  const definition = JSON.parse(text) as { States: Record<string, { Type: string; Parameters?: { Payload?: { plan?: string } } }> };
  return Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      const plan = state.Parameters?.Payload?.plan;
      const request = plan ? (JSON.parse(plan) as { request: { method: string; url: string } }).request : undefined;
      return [name, request ? `${state.Type} ${request.method} ${request.url}` : state.Type];
    }),
  );
}

/** `npm run integ:snapshot` */
export function writeSnapshot(): void {
  rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const outdir = path.join(SNAPSHOT_DIR, '.synth');
  synthIntegApp(outdir);
  // Only the manifest and the templates: the assets are rebuilt from the code.
  for (const file of readdirSync(outdir).filter((f) => f === 'integ.json' || f.endsWith('.template.json'))) {
    writeFileSync(path.join(SNAPSHOT_DIR, file), readFileSync(path.join(outdir, file)));
  }
  rmSync(outdir, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) writeSnapshot();
