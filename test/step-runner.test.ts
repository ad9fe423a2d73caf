import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initialRunState, Route, type PlannedAction, type RunState, type StepPlan } from '../lib/compile/step-plan.ts';
import { MAX_STATE_BYTES, runStep, type StepRunnerDeps } from '../lib/runtime/run-step.ts';
import { staticSecretSource } from '../lib/runtime/secrets.ts';
import {
  hang,
  json,
  malformedJson,
  resetConnection,
  startTestServer,
  type ReceivedRequest,
  type TestServer,
} from './support/http-server.ts';
import { deployedFor } from './support/deployed.ts';

/*
 * A small report-export API, nothing like any real one: create an export, poll it until it is done, fetch
 * the result. The plans are written by hand the way the compiler would emit them.
 */

const TOKEN = 'tok-5f1c9e2a-secret-value';
const EXECUTION_ID = 'arn:aws:states:us-east-1:111122223333:execution:report-export:run-1';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.received.length = 0;
});

function action(route: string, type: PlannedAction['type'], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { route, name: route, type, criteria: [], loopsBack: false, ...extra };
}

const bodyState = (state: string) => ({ context: '$response.body', condition: `$.state == '${state}'`, type: 'jsonpath' as const });

function plan(stepId: 'createExport' | 'checkExport' | 'fetchResult', overrides: Partial<StepPlan> = {}): StepPlan {
  const common = {
    version: 1 as const,
    workflowId: 'report-export',
    secretInputs: ['token'],
    workflowOutputs: {
      exportId: '$steps.createExport.outputs.exportId',
      state: '$steps.checkExport.outputs.state',
      url: '$steps.fetchResult.outputs.url',
    },
    onFailure: [],
    transientRetry: { maxAttempts: 3, baseSeconds: 2, maxSeconds: 30 },
    waitPolicy: { kind: 'fixed' as const, seconds: 5 },
    loopLimit: { maxIterations: 50, maxTotalWaitSeconds: 3600 },
  };
  const auth = { name: 'Authorization', in: 'header' as const, value: 'Bearer {$inputs.token}' };
  const exportId = { name: 'exportId', in: 'path' as const, value: '$steps.createExport.outputs.exportId' };
  const plans: Record<typeof stepId, StepPlan> = {
    createExport: {
      ...common,
      stepId: 'createExport',
      index: 0,
      request: {
        method: 'POST',
        url: `${server.baseUrl}/exports`,
        parameters: [
          auth,
          { name: 'dryRun', in: 'query', value: '$inputs.dryRun' },
          { name: 'format', in: 'query', value: '$inputs.format' },
          { name: 'X-Export-Title', in: 'header', value: '$inputs.title' },
          { name: 'locale', in: 'cookie', value: '$inputs.locale' },
          { name: 'team', in: 'cookie', value: 'data eng' },
        ],
        body: {
          contentType: 'application/json',
          payload: { format: '$inputs.format', title: '$inputs.title', limit: '$inputs.limit', options: { notify: '$inputs.notify' } },
        },
        timeoutMs: 2000,
      },
      successCriteria: [{ condition: '$statusCode == 201' }],
      outputs: { exportId: '$response.body#/id', echoed: '$response.body#/echo' },
      onSuccess: [],
      inputSchema: {
        type: 'object',
        required: ['format'],
        properties: {
          format: { type: 'string', enum: ['csv', 'json'] },
          title: { type: 'string' },
          limit: { type: 'integer' },
          dryRun: { type: 'boolean' },
          notify: { type: 'boolean' },
          locale: { type: 'string' },
        },
      },
      idempotency: { in: 'header', name: 'Idempotency-Key' },
    },
    checkExport: {
      ...common,
      stepId: 'checkExport',
      index: 1,
      request: { method: 'GET', url: `${server.baseUrl}/exports/{exportId}`, parameters: [auth, exportId], timeoutMs: 2000 },
      successCriteria: [{ condition: '$statusCode == 200' }],
      outputs: { state: '$response.body#/state', percent: '$response.body#/progress/percent' },
      onSuccess: [
        action('stillRunning', 'goto', { stepId: 'checkExport', loopsBack: true, criteria: [bodyState('running')] }),
        action('done', 'goto', { stepId: 'fetchResult', criteria: [{ condition: "$response.body#/state == 'done'" }] }),
        action('cancelled', 'end', { criteria: [bodyState('cancelled')] }),
        action('failed', 'end', { criteria: [bodyState('failed')], endsInFailure: true }),
      ],
    },
    fetchResult: {
      ...common,
      stepId: 'fetchResult',
      index: 2,
      request: { method: 'GET', url: `${server.baseUrl}/exports/{exportId}/result`, parameters: [auth, exportId], timeoutMs: 2000 },
      successCriteria: [],
      outputs: { url: '$response.body#/url', bytes: '$response.body#/size/bytes' },
      onSuccess: [],
    },
  };
  return { ...plans[stepId], ...overrides };
}

