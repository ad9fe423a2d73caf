/**
 * `npm start` as a user runs it: a fresh process, outputs alone on stdout, progress and summary on stderr.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';
import { fixture } from './support/compile-fixture.ts';
import { reply, startTestServer, type TestServer } from './support/http-server.ts';

// Each test file synthesizes into its own cache, so the runs here do not depend on what other files cached.
process.env.ARAZZO_SFN_CACHE_DIR = mkdtempSync(path.join(tmpdir(), 'arazzo-cli-cache-'));

describe('npm start', () => {
  it('runs the Civitai workflow on the bundled simulator and prints only the outputs on stdout', async () => {
    const result = await runCli('local/run.ts', ['--fast', '--prompt', "a fox's den, \"at night\"", '--quantity', '3']);
    expect(result.code).toBe(0);
    const outputs = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(outputs).toMatchObject({ status: 'succeeded', cost: 12 });
    expect(outputs.images).toHaveLength(3);
    expect(result.stderr).toMatch(/pollWorkflow #\d+ +HTTP 200 +status=processing/);
    expect(result.stderr).toMatch(/SUCCEEDED: \d+ state transitions/);
  });

  it('exits non-zero with the named error when the job fails', async () => {
    const result = await runCli('local/run.ts', ['--fast', '--quiet', '--outcome', 'expired']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/FAILED with failed/);
    expect(result.stderr).toContain('"status":"expired"');
  });

  it('names the field when an input is wrong, and refuses the secret as a flag', async () => {
    const bad = await runCli('local/run.ts', ['--fast', '--quantity', '11']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/quantity/);
    const secret = await runCli('local/run.ts', ['--fast', '--api-key', 'x']);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/--api-key is not an input of this workflow \(apiKey is secret: it comes from the secret store/);
  });

  it('refuses a --server name the document does not have before synthesizing anything, listing the names there are', async () => {
    const result = await runCli('local/run.ts', ['--server', 'civitai=http://127.0.0.1:4010']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--server civitai=…: the document has no source description 'civitai'; source descriptions: civitaiOrchestrationApi/);
    expect(result.stderr).not.toMatch(/Synthesizing|Running/);
  });

  it('--help lists the source descriptions --server takes and the inputs, with the secret one named as such', async () => {
    const result = await runCli('local/run.ts', ['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/source descriptions \(--server <name>=<url>\):\n +civitaiOrchestrationApi +https:\/\/orchestration\.civitai\.com/);
    expect(result.stderr).toMatch(/--prompt <string> \(required\)/);
    expect(result.stderr).toMatch(/--quantity <integer>/);
    expect(result.stderr).toMatch(/apiKey \(secret: --secret-env apiKey=<ENV_VAR>\)/);
  });

  it('never asks for CIVITAI_API_KEY, and never sends it, when --server is on this machine', async () => {
    const realKey = 'real-key-4f3e2d1c';
    const server = await startTestServer((_request, response) => reply(response, 401, { error: 'unknown token' }));
    try {
      const result = await runCli('local/run.ts', ['--server', `civitaiOrchestrationApi=${server.baseUrl}`, '--quiet'], { CIVITAI_API_KEY: realKey });
      expect(result.stderr).not.toMatch(/CIVITAI_API_KEY/);
      expect(result.stderr).toMatch(/FAILED with Arazzo\.StepFailed/);
      expect(server.received.length).toBeGreaterThan(0);
      expect(server.received.map((r) => r.headers.authorization)).toEqual(server.received.map(() => 'Bearer local-simulator-key'));
      const without = await runCli('local/run.ts', ['--server', `civitaiOrchestrationApi=${server.baseUrl}`, '--quiet'], { CIVITAI_API_KEY: '' });
      expect(without.stderr).not.toMatch(/CIVITAI_API_KEY/);
      expect(without.code).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('--live without CIVITAI_API_KEY says what to set', async () => {
    const result = await runCli('local/run.ts', ['--live'], { CIVITAI_API_KEY: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/export CIVITAI_API_KEY/);
  });

  it('refuses --fast against a real API, which would be polled without pause, and a submit status the API never sends', async () => {
    const fast = await runCli('local/run.ts', ['--fast', '--live'], { CIVITAI_API_KEY: 'k' });
    expect(fast.code).toBe(2);
    expect(fast.stderr).toMatch(/--fast skips waits on a virtual clock only the bundled simulator follows/);
    const status = await runCli('local/run.ts', ['--submit-status', '201']);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/--submit-status must be 200 or 202/);
  });

  describe('with any other document', () => {
    let server: TestServer;
    let polls = 0;
    const token = 'tok-0c1d2e3f-secret';
    beforeAll(async () => {
      server = await startTestServer((request, response) => {
        if (request.headers['x-token'] !== token) return reply(response, 401, { error: 'no token' });
        if (request.method === 'POST') return reply(response, 201, { id: 'o-1' });
        if (request.path.endsWith('/receipt')) return reply(response, 200, { total: 42 });
        polls += 1;
        return reply(response, 200, { state: polls < 3 ? 'pending' : 'shipped' });
      });
    });
    afterAll(() => server.close());

    it('runs it through the same construct against the given server, with the secret kept out of the events', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'arazzo-cli-'));
      const inputFile = path.join(dir, 'inputs.json');
      const eventsFile = path.join(dir, 'events.json');
      writeFileSync(inputFile, JSON.stringify({ item: 'teapot' }));
      const result = await runCli(
        'local/run.ts',
        [
          fixture('shop-order.arazzo.yml'),
          '--workflow', 'place-order',
          '--input', inputFile,
          '--input', 'count=2',
          '--server', `shop=${server.baseUrl}`,
          '--secret-env', 'token=SHOP_TOKEN',
          '--fast',
          '--events', eventsFile,
        ],
        { SHOP_TOKEN: token },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ orderId: 'o-1', state: 'shipped', total: 42 });
      expect(polls).toBe(3);
      const events = readFileSync(eventsFile, 'utf8');
      expect(JSON.parse(events).length).toBeGreaterThan(10);
      expect(events + result.stdout + result.stderr).not.toContain(token);
      expect(JSON.parse(server.received[0]!.body)).toEqual({ item: 'teapot', count: 2 });
    });

    it('names the environment variable when a --secret-env one is not set, before synthesizing', async () => {
      const result = await runCli('local/run.ts', [fixture('shop-order.arazzo.yml'), '--server', `shop=${server.baseUrl}`, '--secret-env', 'token=NO_SUCH_VARIABLE_42', '--input', 'item=x']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--secret-env token=NO_SUCH_VARIABLE_42: the environment variable NO_SUCH_VARIABLE_42 is not set/);
    });
  });
});
