import { spawn } from 'node:child_process';
import { projectRoot } from './compile-fixture.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's TypeScript commands in a fresh Node process, through tsx. */
export function runCli(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode(['--import', 'tsx', script, ...args], env);
}

/** Runs `npx arazzo-sfn …` as `npm start` and `npm run compile` do: the plain-JavaScript launcher, no tsx. */
export function runLauncher(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runNode(['bin/arazzo-sfn.mjs', ...args], env);
}

function runNode(nodeArgs: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
