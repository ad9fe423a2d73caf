/**
 * Interruptible waits: with callbacks on, the wait of the polling step ends at its interval or when a callback to
 * the run's URL arrives, whichever is first, and the run then polls once as usual. Run locally on a virtual clock
 * against a generic webhook API (nothing here is Civitai's).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CALLBACK_FALLBACK_WAIT_POLICY, type CompileOptions } from '../lib/compile/compile-options.ts';
import { CALLBACK_REGISTRAR_PLACEHOLDER, WAIT_FOR_TASK_TOKEN } from '../lib/compile/wake-wait.ts';
import { VirtualClock } from '../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../local/local-execution.ts';
import { compileFile, validateAsl } from './support/compile-fixture.ts';
import { RENDER_CALLBACKS, startRenderFarm, type CallbackDelivery, type RenderFarm } from './support/render-farm.ts';
import * as path from 'node:path';
import { projectRoot } from './support/compile-fixture.ts';

const document = path.join(projectRoot, 'test/fixtures/callbacks/render.arazzo.yml');
const compile = (options: CompileOptions = {}) => compileFile(document, { serverUrls: { farm: 'http://127.0.0.1:1' }, ...options });

describe('compiling a callback-woken loop', () => {
  it('turns the polling step\'s "Wait before" into a wake-up wait Task in the same place of the loop', () => {
    const { definition } = compile({ callbacks: RENDER_CALLBACKS });
    const wait = definition.States['Wait before checkRender'];
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: WAIT_FOR_TASK_TOKEN,
      TimeoutSecondsPath: '$.control.waitSeconds',
      ResultPath: null,
      Next: 'checkRender',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'checkRender' }],
      Parameters: {
        FunctionName: CALLBACK_REGISTRAR_PLACEHOLDER,
        Payload: { 'taskToken.$': '$$.Task.Token', 'executionId.$': '$$.Execution.Id', waitId: 'checkRender', 'timeoutSeconds.$': '$.control.waitSeconds' },
      },
    });
    const after = definition.States['After checkRender'] as { Choices: Array<{ StringEquals: string; Next: string }> };
    expect(after.Choices.find((c) => c.StringEquals === 'rendering')?.Next).toBe('Wait before checkRender');
    expect(validateAsl(definition)).toEqual([]);
  });

  it('keeps a plain Wait without callbacks', () => {
    expect(compile().definition.States['Wait before checkRender']).toMatchObject({ Type: 'Wait', SecondsPath: '$.control.waitSeconds' });
  });

  it('puts where the URL goes in the sending step\'s plan and the fallback wait policy in the polling step\'s', () => {
    const { plans } = compile({ callbacks: RENDER_CALLBACKS });
    expect(plans[0]!.callback).toMatchObject({ in: 'body', name: '/notify/url', waitId: 'checkRender' });
    expect(plans[1]!.callback).toBeUndefined();
    expect(plans[1]!.waitPolicy).toEqual(CALLBACK_FALLBACK_WAIT_POLICY);
  });

  it.each([
    [{ ...RENDER_CALLBACKS, wakes: 'startRender' }, /callbacks\.wakes.*no goto action back to itself/],
    [{ ...RENDER_CALLBACKS, wakes: 'nope' }, /callbacks\.wakes.*names step 'nope'/],
    [{ ...RENDER_CALLBACKS, url: { ...RENDER_CALLBACKS.url, step: 'nope' } }, /callbacks\.url\.step.*names step 'nope'/],
    [{ ...RENDER_CALLBACKS, url: { ...RENDER_CALLBACKS.url, name: 'notify.url' } }, /callbacks\.url\.name.*JSON Pointer/],
    [{ ...RENDER_CALLBACKS, waitPolicy: { kind: 'fixed', seconds: 0 } }, /callbacks\.waitPolicy\.seconds/],
  ] as const)('refuses a setting that would configure nothing or spin (%#)', (callbacks, message) => {
    expect(() => compile({ callbacks: callbacks as CompileOptions['callbacks'] })).toThrow(message);
  });
});

describe('a callback-woken run, locally on a virtual clock', () => {
  let farm: RenderFarm | undefined;
  afterEach(async () => {
    await farm?.close();
    farm = undefined;
  });

  async function run(jobSeconds: number, delivery: CallbackDelivery, options: CompileOptions = { callbacks: RENDER_CALLBACKS }): Promise<{ result: LocalExecutionResult; endedAt: number; clock: VirtualClock }> {
    const clock = new VirtualClock();
    farm = await startRenderFarm(clock, jobSeconds, delivery);
    const { definition } = compileFile(document, { serverUrls: { farm: farm.baseUrl }, ...options });
    const result = await executeLocally({ definition, input: { scene: 'teapot' }, clock, executionName: 'render-1' });
    return { result, endedAt: clock.now(), clock };
  }

  const polls = (result: LocalExecutionResult) => result.events.filter((e) => e.type === 'StateEntered' && e.stateName === 'checkRender').length;
  const lagSeconds = (endedAt: number) => (endedAt - farm!.doneAt!) / 1000;

  it('ends the wait when the callback arrives, and the poll right after it ends the run', async () => {
    const { result, endedAt } = await run(600, {});
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ renderId: 'r1', state: 'done' });
    expect(lagSeconds(endedAt)).toBe(0);
    expect(farm!.callbackAnswers).toEqual([202]);
    // The fallback waits grow 10, 10, 20, 40 … 300 s; the callback ends the last one, long before its interval.
    expect(polls(result)).toBeLessThanOrEqual(8);
  });

  it('with the callback lost, still succeeds through the fallback poll, at most one fallback wait late', async () => {
    const { result, endedAt } = await run(600, { lost: true });
    expect(result.status).toBe('SUCCEEDED');
    expect(lagSeconds(endedAt)).toBeGreaterThan(0);
    expect(lagSeconds(endedAt)).toBeLessThanOrEqual(CALLBACK_FALLBACK_WAIT_POLICY.maxSeconds!);
  });

  it('with the callback delayed, notices completion when it arrives (or at the fallback poll before it)', async () => {
    const { result, endedAt } = await run(600, { delayMs: 30_000 });
    expect(result.status).toBe('SUCCEEDED');
    expect(lagSeconds(endedAt)).toBeLessThanOrEqual(30);
  });

  it('with the callback duplicated, the copies are accepted and the run goes as with one', async () => {
    const once = await run(600, {});
    const oncePolls = polls(once.result);
    await farm!.close();
    const { result } = await run(600, { copies: 3 });
    expect(result.status).toBe('SUCCEEDED');
    expect(farm!.callbackAnswers).toEqual([202, 202, 202]);
    expect(polls(result)).toBe(oncePolls);
  });

  it('sends the run\'s own callback URL, and keeps its token out of the outputs, the events and the logs', async () => {
    const { result } = await run(60, {});
    const [url] = farm!.callbackUrls;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callbacks\/[A-Za-z0-9_-]{43}$/);
    const token = url!.split('/').pop()!;
    // The API echoed the URL back and the workflow outputs it: the token is redacted.
    expect(result.output).toMatchObject({ echoedUrl: expect.stringContaining('[redacted]') });
    expect(JSON.stringify({ output: result.output, events: result.events, logs: result.logs })).not.toContain(token);
  });

  it('without callbacks, polls with a plain Wait and sends the document\'s placeholder URL', async () => {
    const { result, endedAt } = await run(60, {}, { waitPolicy: { kind: 'fixed', seconds: 5 } });
    expect(result.status).toBe('SUCCEEDED');
    expect(farm!.callbackUrls).toEqual(['https://callback.invalid/set-by-the-runner']);
    expect(lagSeconds(endedAt)).toBe(0);
    expect(polls(result)).toBe(13);
  });
});
