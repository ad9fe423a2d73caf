/**
 * Run → paid API: retries never double-charge. A POST or PATCH (or a step the deployment marks) whose call
 * failed in a way that leaves open whether it acted (reset after sending, timeout, 500/502/504, a broken body)
 * is sent again only when the step has an idempotency key; otherwise the run ends with
 * Arazzo.MayHaveTakenEffect. The key is unique per run even when an execution name is used again.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Errors, Route, type StepPlan } from '../../lib/compile/step-plan.ts';
import { idempotencyKey } from '../../lib/runtime/idempotency.ts';
import { CivitaiSimulator } from '../../local/civitai-simulator.ts';
import { randomFaults } from '../../local/civitai-simulator-faults.ts';
import { VirtualClock } from '../../local/clock.ts';
import { executeLocally, type LocalExecutionResult } from '../../local/local-execution.ts';
import { shippedConfig } from '../support/civitai-stack.ts';
import { compileFile, fixture } from '../support/compile-fixture.ts';
import { hang, json, resetConnection, testServerPerFile, type Responder } from '../support/http-server.ts';
import { synthesizeFor, TEST_API_KEY } from '../support/local-run.ts';
import { causeMessage, runDeployed, securityPlan } from '../support/security-plan.ts';

const api = testServerPerFile({ beforeAll, afterAll, beforeEach }, json(404));

const keyed: Partial<StepPlan> = { idempotency: { in: 'header', name: 'Idempotency-Key' } };

describe('a POST without an idempotency key', () => {
  const ambiguous: Array<[string, Responder]> = [
    ['a connection reset after the request was sent', resetConnection],
    ['a 500', json(500, { error: 'boom' })],
    ['a 502', json(502, { error: 'bad gateway' })],
    ['a 504', json(504, { error: 'gateway timeout' })],
    ['a 201 whose JSON body is cut off', (_q, response) => response.writeHead(201, { 'content-type': 'application/json' }).end('{"id": "jo')],
  ];
  for (const [what, responder] of ambiguous) {
    it(`after ${what} ends the run with Arazzo.MayHaveTakenEffect instead of posting again`, async () => {
      api.current.respondWith(responder);
      const { state, logs } = await runDeployed(securityPlan('POST', `${api.current.baseUrl}/jobs`));
      expect(api.current.received).toHaveLength(1);
      expect(state.control.route).toBe(Route.mayHaveTakenEffect);
      expect(state.control.waitSeconds).toBe(0);
      expect(causeMessage(state)).toMatch(/^step call: POST http:\/\/127\.0\.0\.1:\d+\/jobs may have taken effect \(.+\), so it is not sent again: the step has no idempotency key/);
      expect(logs[0]).toMatchObject({ level: 'ERROR', route: Route.mayHaveTakenEffect });
    });
  }

  it('after a timeout ends the run the same way', async () => {
    api.current.respondWith(hang);
    const { state } = await runDeployed(securityPlan('POST', `${api.current.baseUrl}/jobs`, {}, { timeoutMs: 300 }));
    expect(state.control.route).toBe(Route.mayHaveTakenEffect);
    expect(causeMessage(state)).toContain('timeout');
  });

  it('is retried after a 429 or a 503, which say the request was not processed', async () => {
    for (const status of [429, 503]) {
      api.current.respondWith(json(status, {}, { 'retry-after': '3' }));
      const { state } = await runDeployed(securityPlan('POST', `${api.current.baseUrl}/jobs`));
      expect(state.control).toMatchObject({ route: Route.transientRetry, waitSeconds: 3 });
    }
  });

  it('is retried when the connection could not even be made', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { state, logs } = await runDeployed(securityPlan('POST', `http://127.0.0.1:${port}/jobs`));
    expect(state.control.route).toBe(Route.transientRetry);
    expect(String(logs[0].detail)).toContain('ECONNREFUSED');
  });
});

describe('a step that may be repeated', () => {
  it('a POST with an idempotency key is retried after a reset, with the same key', async () => {
    api.current.respondInTurn(resetConnection, json(201, { id: 'job-1' }));
    const first = await runDeployed(securityPlan('POST', `${api.current.baseUrl}/jobs`, keyed));
    expect(first.state.control.route).toBe(Route.transientRetry);
    const second = await runDeployed(securityPlan('POST', `${api.current.baseUrl}/jobs`, keyed), { state: first.state });
    expect(second.state.control.route).toBe(Route.next);
    const keys = api.current.received.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it('a GET, PUT or DELETE is retried after a reset (idempotent by HTTP)', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      api.current.respondWith(resetConnection);
      const { state } = await runDeployed(securityPlan(method, `${api.current.baseUrl}/jobs/1`));
      expect(state.control.route).toBe(Route.transientRetry);
    }
  });

  it('but a GET the deployment marks non-idempotent is not', async () => {
    api.current.respondWith(resetConnection);
    const { state } = await runDeployed(securityPlan('GET', `${api.current.baseUrl}/start-job`, {}, { nonIdempotent: true }));
    expect(state.control.route).toBe(Route.mayHaveTakenEffect);
  });
});

describe('the compiled state machine', () => {
  const shop = fixture('shop-order.arazzo.yml');
  const task = (definition: ReturnType<typeof compileFile>['definition'], name: string) => {
    const state = definition.States[name];
    if (state?.Type !== 'Task') throw new Error(`${name} is not a Task`);
    return state;
  };

  it('routes mayHaveTakenEffect of an unkeyed POST to a Fail named Arazzo.MayHaveTakenEffect, and never re-invokes it after a timeout', () => {
    const { definition, plans } = compileFile(shop, { secretInputs: ['token'] });
    const create = plans.find((p) => p.request.method === 'POST')!;
    const choice = definition.States[`After ${create.stepId}`] as { Choices: Array<{ StringEquals: string; Next: string }> };
    const rule = choice.Choices.find((c) => c.StringEquals === Route.mayHaveTakenEffect);
    expect(rule?.Next).toBe('MayHaveTakenEffect');
    expect(definition.States.MayHaveTakenEffect).toMatchObject({ Type: 'Fail', Error: Errors.mayHaveTakenEffect });
    expect(task(definition, create.stepId).Retry?.flatMap((r) => r.ErrorEquals)).not.toContain('Sandbox.Timedout');
    const poll = plans.find((p) => p.request.method === 'GET')!;
    expect(task(definition, poll.stepId).Retry?.flatMap((r) => r.ErrorEquals)).toContain('Sandbox.Timedout');
  });

  it('keeps the timeout retry, and has no MayHaveTakenEffect state, when the POST has a key', () => {
    const unkeyed = compileFile(shop, { secretInputs: ['token'] }).plans.find((p) => p.request.method === 'POST')!;
    const { definition } = compileFile(shop, { secretInputs: ['token'], idempotency: { [unkeyed.stepId]: { in: 'header', name: 'Idempotency-Key' } } });
    expect(definition.States.MayHaveTakenEffect).toBeUndefined();
    expect(task(definition, unkeyed.stepId).Retry?.flatMap((r) => r.ErrorEquals)).toContain('Sandbox.Timedout');
  });

  it('passes $$.Execution.StartTime to every Task, and refuses nonIdempotentSteps naming no step', () => {
    const { definition, plans } = compileFile(shop, { secretInputs: ['token'] });
    for (const plan of plans) expect(task(definition, plan.stepId).Parameters.Payload).toMatchObject({ 'executionStartTime.$': '$$.Execution.StartTime' });
    expect(() => compileFile(shop, { secretInputs: ['token'], nonIdempotentSteps: ['nope'] })).toThrow(/nonIdempotentSteps.*'nope'/);
  });
});

describe('the idempotency key', () => {
  it('is the same for every attempt of a run, and differs for a later run that reuses the execution name', () => {
    const arn = 'arn:aws:states:us-east-1:111122223333:execution:m:nightly';
    const first = idempotencyKey(arn, 'submit', '2026-01-01T00:00:00.000Z');
    expect(idempotencyKey(arn, 'submit', '2026-01-01T00:00:00.000Z')).toBe(first);
    expect(idempotencyKey(arn, 'submit', '2026-04-02T00:00:00.000Z')).not.toBe(first);
    expect(first).toMatch(/^arazzo-[0-9a-f]{40}$/);
  });
});

describe('the Civitai workflow run locally against the simulator', () => {
  async function runAgainst(simulator: CivitaiSimulator, config: Record<string, unknown>, name: string, prompt: string): Promise<LocalExecutionResult> {
    const workflow = synthesizeFor(shippedConfig(config), simulator.baseUrl);
    const clock = new VirtualClock();
    simulator.registerClock(name, clock);
    try {
      return await executeLocally({
        definition: workflow.definition,
        input: { prompt, engine: 'sdxl', quantity: 1 },
        secrets: { apiKey: TEST_API_KEY },
        clock,
        simulatorClockKey: name,
        executionName: name,
        random: () => 0.5,
      });
    } finally {
      simulator.unregisterClock(name);
    }
  }

  it('creates no duplicate job across 60 runs whose submits are reset after sending, with no idempotency key', async () => {
    const simulator = new CivitaiSimulator({
      expectedToken: TEST_API_KEY,
      jobPlan: { phaseMs: { unassigned: 0, preparing: 0, scheduled: 0, processing: 1_000 } },
      faults: randomFaults({ seed: 'double-charge', rates: { connectionResetAfterEffect: 0.3, unavailable: 0.2 }, operations: ['submitWorkflow'] }),
    });
    await simulator.start();
    try {
      const results: LocalExecutionResult[] = [];
      for (let batch = 0; batch < 60; batch += 15) {
        results.push(...(await Promise.all(Array.from({ length: 15 }, (_, i) => runAgainst(simulator, { idempotency: {} }, `run-${batch + i}`, `job ${batch + i}`)))));
      }
      const counters = simulator.counters();
      const failed = results.filter((r) => r.status === 'FAILED');

      // Every run's submit took effect exactly once: resets did, 503s did not.
      expect(counters.jobsCreated).toBe(60);
      expect(counters.faults.connectionReset).toBeGreaterThan(0);
      expect(counters.faults.unavailable).toBeGreaterThan(0);
      expect(failed.map((r) => r.error)).toEqual(Array(counters.faults.connectionReset).fill(Errors.mayHaveTakenEffect));
      expect(results.filter((r) => r.status === 'SUCCEEDED')).toHaveLength(60 - counters.faults.connectionReset);
    } finally {
      await simulator.stop();
    }
  }, 300_000);

  it('never lets a run that reuses an execution name adopt the first run\'s remote job', async () => {
    const simulator = new CivitaiSimulator({ expectedToken: TEST_API_KEY, jobPlan: { phaseMs: { unassigned: 0, preparing: 0, scheduled: 0, processing: 1_000 } } });
    await simulator.start();
    try {
      const first = await runAgainst(simulator, {}, 'nightly', 'a lighthouse');
      const second = await runAgainst(simulator, {}, 'nightly', 'a lighthouse');
      expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(simulator.counters().jobsCreated).toBe(2);
      expect((second.output as { workflowId: string }).workflowId).not.toBe((first.output as { workflowId: string }).workflowId);
    } finally {
      await simulator.stop();
    }
  }, 120_000);
});