function startState(inputs: Record<string, unknown> = { format: 'csv' }): RunState {
  return initialRunState(inputs);
}

/** The state after createExport returned export "exp-42". */
function createdState(): RunState {
  const state = startState();
  state.steps = { createExport: { exportId: 'exp-42', echoed: null } };
  state.outputs = { exportId: 'exp-42', state: null, url: null };
  return state;
}

/** The runner's dependencies except the deployed plans, which `run` takes from the plan it runs. */
type Deps = Omit<StepRunnerDeps, 'deployed'>;

interface Harness {
  deps: Deps;
  logs: Array<Record<string, unknown>>;
}

function harness(overrides: Partial<Deps> = {}): Harness {
  const logs: Array<Record<string, unknown>> = [];
  return {
    logs,
    deps: {
      secrets: staticSecretSource({ token: TOKEN }),
      fetch: globalThis.fetch,
      random: () => 0.5,
      log: (entry) => logs.push(entry),
      ...overrides,
    },
  };
}

/** Runs `stepPlan` as a deployment that compiled it in would. */
function run(stepPlan: StepPlan, state: RunState, deps: Deps = harness().deps, executionId = EXECUTION_ID): Promise<RunState> {
  const text = JSON.stringify(stepPlan);
  return runStep({ plan: text, state, executionId }, { ...deps, deployed: deployedFor(text) });
}

const causeOf = (state: RunState) =>
  JSON.parse(state.control.cause) as { message: string; step: string; statusCode: number | null; outputs: Record<string, unknown>; lastStep: RunState['control']['lastStep'] };
const bodyOf = (request: ReceivedRequest | undefined) => JSON.parse(request?.body ?? 'null') as Record<string, unknown>;

