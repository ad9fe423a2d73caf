/**
 * Webhook → run: the public callback route. Its only credential is the per-run token in the URL. Forged tokens,
 * replays, oversized bodies and callbacks for finished runs have no effect, every answer but an oversized body's is
 * the same, and no callback token, task token or secret reaches the logs, the events or the outputs.
 */
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackHandler } from '../../lambdas/callbacks/handler.ts';
import { memoryCallbackStore } from '../../lib/runtime/callbacks/memory-store.ts';
import { newCallbackToken } from '../../lib/runtime/callbacks/tokens.ts';
import type { TaskTokenSender } from '../../lib/runtime/callbacks/types.ts';
import { callbackIssuer } from '../../lib/runtime/callbacks/issuer.ts';
import { registerWait } from '../../lib/runtime/callbacks/registrar.ts';
import { CivitaiSimulator } from '../../local/civitai-simulator.ts';
import { VirtualClock } from '../../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../../local/local-execution.ts';
import { compileFile, projectRoot } from '../support/compile-fixture.ts';
import { RENDER_CALLBACKS, startRenderFarm, type CallbackDelivery, type RenderFarm } from '../support/render-farm.ts';
import { shippedConfig } from '../support/civitai-stack.ts';
import { synthesizeFor, TEST_API_KEY } from '../support/local-run.ts';

const document = path.join(projectRoot, 'test/fixtures/callbacks/render.arazzo.yml');
const wakes = (result: LocalExecutionResult) => result.events.filter((e) => e.wake !== undefined).map((e) => e.wake);
const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('the callback route of a local run', () => {
  let farm: RenderFarm | undefined;
  afterEach(async () => {
    await farm?.close();
    farm = undefined;
  });

  /** A run whose job reports done 600 s in; `attack` runs on the run's clock at the given seconds, given the run's callback URL. */
  async function run(delivery: CallbackDelivery, attacks: Array<[number, (url: string) => Promise<void>]> = []) {
    const clock = new VirtualClock();
    farm = await startRenderFarm(clock, 600, delivery);
    const { definition } = compileFile(document, { serverUrls: { farm: farm.baseUrl }, callbacks: RENDER_CALLBACKS });
    const started = clock.now();
    for (const [seconds, attack] of attacks) clock.schedule(started + seconds * 1000, () => attack(farm!.callbackUrls[0]!));
    const result = await executeLocally({ definition, input: { scene: 'teapot' }, clock, executionName: 'victim' });
    return { result, endedAt: clock.now() };
  }

  it('ignores forged and near-miss tokens, answering them exactly as it answers the real one', async () => {
    const answers: Array<{ status: number; body: string }> = [];
    const forge = (mutate: (token: string) => string) => async (url: string) => {
      const token = url.split('/').pop()!;
      answers.push(await post(url.replace(token, mutate(token)), '{"id":"r1","state":"done"}'));
    };
    const { result } = await run({ lost: true }, [
      [15, forge(() => newCallbackToken())],
      [25, forge((t) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)],
      [45, forge((t) => t.slice(0, 22))],
      [85, forge((t) => `${t}${t}`)],
      [165, forge(() => '..%2F..%2Fexecutions')],
    ]);
    expect(result.status).toBe('SUCCEEDED');
    expect(wakes(result).every((w) => w === 'timeout')).toBe(true);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify({ status: 202, body: '{"accepted":true}' })]));
  });

  it('lets a replay of the real URL wake nothing: an early callback wakes the run once, the poll says not done, the replay is ignored', async () => {
    const { result } = await run({ delayMs: -300_000, replaysAfterMs: [15_000, 100_000] });
    expect(result.status).toBe('SUCCEEDED');
    expect(farm!.callbackAnswers).toEqual([202, 202, 202]);
    expect(wakes(result).filter((w) => w === 'callback')).toHaveLength(1);
  });

  it('refuses an oversized body with 413 before reading the token, and the real callback still wakes the run', async () => {
    const answers: number[] = [];
    const { result, endedAt } = await run({ delayMs: 0 }, [[20, async (url) => void answers.push((await post(url, `"${'x'.repeat(70 * 1024)}"`)).status)]]);
    expect(answers).toEqual([413]);
    expect(wakes(result)).toContain('callback');
    expect(endedAt - farm!.doneAt!).toBe(0);
  });
});

