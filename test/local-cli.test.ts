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
      writeFileSync(inputFile, JSON.stringify({ token, item: 'teapot', count: 2 }));
      const result = await runCli('local/run.ts', [
        '--document', fixture('shop-order.arazzo.yml'),
        '--workflow', 'place-order',
        '--input', inputFile,
        '--server', `shop=${server.baseUrl}`,
        '--secret', 'token',
        '--fast',
        '--events', eventsFile,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ orderId: 'o-1', state: 'shipped', total: 42 });
      expect(polls).toBe(3);
      const events = readFileSync(eventsFile, 'utf8');
      expect(JSON.parse(events).length).toBeGreaterThan(10);
      expect(events + result.stdout + result.stderr).not.toContain(token);
      expect(JSON.parse(server.received[0]!.body)).toEqual({ item: 'teapot', count: 2 });
    });
  });
});