describe('a submit step', () => {
  it('that gets its 201 routes next, with the outputs recorded and every control field filled', async () => {
    server.respondWith(json(201, { id: 'exp-42', state: 'queued' }));
    const { deps, logs } = harness();
    const next = await run(plan('createExport'), startState({ format: 'csv', title: 'Q3', limit: 10, dryRun: false, notify: true, locale: 'en-GB' }), deps);

    expect(next.control).toEqual({
      route: Route.next,
      waitSeconds: 0,
      iterations: 0,
      totalWaitSeconds: 0,
      attempts: { createExport: { transient: 0, retries: 0, loops: 0, waitedSeconds: 0 } },
      lastStep: { stepId: 'createExport', statusCode: 201, outputs: { exportId: 'exp-42', echoed: null } },
      cause: '',
    });
    expect(next.steps.createExport).toEqual({ exportId: 'exp-42', echoed: null });
    expect(next.outputs).toEqual({ exportId: 'exp-42', state: null, url: null });
    expect(next.inputs).toEqual({ format: 'csv', title: 'Q3', limit: 10, dryRun: false, notify: true, locale: 'en-GB' });

    const [request] = server.received;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/exports');
    expect(request.headers['content-type']).toBe('application/json');
    expect(bodyOf(request)).toEqual({ format: 'csv', title: 'Q3', limit: 10, options: { notify: true } });
    expect(request.query.get('dryRun')).toBe('false');
    expect(request.query.get('format')).toBe('csv');
    expect(request.headers['x-export-title']).toBe('Q3');
    expect(request.headers.cookie).toBe('locale=en-GB; team=data%20eng');
    expect(logs).toEqual([expect.objectContaining({ stepId: 'createExport', route: 'next', statusCode: 201, attempt: 1, waitSeconds: 0 })]);
    expect(logs[0].durationMs).toEqual(expect.any(Number));
  });

  it('sends the secret input from the secret store as the Authorization header', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    await run(plan('createExport'), startState());
    expect(server.received[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('leaves optional inputs that were not given out of the body, query, headers and cookies, rather than sending null', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    await run(plan('createExport'), startState({ format: 'json' }));

    const [request] = server.received;
    expect(bodyOf(request)).toEqual({ format: 'json', options: {} });
    expect(request.query.has('dryRun')).toBe(false);
    expect([...request.query.keys()]).toEqual(['format']);
    expect(request.headers).not.toHaveProperty('x-export-title');
    expect(request.headers.cookie).toBe('team=data%20eng');
  });

  it('whose success criteria do not hold fails the step with a cause that says so', async () => {
    server.respondWith(json(200, { id: 'exp-42' }));
    const next = await run(plan('createExport'), startState());

    expect(next.control.route).toBe(Route.stepFailed);
    expect(next.control.waitSeconds).toBe(0);
    expect(causeOf(next)).toEqual({
      message: 'step createExport failed: HTTP 200 did not meet the successCriteria and no onFailure action matched',
      step: 'createExport',
      statusCode: 200,
      outputs: { exportId: 'exp-42', state: null, url: null },
      lastStep: { stepId: 'createExport', statusCode: 200, outputs: { exportId: 'exp-42', echoed: null } },
    });
  });

  it('that gets a 404 and has no failure action fails with the status in the message', async () => {
    server.respondWith(json(404, { error: 'no such route' }));
    const next = await run(plan('createExport'), startState());
    expect(next.control.route).toBe(Route.stepFailed);
    expect(causeOf(next).message).toBe('step createExport failed: HTTP 404 and no onFailure action matched');
  });
});

describe('a criterion that cannot be evaluated at run time', () => {
  it('fails the step with the evaluator\'s explanation instead of crashing the Lambda', async () => {
    server.respondWith(json(200, { state: 'done' }));
    const broken = plan('checkExport', { successCriteria: [{ context: '$response.body', condition: "state == 'x'", type: 'jsonpath' }] });
    const next = await run(broken, createdState());
    expect(next.control.route).toBe(Route.stepFailed);
    expect(causeOf(next).message).toMatch(/^step checkExport: .*is not JSONPath this compiler can evaluate/);
  });
});

describe('inputs of the first step', () => {
  it('that break the input schema route invalidInputs, name the field in the cause, and make no request', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    const next = await run(plan('createExport'), startState({ format: 'xml', limit: 'ten' }));

    expect(server.received).toHaveLength(0);
    expect(next.control.route).toBe(Route.invalidInputs);
    const cause = causeOf(next);
    expect(cause.message).toMatch(/^invalid workflow inputs: /);
    expect(cause.message).toContain('format');
    expect(cause.message).toContain('limit');
    expect(cause.statusCode).toBeNull();
  });

  it('that carry a secret input route invalidInputs, even when the schema would let it through', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    const open = { ...plan('createExport'), inputSchema: { type: 'object', additionalProperties: true } };
    const next = await run(open, startState({ format: 'csv', token: 'smuggled' }));

    expect(server.received).toHaveLength(0);
    expect(next.control.route).toBe(Route.invalidInputs);
    expect(causeOf(next).message).toMatch(/token: is a secret input and must not be in the run's input/);
  });

  it('are not checked again by later steps', async () => {
    server.respondWith(json(200, { state: 'done' }));
    const state = createdState();
    state.inputs = { limit: 'not a number' };
    const next = await run(plan('checkExport'), state);
    expect(next.control.route).toBe('done');
  });
});

describe('a poll step', () => {
  it('that sees "running" loops back through its wait policy, counting the iteration and the wait', async () => {
    server.respondWith(json(200, { state: 'running', progress: { percent: 40 } }));
    const next = await run(plan('checkExport'), createdState());

    expect(server.received[0].path).toBe('/exports/exp-42');
    expect(next.control).toMatchObject({ route: 'stillRunning', waitSeconds: 5, iterations: 1, totalWaitSeconds: 5, cause: '' });
    expect(next.control.attempts.checkExport).toEqual({ transient: 0, retries: 0, loops: 1, waitedSeconds: 5 });
    expect(next.steps.checkExport).toEqual({ state: 'running', percent: 40 });
    expect(next.outputs).toEqual({ exportId: 'exp-42', state: 'running', url: null });
  });

  it('that sees "done" goes forward with no wait', async () => {
    server.respondWith(json(200, { state: 'done' }));
    const next = await run(plan('checkExport'), createdState());
    expect(next.control).toMatchObject({ route: 'done', waitSeconds: 0, iterations: 0, totalWaitSeconds: 0, cause: '' });
  });

  it('that sees "cancelled" takes the end action, which is not a failure, so there is no cause', async () => {
    server.respondWith(json(200, { state: 'cancelled' }));
    const next = await run(plan('checkExport'), createdState());
    expect(next.control).toMatchObject({ route: 'cancelled', waitSeconds: 0, cause: '' });
  });

  it('that sees "failed" takes the failing end action with a cause carrying the remote state', async () => {
    server.respondWith(json(200, { state: 'failed', progress: { percent: 80 } }));
    const next = await run(plan('checkExport'), createdState());

    expect(next.control.route).toBe('failed');
    const cause = causeOf(next);
    expect(cause.message).toBe('step checkExport ended the run with failed (HTTP 200)');
    expect(cause.statusCode).toBe(200);
    expect(cause.lastStep.outputs).toEqual({ state: 'failed', percent: 80 });
    expect(cause.outputs).toEqual({ exportId: 'exp-42', state: 'failed', url: null });
  });

  it('with an exponential wait policy waits longer on each loop-back of a streak, and starts over after moving on', async () => {
    server.respondWith(json(200, { state: 'running' }));
    const poll = plan('checkExport', { waitPolicy: { kind: 'exponential', initialSeconds: 2, factor: 3, maxSeconds: 40, jitter: 0 } });
    const waits: number[] = [];
    let state = createdState();
    for (let poll_ = 0; poll_ < 5; poll_++) {
      state = await run(poll, state);
      waits.push(state.control.waitSeconds);
    }
    expect(waits).toEqual([2, 6, 18, 40, 40]);
    expect(state.control.iterations).toBe(5);
    expect(state.control.totalWaitSeconds).toBe(106);

    server.respondWith(json(200, { state: 'done' }));
    state = await run(poll, state);
    expect(state.control.attempts.checkExport.loops).toBe(0);
    server.respondWith(json(200, { state: 'running' }));
    state = await run(poll, state);
    expect(state.control.waitSeconds).toBe(2);
  });

  it('jitters an exponential wait by the given fraction', async () => {
    server.respondWith(json(200, { state: 'running' }));
    const poll = plan('checkExport', { waitPolicy: { kind: 'exponential', initialSeconds: 10, factor: 2, maxSeconds: 60, jitter: 0.5 } });
    const low = await run(poll, createdState(), harness({ random: () => 0 }).deps);
    const high = await run(poll, createdState(), harness({ random: () => 0.999 }).deps);
    expect(low.control.waitSeconds).toBe(5);
    expect(high.control.waitSeconds).toBe(10);
  });

  it('honours Retry-After on a response that loops back, over its wait policy', async () => {
    server.respondWith(json(200, { state: 'running' }, { 'retry-after': '12' }));
    const next = await run(plan('checkExport'), createdState());
    expect(next.control).toMatchObject({ route: 'stillRunning', waitSeconds: 12, totalWaitSeconds: 12 });
  });

  it('records null for outputs whose pointers find nothing, and for workflow outputs of steps not yet run', async () => {
    server.respondWith(json(200, { state: 'done', progress: 'not an object' }));
    const next = await run(plan('checkExport'), createdState());
    expect(next.steps.checkExport).toEqual({ state: 'done', percent: null });
    expect(next.outputs).toEqual({ exportId: 'exp-42', state: 'done', url: null });
  });

  it('records null outputs for a response with no body at all', async () => {
    server.respondWith(json(200));
    const next = await run(plan('fetchResult'), createdState());
    expect(next.control.route).toBe(Route.next);
    expect(next.steps.fetchResult).toEqual({ url: null, bytes: null });
  });

  it('whose path parameter has no value fails without calling a URL with a hole in it', async () => {
    const state = createdState();
    state.steps = {};
    const next = await run(plan('checkExport'), state);
    expect(server.received).toHaveLength(0);
    expect(next.control.route).toBe(Route.stepFailed);
    expect(causeOf(next).message).toContain('path parameter "exportId" has no value');
  });

  it('that has looped as often as the loop limit allows routes loopLimitExceeded instead of looping again', async () => {
    server.respondWith(json(200, { state: 'running' }));
    const state = createdState();
    state.control.iterations = 50;
    state.control.totalWaitSeconds = 250;
    const next = await run(plan('checkExport'), state);

    expect(next.control).toMatchObject({ route: Route.loopLimitExceeded, waitSeconds: 0, iterations: 50, totalWaitSeconds: 250 });
    expect(causeOf(next).message).toBe('step checkExport: loop limit exceeded: iteration 51 would exceed loopLimit.maxIterations (50)');
    expect(causeOf(next).lastStep.outputs.state).toBe('running');
  });

  it('whose next wait would pass the total wait budget routes loopLimitExceeded', async () => {
    server.respondWith(json(200, { state: 'running' }, { 'retry-after': '120' }));
    const state = createdState();
    state.control.totalWaitSeconds = 3500;
    const next = await run(plan('checkExport'), state);
    expect(next.control.route).toBe(Route.loopLimitExceeded);
    expect(causeOf(next).message).toContain('total wait to 3620 s, over loopLimit.maxTotalWaitSeconds (3600)');
  });
});

describe('transient trouble', () => {
  it('a 429 with Retry-After: 7 is retried after 7 seconds, then the retried call succeeds', async () => {
    server.respondInTurn(json(429, { error: 'slow down' }, { 'retry-after': '7' }), json(201, { id: 'exp-42' }));
    const { deps, logs } = harness();
    const retry = await run(plan('createExport'), startState(), deps);

    expect(retry.control).toMatchObject({ route: Route.transientRetry, waitSeconds: 7, iterations: 1, totalWaitSeconds: 7, cause: '' });
    expect(retry.control.attempts.createExport.transient).toBe(1);
    expect(logs[0]).toMatchObject({ route: Route.transientRetry, statusCode: 429, attempt: 1, waitSeconds: 7, transient: 'throttled' });

    const done = await run(plan('createExport'), retry, deps);
    expect(done.control).toMatchObject({ route: Route.next, waitSeconds: 0, iterations: 1, totalWaitSeconds: 7 });
    expect(done.control.attempts.createExport.transient).toBe(0);
    expect(done.steps.createExport.exportId).toBe('exp-42');
    expect(logs[1]).toMatchObject({ route: Route.next, attempt: 2 });
  });

  it('a Retry-After given as an HTTP date is turned into whole seconds from now', async () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    server.respondWith(json(503, {}, { 'retry-after': 'Sun, 01 Mar 2026 12:00:09 GMT' }));
    const next = await run(plan('createExport'), startState(), harness({ now: () => now }).deps);
    expect(next.control.waitSeconds).toBe(9);
  });

  it('a 503 without Retry-After backs off with full jitter, within min(maxSeconds, base * 2^attempt)', async () => {
    server.respondWith(json(503, { error: 'busy' }));
    const second = createdState();
    second.control.attempts.checkExport = { transient: 1, retries: 0, loops: 0 };
    // Second attempt: the ceiling is min(30, 2 * 2^1) = 4 seconds.
    const highest = await run(plan('checkExport'), second, harness({ random: () => 0.999 }).deps);
    const lowest = await run(plan('checkExport'), second, harness({ random: () => 0 }).deps);
    const middle = await run(plan('checkExport'), second, harness({ random: () => 0.4 }).deps);

    expect(highest.control).toMatchObject({ route: Route.transientRetry, waitSeconds: 4 });
    expect(lowest.control.waitSeconds).toBe(1);
    expect(middle.control.waitSeconds).toBe(2);

    const late = createdState();
    late.control.attempts.checkExport = { transient: 1, retries: 0, loops: 0 };
    const capped = await run(plan('checkExport', { transientRetry: { maxAttempts: 10, baseSeconds: 8, maxSeconds: 10 } }), late, harness({ random: () => 0.999 }).deps);
    expect(capped.control.waitSeconds).toBe(10);
  });

  it('a server that never answers is a timeout, retried', async () => {
    server.respondWith(hang);
    const { deps, logs } = harness();
    const next = await run(plan('checkExport', { request: { ...plan('checkExport').request, timeoutMs: 200 } }), createdState(), deps);

    expect(next.control.route).toBe(Route.transientRetry);
    expect(next.control.lastStep.statusCode).toBeNull();
    expect(logs[0]).toMatchObject({ transient: 'timeout', statusCode: null, detail: 'timeout (no answer within 200 ms)' });
  });

  it('a connection reset is retried, keeping what the steps saw before', async () => {
    server.respondWith(resetConnection);
    const { deps, logs } = harness();
    const before = createdState();
    const next = await run(plan('checkExport'), before, deps);
    expect(next.control.route).toBe(Route.transientRetry);
    expect(next.control.lastStep).toEqual({ stepId: 'checkExport', statusCode: null, outputs: {} });
    expect(next.steps).toEqual(before.steps);
    expect(next.outputs).toEqual(before.outputs);
    expect(logs[0]).toMatchObject({ transient: 'network' });
  });

  it('a body that claims JSON but does not parse is retried, never taken as success', async () => {
    server.respondWith(malformedJson(200));
    const { deps, logs } = harness();
    const next = await run(plan('checkExport'), createdState(), deps);
    expect(next.control.route).toBe(Route.transientRetry);
    expect(logs[0]).toMatchObject({ transient: 'malformed-json', statusCode: 200 });
  });

  it('that lasts through the whole budget fails the step, saying how many attempts were made', async () => {
    server.respondWith(json(503, { error: 'busy' }));
    const state = createdState();
    state.control.attempts.checkExport = { transient: 2, retries: 0, loops: 0 };
    const next = await run(plan('checkExport'), state);

    expect(next.control.route).toBe(Route.stepFailed);
    expect(causeOf(next).message).toBe(
      'step checkExport failed: 3 transient failures (HTTP 503); retry budget spent (transientRetry.maxAttempts 3)',
    );
  });

  it('that lasts through the whole budget takes the document\'s catch-all failure action when there is one', async () => {
    server.respondWith(json(503, { error: 'busy' }));
    const state = createdState();
    state.control.attempts.checkExport = { transient: 2, retries: 0, loops: 0 };
    const next = await run(plan('checkExport', { onFailure: [action('giveUp', 'end', { endsInFailure: true })] }), state);
    expect(next.control.route).toBe('giveUp');
    expect(causeOf(next).message).toBe('step checkExport ended the run with giveUp (HTTP 503)');
  });

  it('is left to the document when an onFailure action with criteria matches it, even on the first attempt; the server\'s Retry-After overrules a longer retryAfter', async () => {
    server.respondWith(json(429, {}, { 'retry-after': '2' }));
    const slowDown = action('slowDown', 'retry', { criteria: [{ condition: '$statusCode == 429' }], loopsBack: true, retryAfter: 30, retryLimit: 3 });
    const next = await run(plan('checkExport', { onFailure: [slowDown] }), createdState());

    expect(next.control).toMatchObject({ route: 'slowDown', waitSeconds: 2, iterations: 1 });
    expect(next.control.attempts.checkExport).toEqual({ transient: 0, retries: 1, loops: 0, waitedSeconds: 2 });
  });

  it('is the success the document declares when its successCriteria accept that status code: a 429 or 503 meant as "not yet" is not retried', async () => {
    server.respondWith(json(503, { state: 'warming' }));
    const accepting = plan('checkExport', {
      successCriteria: [{ condition: '$statusCode == 200 || $statusCode == 503' }],
      onSuccess: [action('warming', 'goto', { stepId: 'checkExport', loopsBack: true, criteria: [{ condition: '$statusCode == 503' }] })],
    });
    const next = await run(accepting, createdState());
    expect(next.control).toMatchObject({ route: 'warming', cause: '' });
    expect(next.control.attempts.checkExport.transient).toBe(0);
    expect(next.steps.checkExport).toMatchObject({ state: 'warming' });

    server.respondWith(json(429, {}, { 'retry-after': '4' }));
    const throttled = await run(plan('checkExport', { successCriteria: [{ context: '$statusCode', condition: '^(200|429)$', type: 'regex' }] }), createdState());
    expect(throttled.control.route).toBe(Route.next);
  });

  it('stays transient when the successCriteria do not test the status code, or test it and refuse this one', async () => {
    server.respondWith(json(503, { state: 'done' }));
    const bodyOnly = await run(plan('checkExport', { successCriteria: [{ condition: "$response.body#/state == 'done'" }] }), createdState());
    expect(bodyOnly.control.route).toBe(Route.transientRetry);
    const statusRefused = await run(plan('checkExport', { successCriteria: [{ condition: '$statusCode == 200' }] }), createdState());
    expect(statusRefused.control.route).toBe(Route.transientRetry);
  });
});

