/**
 * `npm start` and `npm run compile` go through bin/arazzo-sfn.mjs, which runs the CLI from an esbuild bundle cached
 * by the content hash of its sources, so a warm start needs no tsx. It must behave exactly as the TypeScript entry
 * points do: same output, same exit codes; the CDK synth, left out of the bundle, still runs on a cache miss.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runLauncher } from './support/cli.ts';
import { reply, startTestServer } from './support/http-server.ts';

const cache = mkdtempSync(path.join(tmpdir(), 'arazzo-cli-bundle-'));
const env = { ARAZZO_SFN_CACHE_DIR: cache };
const bundles = () => readdirSync(cache).filter((name) => /^cli-[0-9a-f]{32}\.mjs$/.test(name));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('the CLI launcher (npm start, npm run compile, npx arazzo-sfn)', () => {
  it('builds the bundle once, then starts from it: --help and a usage error read as from the TypeScript entry point', async () => {
    const viaTsx = await runCli('local/run.ts', ['--help'], env);
    const first = await runLauncher(['run', '--help'], env);
    expect(bundles()).toHaveLength(1);
    const built = statSync(path.join(cache, bundles()[0]!)).mtimeMs;
    const second = await runLauncher(['run', '--help'], env);
    expect(statSync(path.join(cache, bundles()[0]!)).mtimeMs).toBe(built);
    for (const result of [first, second]) expect(result).toEqual(viaTsx);
    const usage = await runLauncher(['run', '--quantity', 'many'], env);
    expect(usage).toEqual(await runCli('local/run.ts', ['--quantity', 'many'], env));
    expect(usage.code).toBe(2);
  }, 120_000);

  it('synthesizes on a cache miss (the synth loads through tsx), then runs warm from the cached definition alike', async () => {
    const server = await startTestServer((_request, response) => reply(response, 401, { error: 'unknown token' }));
    try {
      const args = ['run', '--server', `civitaiOrchestrationApi=${server.baseUrl}`, '--quiet'];
      const cold = await runLauncher(args, { ...env, CIVITAI_API_KEY: '' });
      const warm = await runLauncher(args, { ...env, CIVITAI_API_KEY: '' });
      const viaTsx = await runCli('local/run.ts', args.slice(1), { ...env, CIVITAI_API_KEY: '' });
      // The same failure (the API's 401 ends the run at its first step), told the same way.
      const comparable = (text: string) => text.replace(/\d+(\.\d+)?s\b/g, '<t>');
      for (const result of [cold, warm]) {
        expect(result.code).toBe(1);
        expect(comparable(result.stderr)).toBe(comparable(viaTsx.stderr));
        expect(result.stdout).toBe(viaTsx.stdout);
      }
      expect(cold.stderr).toMatch(/FAILED with Arazzo\.StepFailed/);
      expect(server.received).toHaveLength(3);
    } finally {
      await server.close();
    }
  }, 240_000);

  it('compiles as npm run compile did through tsx', async () => {
    const document = 'workflows/arazzo/civitai-image-generation-poll-workflow.yml';
    const args = [document, '--config', '--format', 'mermaid'];
    const viaTsx = await runCli('bin/compile.ts', args, env);
    expect(await runLauncher(['compile', ...args], env)).toEqual(viaTsx);
    expect(viaTsx.code).toBe(0);
  }, 120_000);
});
