/**
 * `npm run integ`: deploys the integration test app (test/integ/integ.rest-api.ts) with the CDK CLI into the
 * account and region of your credentials, reads the assertion results its assertion stack outputs, and destroys
 * both stacks whatever happened. Exit code 0 only when every assertion passed.
 *
 * (integ-runner 2.197, the newest, cannot read the cloud assemblies of this aws-cdk-lib, schema 55, so the
 * deploy, assert and destroy steps it would take are run here with the project's own CDK CLI.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(tmpdir(), 'arazzo-integ-'));
const outputsFile = path.join(work, 'outputs.json');
const common = ['--app', 'node --import tsx test/integ/integ.rest-api.ts', '--output', path.join(work, 'cdk.out')];

function cdk(args: string[]): number {
  process.stderr.write(`$ npx cdk ${args.join(' ')}\n`);
  return spawnSync('npx', ['cdk', ...args], { cwd: projectRoot, stdio: 'inherit' }).status ?? 1;
}

let failed = true;
try {
  if (cdk(['deploy', ...common, '--all', '--require-approval', 'never', '--outputs-file', outputsFile]) !== 0) throw new Error('deploy failed');
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  const results = Object.values(outputs).flatMap((stack) => Object.entries(stack).filter(([name]) => name.startsWith('AssertionResults')));
  if (results.length === 0) throw new Error('the assertion stack reported no results');
  for (const [name, value] of results) {
    const result = JSON.parse(value) as { status: string; message?: string };
    process.stdout.write(`${result.status === 'success' ? 'PASS' : 'FAIL'} ${name}${result.message ? `\n${result.message}` : ''}\n`);
  }
  failed = results.some(([, value]) => (JSON.parse(value) as { status: string }).status !== 'success');
} catch (error) {
  process.stderr.write(`integ: ${(error as Error).message}\n`);
} finally {
  if (cdk(['destroy', ...common, '--all', '--force']) !== 0) {
    process.stderr.write('integ: destroy failed; delete the stacks ArazzoSfnInteg and RestApiRunDefaultTestDeployAssert* by hand\n');
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