describe('an Arazzo retry action', () => {
  const notYet = action('notYet', 'retry', { criteria: [{ condition: '$statusCode == 404' }], loopsBack: true, retryAfter: 3, retryLimit: 2 });

  it('retries after retryAfter seconds up to retryLimit times, then fails the step', async () => {
    server.respondWith(json(404, { error: 'not yet' }));
    const retrying = plan('checkExport', { onFailure: [notYet] });

    const first = await run(retrying, createdState());
    expect(first.control).toMatchObject({ route: 'notYet', waitSeconds: 3, iterations: 1, totalWaitSeconds: 3 });
    const second = await run(retrying, first);
    expect(second.control).toMatchObject({ route: 'notYet', waitSeconds: 3, iterations: 2, totalWaitSeconds: 6 });
    expect(second.control.attempts.checkExport.retries).toBe(2);

    const third = await run(retrying, second);
    expect(third.control.route).toBe(Route.stepFailed);
    expect(causeOf(third).message).toBe('step checkExport failed: HTTP 404; retry action "notYet" has used all 2 of its retries (retryLimit)');
  });

  it('starts its count again once the step succeeds', async () => {
    server.respondInTurn(json(404), json(200, { state: 'running' }), json(404));
    const retrying = plan('checkExport', { onFailure: [notYet] });
    let state = await run(retrying, createdState());
    state = await run(retrying, state);
    expect(state.control.attempts.checkExport.retries).toBe(0);
    state = await run(retrying, state);
    expect(state.control).toMatchObject({ route: 'notYet' });
    expect(state.control.attempts.checkExport.retries).toBe(1);
  });

  it('that is not a retry goes where it says: a goto back to an earlier step uses the wait policy', async () => {
    server.respondWith(json(410, { error: 'expired' }));
    const resubmit = action('resubmit', 'goto', { stepId: 'createExport', loopsBack: true, criteria: [{ condition: '$statusCode == 410' }] });
    const next = await run(plan('checkExport', { onFailure: [resubmit] }), createdState());
    expect(next.control).toMatchObject({ route: 'resubmit', waitSeconds: 5, iterations: 1, cause: '' });
  });
});