describe('a callback for a finished run', () => {
  it('is answered the same 202 and wakes nothing', async () => {
    const store = memoryCallbackStore();
    const sent: string[] = [];
    const tasks: TaskTokenSender = { succeed: async (token) => (sent.push(token), 'stale') };
    const { url } = await callbackIssuer({ store, baseUrl: 'https://api.example.com/v1/callbacks/', now: Date.now }).issue({ executionId: 'done-run', waitId: 'poll' }, 60);
    await registerWait({ taskToken: 'finished-task', executionId: 'done-run', waitId: 'poll', timeoutSeconds: 10 }, { store, tasks, now: Date.now });
    const handler = createCallbackHandler({ store, tasks, now: Date.now, maxBodyBytes: 65536, log: () => undefined });
    const answer = await handler(apiEvent(url.split('/').pop()!, '{}'));
    // The armed token was tried once, found stale (the run is over), and nothing else happened.
    expect(answer).toEqual({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"accepted":true}' });
    expect(sent).toEqual(['finished-task']);
  });
});

describe('no token reaches a log, an event or an output', () => {
  it('in a Civitai run woken by its callback (the API even echoes the URL back in every GET)', async () => {
    const sim = new CivitaiSimulator({ jobPlan: { phaseMs: { unassigned: 0, preparing: 0, scheduled: 0, processing: 90_000 } } });
    await sim.start();
    try {
      const workflow = synthesizeFor(shippedConfig({ callbacks: { ...shippedConfig().callbacks!, enabled: true } }), sim.baseUrl);
      const clock = new VirtualClock();
      sim.registerClock('civitai', clock);
      const bodies: string[] = [];
      const spy: typeof fetch = (url, init) => {
        if (typeof init?.body === 'string') bodies.push(init.body);
        return fetch(url, init);
      };
      const result = await executeLocally({ definition: workflow.definition, input: { prompt: 'a fox', engine: 'sdxl' }, secrets: { apiKey: TEST_API_KEY }, clock, simulatorClockKey: 'civitai', fetch: spy });
      expect(result.status).toBe('SUCCEEDED');
      expect(wakes(result)).toContain('callback');
      const url = (JSON.parse(bodies[0]!) as { callbacks: Array<{ url: string }> }).callbacks[0]!.url;
      const token = url.split('/').pop()!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const seen = JSON.stringify({ output: result.output, events: result.events, logs: result.logs });
      expect(seen).not.toContain(token);
      expect(seen).not.toContain(TEST_API_KEY);
    } finally {
      await sim.stop();
    }
  });

  it('in the callback function\'s own log lines, whatever it is invoked with', async () => {
    const lines: string[] = [];
    const store = memoryCallbackStore();
    const tasks: TaskTokenSender = { succeed: async () => 'sent' };
    const handler = createCallbackHandler({ store, tasks, now: Date.now, maxBodyBytes: 65536, log: (entry) => lines.push(JSON.stringify(entry)) });
    const taskToken = `AQCEAAAAKgAAAA${newCallbackToken()}`;
    await handler({ taskToken, executionId: 'e', waitId: 'poll', timeoutSeconds: 30 });
    const { url, token } = await callbackIssuer({ store, baseUrl: 'https://api.example.com/v1/callbacks/', now: Date.now }).issue({ executionId: 'e', waitId: 'poll' }, 60);
    expect(url.endsWith(token)).toBe(true);
    await handler(apiEvent(token, '{"status":"succeeded"}'));
    await handler(apiEvent(newCallbackToken(), '{}'));
    const broken = createCallbackHandler({ store: { ...store, claimToken: () => Promise.reject(new Error(`store down for ${token}`)) }, tasks, now: Date.now, maxBodyBytes: 65536, log: (entry) => lines.push(JSON.stringify(entry)) });
    expect(await broken(apiEvent(token, '{}'))).toMatchObject({ statusCode: 202 });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(taskToken);
      expect(line).not.toContain(token);
    }
  });
});

function apiEvent(token: string, body: string): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: `/callbacks/${token}`,
    pathParameters: { token },
    headers: { 'content-type': 'application/json' },
    body,
    isBase64Encoded: false,
    requestContext: { resourcePath: '/callbacks/{token}' },
  } as unknown as APIGatewayProxyEvent;
}
