/**
 * Workflows that run workflows: each runs as its own state machine through a nested execution the parent
 * waits for (startExecution.sync:2), run locally against a server on 127.0.0.1.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../local/clock.ts';
import { eventsWithChildren, executeLocally, type LocalExecutionResult } from '../local/local-execution.ts';
import { synthesizeWorkflow, type SynthesizedWorkflow } from '../local/synthesize-workflow.ts';
import { projectRoot } from './support/compile-fixture.ts';
import { reply, startTestServer, type TestServer } from './support/http-server.ts';

const petShop = path.join(projectRoot, 'test/fixtures/compose/pet-shop.arazzo.yml');
const apiKey = 'pk-live-7d1e0c55-secret';

describe('a workflow that runs workflows, run locally', () => {
  let server: TestServer;
  let workflow: SynthesizedWorkflow;
  let orderStatus = 201;
  beforeAll(async () => {
    server = await startTestServer((request, response) => {
      if (request.headers['x-api-key'] !== apiKey) return reply(response, 401, { error: 'no key' });
      if (request.path === '/pets') return reply(response, 200, [{ id: 7, name: 'Rex' }]);
      if (request.path === '/orders') {
        return orderStatus === 201 ? reply(response, 201, { id: 'ord-42', ...JSON.parse(request.body) }) : reply(response, orderStatus, { error: 'sold out' });
      }
      if (request.path === '/orders/ord-42/receipt') return reply(response, 200, { total: 120, currency: 'EUR' });
      return reply(response, 404, { error: 'no such path' });
    });
    workflow = synthesizeWorkflow({ stackName: 'PetShop', document: petShop, workflowId: 'buy-pet', secretInputs: ['apiKey'], serverUrls: { pets: server.baseUrl } });
  });
  afterAll(() => server.close());

  const run = (input: Record<string, unknown> = { tag: 'dog', coupon: 'SPRING' }): Promise<LocalExecutionResult> =>
    executeLocally({ definition: workflow.definition, stateMachines: workflow.stateMachines, input, secrets: { apiKey }, clock: new VirtualClock(), executionName: 'buy-1' });

  it('deploys each called workflow as its own state machine', () => {
    expect(Object.keys(workflow.stateMachines)).toHaveLength(2);
    const tasks = Object.values(workflow.definition.States).filter((s) => s.Type === 'Task').map((s) => (s as { Resource: string }).Resource);
    expect(tasks.filter((r) => r === 'arn:aws:states:::states:startExecution.sync:2')).toHaveLength(2);
  });

  it("passes the step's parameters as the child's inputs, reads its outputs, and shows each child as its own execution", async () => {
    orderStatus = 201;
    server.received.length = 0;
    const result = await run();
    expect(result.status).toBe('SUCCEEDED');
    // $outputs.order_id in the step's outputs is the child's workflow output; read-receipt's outputs are all exposed.
    expect(result.output).toEqual({ orderId: 'ord-42', total: 120, currency: 'EUR' });
    const order = server.received.find((r) => r.path === '/orders')!;
    expect(JSON.parse(order.body)).toEqual({ petId: 7, couponCode: 'SPRING' });

    expect(result.childExecutions.map((c) => c.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [placeOrder] = result.childExecutions;
    expect(placeOrder!.executionArn).not.toBe(result.executionArn);
    // The parent's events name the child execution, and the child's own events are its own run's.
    const started = result.events.filter((e) => e.type === 'ChildExecutionStarted');
    expect(started.map((e) => [e.stateName, e.executionArn])).toEqual([
      ['Run place-order for order', placeOrder!.executionArn],
      ['Run read-receipt for receipt', result.childExecutions[1]!.executionArn],
    ]);
    expect(placeOrder!.events.some((e) => e.type === 'StateEntered' && e.stateName === 'place')).toBe(true);
    const runTask = result.events.find((e) => e.type === 'StateExited' && e.stateName === 'Run place-order for order');
    expect(JSON.stringify(runTask?.output)).toContain(placeOrder!.executionArn);
  });

  it('hands the secret to the child through the secret store, never through its input or any event', async () => {
    orderStatus = 201;
    server.received.length = 0;
    const result = await run();
    expect(server.received.filter((r) => r.path === '/orders')[0]!.headers['x-api-key']).toBe(apiKey);
    const childInput = result.childExecutions[0]!.events.find((e) => e.type === 'ExecutionStarted')?.input;
    expect(childInput).toMatchObject({ inputs: { pet_id: 7, coupon_code: 'SPRING' } });
    expect(JSON.stringify({ events: eventsWithChildren(result), output: result.output, logs: result.logs })).not.toContain(apiKey);
  });

  it("fails the step when the child fails, so the step's onFailure applies, with the child's error in the cause", async () => {
    orderStatus = 409;
    const result = await run();
    orderStatus = 201;
    expect(result.status).toBe('FAILED');
    expect(result.childExecutions[0]).toMatchObject({ status: 'FAILED', error: 'Arazzo.StepFailed' });
    expect(result.error).toBe('soldOut');
    expect(result.cause).toContain('workflow place-order failed with Arazzo.StepFailed: step place failed: HTTP 409');
    // The next step never ran.
    expect(result.childExecutions).toHaveLength(1);
  });
});

describe('a workflow of an arazzo source description, run locally', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((request, response) => {
      if (request.headers['x-api-key'] !== apiKey) return reply(response, 401, { error: 'no key' });
      if (request.path === '/pets') return reply(response, 200, [{ id: 3 }]);
      if (request.path === '/orders') return reply(response, 201, { id: `ord-for-${JSON.parse(request.body).petId}` });
      return reply(response, 404, {});
    });
  });
  afterAll(() => server.close());

  it('runs $sourceDescriptions.<name>.<workflowId> as its own state machine, with its outputs exposed on the step', async () => {
    const document = path.join(projectRoot, 'test/fixtures/compose/order-from-source.arazzo.yml');
    const workflow = synthesizeWorkflow({ stackName: 'FromSource', document, secretInputs: ['apiKey'], serverUrls: { pets: server.baseUrl } });
    const result = await executeLocally({ definition: workflow.definition, stateMachines: workflow.stateMachines, input: {}, secrets: { apiKey }, clock: new VirtualClock() });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'ord-for-3' });
    expect(result.events.find((e) => e.type === 'ChildExecutionStarted')?.stateName).toBe('Run orders.place-order for order');
  });
});


describe('dependsOn, goto to a workflow and $workflows, run locally', () => {
  let server: TestServer;
  let cartItems = 0;
  let loginStatus = 200;
  beforeAll(async () => {
    server = await startTestServer((request, response) => {
      if (request.path === '/login') {
        if (request.headers['x-api-key'] !== apiKey) return reply(response, 401, {});
        return reply(response, loginStatus, { token: `session-${JSON.parse(request.body).user}` });
      }
      if (request.path === '/cart') return request.headers['x-session'] === 'session-ada' ? reply(response, 200, { items: cartItems }) : reply(response, 403, {});
      if (request.path === '/pets') return reply(response, 200, [{ id: 9 }]);
      return reply(response, 404, {});
    });
  });
  afterAll(() => server.close());

  const checkout = async () => {
    const document = path.join(projectRoot, 'test/fixtures/compose/checkout.arazzo.yml');
    const workflow = synthesizeWorkflow({ stackName: 'Checkout', document, secretInputs: ['apiKey'], serverUrls: { pets: server.baseUrl } });
    return executeLocally({ definition: workflow.definition, stateMachines: workflow.stateMachines, input: { user: 'ada' }, secrets: { apiKey }, clock: new VirtualClock() });
  };

  it('runs the dependency first, reads its outputs as $workflows.<id>.outputs, and hands an empty cart to browse', async () => {
    cartItems = 0;
    loginStatus = 200;
    const result = await checkout();
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ user: 'ada', token: 'session-ada', items: 0, suggestion: 9 });
    expect(result.events.filter((e) => e.type === 'ChildExecutionStarted').map((e) => e.stateName)).toEqual(['Run login for Depends on login', 'Run browse for Go to browse']);
    // Neither the dependency nor the goto is a step of the run.
    const final = result.events.filter((e) => e.type === 'StateExited' && e.stateName === 'Outcome of Go to browse').at(-1)?.output as { steps: object };
    expect(Object.keys(final.steps)).toEqual(['cart']);
  });

  it('does not go to the other workflow when the goto criteria do not hold', async () => {
    cartItems = 2;
    const result = await checkout();
    expect(result.output).toEqual({ user: 'ada', token: 'session-ada', items: 2, suggestion: null });
    expect(result.childExecutions).toHaveLength(1);
  });

  it('fails the run before any step when a dependency fails, naming it', async () => {
    loginStatus = 403;
    const cartCalls = server.received.filter((r) => r.path === '/cart').length;
    const result = await checkout();
    loginStatus = 200;
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Arazzo.StepFailed');
    expect(result.cause).toContain('workflow login failed with');
    expect(server.received.filter((r) => r.path === '/cart')).toHaveLength(cartCalls);
  });
});