describe('idempotency', () => {
  const keyPattern = /^arazzo-[0-9a-f]{40}$/;

  it('sends the same execution-derived key on every retry of the step, in the configured header', async () => {
    server.respondInTurn(json(503), json(429), json(201, { id: 'exp-42' }));
    let state = await run(plan('createExport'), startState());
    state = await run(plan('createExport'), state);
    state = await run(plan('createExport'), state);

    expect(state.control.route).toBe(Route.next);
    const keys = server.received.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(keyPattern);
    expect(new Set(keys).size).toBe(1);
  });

  it('differs between runs', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    await run(plan('createExport'), startState());
    await run(plan('createExport'), startState(), harness().deps, `${EXECUTION_ID}-other`);
    const [first, second] = server.received.map((request) => request.headers['idempotency-key']);
    expect(first).not.toBe(second);
  });

  it('can go in a query parameter', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    await run(plan('createExport', { idempotency: { in: 'query', name: 'requestId' } }), startState());
    expect(server.received[0].query.get('requestId')).toMatch(keyPattern);
    expect(server.received[0].headers['idempotency-key']).toBeUndefined();
  });

  it('can go in the body at a JSON Pointer, creating the objects on the way', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    await run(plan('createExport', { idempotency: { in: 'body', name: '/meta/dedupe/key' } }), startState());
    const body = bodyOf(server.received[0]);
    expect(body.format).toBe('csv');
    expect(body.meta).toEqual({ dedupe: { key: expect.stringMatching(keyPattern) } });
  });
});

