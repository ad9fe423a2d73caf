/**
 * What the step runner makes of an answer, or of no answer: which trouble is transient, and how it is named
 * in the cause and the log. Observed through `runStep` with a scripted fetch.
 */
import { describe, expect, it } from 'vitest';
import { Route } from '../../lib/compile/step-plan.ts';
import { runPlan, stepPlan } from './step-harness.ts';

// An outage budget of 0: the first transient failure spends it, and the step runner throws its cause.
const once = stepPlan({ transientRetry: { budgetSeconds: 0, baseSeconds: 1, maxSeconds: 1, minSeconds: 1 } });
const failure = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

describe('a connection that fails', () => {
  it('is named by its code and message, or whichever of them it has, or by fetch\'s own message', async () => {
    const message = async (error: unknown) => {
      const thrown = await runPlan(once, { fails: error }).then(() => undefined, (spent: unknown) => spent as Error);
      return (JSON.parse(thrown?.message ?? '{}') as { message: string }).message;
    };
    expect(await message(failure({ code: 'ECONNRESET', message: 'socket hang up' }))).toContain('network error (ECONNRESET: socket hang up)');
    expect(await message(failure({ code: 'ECONNREFUSED' }))).toContain('network error (ECONNREFUSED)');
    expect(await message(failure({ message: 'other side closed' }))).toContain('network error (other side closed)');
    expect(await message(failure('not an object'))).toContain('network error (fetch failed)');
    expect(await message('a thrown string')).toContain('network error (a thrown string)');
  });

  it('is transient, and logged as a warning with its kind', async () => {
    const { state, logs } = await runPlan(stepPlan(), { fails: failure({ code: 'ECONNRESET' }) });
    expect(state.control.route).toBe(Route.transientRetry);
    expect(logs[0]).toMatchObject({ level: 'WARN', transient: 'network', detail: 'network error (ECONNRESET)' });
  });

  it('after the deadline is a timeout', async () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    const { state, logs } = await runPlan(stepPlan(), { fails: timeout });
    expect(state.control.route).toBe(Route.transientRetry);
    expect(logs[0]).toMatchObject({ transient: 'timeout', detail: 'timeout (no answer within 1000 ms)' });
  });
});

describe('an answer', () => {
  it('whose body is not the JSON its +json content type claims is transient; the same text as text/plain is an answer', async () => {
    const claimed = await runPlan(stepPlan(), { status: 200, body: '{"state": "runn', headers: { 'content-type': 'application/problem+json; charset=utf-8' } });
    expect(claimed.logs[0]).toMatchObject({ transient: 'malformed-json', detail: 'HTTP 200 with a malformed JSON body' });
    const text = await runPlan(stepPlan({ outputs: { raw: '$response.body' } }), { status: 200, body: '{"state": "runn', headers: { 'content-type': 'text/plain' } });
    expect(text.state.control.route).toBe(Route.next);
    expect(text.state.steps.poll.raw).toBe('{"state": "runn');
  });

  it('that is empty has no body, whatever its content type', async () => {
    const { state } = await runPlan(stepPlan({ outputs: { raw: '$response.body' } }), { status: 200, body: '  ', headers: { 'content-type': 'application/json' } });
    expect(state.control.route).toBe(Route.next);
    expect(state.steps.poll.raw).toBeNull();
  });

  it('429 and every 5xx are transient; 4xx and 3xx are not', async () => {
    for (const status of [429, 500, 503, 599]) {
      expect((await runPlan(stepPlan(), { status })).state.control.route, `HTTP ${status}`).toBe(Route.transientRetry);
    }
    for (const status of [400, 404, 428, 430, 399]) {
      expect((await runPlan(stepPlan(), { status })).state.control.route, `HTTP ${status}`).toBe(Route.stepFailed);
    }
  });

  it('is a success by default only when it is 2xx', async () => {
    for (const status of [200, 204, 299]) expect((await runPlan(stepPlan(), { status })).state.control.route, `HTTP ${status}`).toBe(Route.next);
    for (const status of [300, 302]) expect((await runPlan(stepPlan(), { status })).state.control.route, `HTTP ${status}`).toBe(Route.stepFailed);
  });
});