describe('payload replacements', () => {
  it('write resolved values at their JSON Pointer targets, and remove targets whose value is not set', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    const base = plan('createExport');
    const withReplacements = plan('createExport', {
      request: {
        ...base.request,
        body: {
          payload: { format: 'csv', columns: ['a', 'b'], title: 'default' },
          replacements: [
            { target: '/columns/1', value: '$inputs.format' },
            { target: '/title', value: '$inputs.title' },
            { target: '/extra/limit', value: '$inputs.limit' },
          ],
        },
      },
    });
    await run(withReplacements, startState({ format: 'json', limit: 3 }));
    expect(bodyOf(server.received[0])).toEqual({ format: 'csv', columns: ['a', 'json'], extra: { limit: 3 } });
    expect(server.received[0].headers['content-type']).toBe('application/json');
  });
});

describe('secret values', () => {
  it('appear nowhere in the returned state or the log, even when the API echoes them into an output', async () => {
    server.respondWith((request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'exp-42', echo: request.headers.authorization }));
    });
    const { deps, logs } = harness();
    const leaky = plan('createExport', {
      outputs: { exportId: '$response.body#/id', echoed: '$response.body#/echo', named: '$inputs.token' },
      workflowOutputs: { token: '$inputs.token', echoed: '$steps.createExport.outputs.echoed' },
    });
    const next = await run(leaky, startState(), deps);

    expect(server.received[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(next.steps.createExport).toEqual({ exportId: 'exp-42', echoed: 'Bearer [redacted]', named: '[redacted]' });
    expect(JSON.stringify(next)).not.toContain(TOKEN);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
    expect(next.inputs).not.toHaveProperty('token');
  });

  it('are redacted from a failure cause too', async () => {
    server.respondWith((request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: request.headers.authorization }));
    });
    const { deps, logs } = harness();
    const next = await run(plan('createExport'), startState(), deps);
    expect(next.control.route).toBe(Route.stepFailed);
    expect(causeOf(next).lastStep.outputs.echoed).toBe('Bearer [redacted]');
    expect(next.control.cause).not.toContain(TOKEN);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('that the secret store does not have stop the step with an error naming the input, not a route', async () => {
    server.respondWith(json(201, { id: 'exp-42' }));
    const deps = harness({ secrets: staticSecretSource({}) }).deps;
    await expect(run(plan('createExport'), startState(), deps)).rejects.toThrow('secret input "token"');
    expect(server.received).toHaveLength(0);
  });
});

describe('the event', () => {
  const deployedEvent = (text: string) =>
    runStep({ plan: text, state: startState(), executionId: EXECUTION_ID }, { ...harness().deps, deployed: deployedFor(text) });

  it('with a plan that is not JSON is a bug, thrown for the Task to report', async () => {
    await expect(deployedEvent('{nope')).rejects.toThrow('event.plan is not JSON text');
  });

  it('with a plan of another version asks for a redeploy', async () => {
    await expect(deployedEvent(JSON.stringify({ ...plan('createExport'), version: 0 }))).rejects.toThrow('Redeploy the stack');
  });

  it('with a plan the deployment did not compile in is refused by name, before any request', async () => {
    const deployed = deployedFor(plan('createExport'));
    const edited = JSON.stringify({ ...plan('createExport'), secretInputs: [] });
    const refused = runStep({ plan: edited, state: startState(), executionId: EXECUTION_ID }, { ...harness().deps, deployed });
    await expect(refused).rejects.toMatchObject({ name: 'Arazzo.PlanNotDeployed' });
    expect(server.received).toHaveLength(0);
  });
});

describe('the size of the run state', () => {
  it('fails the step, naming the outputs, when they would take the state past the runner\'s budget', async () => {
    server.respondWith(json(200, { state: 'running', progress: { percent: 'x'.repeat(MAX_STATE_BYTES) } }));
    const before = createdState();
    const next = await run(plan('checkExport'), before);

    expect(next.control.route).toBe(Route.stepFailed);
    expect(causeOf(next).message).toMatch(/outputs make the run state \d+ KiB.*largest outputs: percent \(\d+ KiB\)/);
    expect(next.steps).toEqual(before.steps);
    expect(Buffer.byteLength(JSON.stringify(next))).toBeLessThan(MAX_STATE_BYTES);
  });
});
