/**
 * Deployment options checked against the workflow they configure, refused naming the option and what to do:
 * end actions named in failureEnds, the history budget of the loop limit, string bounds, wait policies, and where
 * a callback URL goes and which step it wakes. Each document is compiled inside its test.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import { compileFile, fixture, projectRoot } from '../support/compile-fixture.ts';

const shop = fixture('shop-order.arazzo.yml');
const compileShop = (options: CompileOptions) => () => compileFile(shop, options);
const orderConfirmation = path.join(projectRoot, 'test/fixtures/receive/order-confirmation.arazzo.yml');
const CALLBACKS: NonNullable<CompileOptions['callbacks']> = { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' };
/** The order confirmation workflow (a receive step), with one edit to its loaded document. */
const compileOrders = (options: CompileOptions, edit: (steps: Array<Record<string, unknown>>) => void = () => undefined) => () => {
  const loaded = loadArazzo(orderConfirmation);
  edit(loaded.document.workflows[0]!.steps as unknown as Array<Record<string, unknown>>);
  return compileWorkflow(loaded, { serverUrls: { orders: 'https://orders.example.test' }, callbacks: CALLBACKS, ...options });
};
/** The shop workflow with copies of its receipt step until it has `count` steps. */
const shopWithSteps = (count: number, options: CompileOptions) => () => {
  const loaded = loadArazzo(shop);
  const steps = loaded.document.workflows[0]!.steps;
  const receipt = steps.find((step) => step.stepId === 'receipt')!;
  while (steps.length < count) steps.push({ ...receipt, stepId: `copy${steps.length}` });
  return compileWorkflow(loaded, options);
};

describe('failureEnds', () => {
  it("names a step's end actions when it names another action of that step, or 'none' when the step has none", () => {
    expect(compileShop({ failureEnds: { poll: ['shipped'] } })).toThrow(
      "deployment option failureEnds.poll: names 'shipped', which is not an end action of step poll; end actions: rejected, abandoned",
    );
    expect(compileShop({ failureEnds: { create: ['done'] } })).toThrow("names 'done', which is not an end action of step create; end actions: none");
  });

  it("names the workflow's end actions, 'none' when it has no success actions of its own", () => {
    expect(compileShop({ failureEnds: { '*': ['done'] } })).toThrow("names 'done', which is not an end action of the workflow; end actions: none");
  });
});

describe('serverUrls', () => {
  it('is required for a source description that declares no server, and then is the base URL', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'no-server-'));
    onTestFinished(() => rmSync(scratch, { recursive: true, force: true }));
    cpSync(path.dirname(shop), scratch, { recursive: true });
    const openapi = path.join(scratch, 'shop-openapi.yml');
    writeFileSync(openapi, readFileSync(openapi, 'utf8').replace(/^servers:\n {2}- url: .*\n/m, ''));
    const file = path.join(scratch, 'shop-order.arazzo.yml');
    expect(() => compileFile(file)).toThrow(
      "workflows[place-order] › steps[create]: source description shop declares no server; set the deployment option serverUrls.shop to the API's base URL (e.g. https://api.example.com)",
    );
    expect(compileFile(file, { serverUrls: { shop: 'https://shop.example.test/v2' } }).plans[0]!.request.url).toMatch(/^https:\/\/shop\.example\.test\/v2\//);
  });

  it('naming a source description the document does not have is refused, listing those it has', () => {
    expect(compileOrders({ serverUrls: { order: 'https://orders.example.test' } })).toThrow(
      "deployment option serverUrls.order: names source description 'order', which the document does not have; source descriptions: orders, orderEvents (",
    );
  });
});

describe('the loop limit fits the history budget of a Standard workflow', () => {
  // 25,000 events, 75 % of them for this project: 18,750; 9 per loop iteration and 8 per step.
  it('up to the last iteration that fits, and beyond it the refusal names the most that fit', () => {
    expect(compileShop({ loopLimit: { maxIterations: 2080, maxTotalWaitSeconds: 3600 } })).not.toThrow();
    expect(compileShop({ loopLimit: { maxIterations: 2081, maxTotalWaitSeconds: 3600 } })).toThrow(
      'deployment option loopLimit.maxIterations: 2081 iterations can write ~18753 history events; Standard workflows stop at 25000 and this project keeps runs under 18750: use at most 2080 (',
    );
  });

  it('a workflow whose steps leave room for a single iteration is told to use at most 1', () => {
    expect(shopWithSteps(2342, { loopLimit: { maxIterations: 2, maxTotalWaitSeconds: 60 }, transientRetry: { budgetSeconds: 1 } })).toThrow(/: use at most 1 \(/);
  });

  it('a workflow whose steps alone fill the budget is told how many events they write, and to split', () => {
    expect(shopWithSteps(2344, { loopLimit: { maxIterations: 1, maxTotalWaitSeconds: 60 }, transientRetry: { budgetSeconds: 1 } })).toThrow(
      'the 2344 steps alone can write ~18752 events, leaving no room for a loop; split the workflow into smaller ones',
    );
  });
});

describe('maxStringLength', () => {
  it('is a whole number of characters from 1 to 262144', () => {
    for (const maxStringLength of [0, 262_145, 10.5]) {
      expect(compileShop({ maxStringLength }), String(maxStringLength)).toThrow(
        'deployment option maxStringLength: must be a whole number of characters from 1 to 262144 (a run state holds at most 256 KiB)',
      );
    }
    for (const maxStringLength of [1, 262_144]) expect(compileShop({ maxStringLength }), String(maxStringLength)).not.toThrow();
  });
});

describe('a wait policy', () => {
  it('waits a finite number of seconds, at least 1', () => {
    expect(compileShop({ waitPolicy: { kind: 'fixed', seconds: 1 } })).not.toThrow();
    expect(compileShop({ waitPolicy: { kind: 'fixed', seconds: Number.POSITIVE_INFINITY } })).toThrow('deployment option waitPolicy.seconds: must be a number of seconds, at least 1, not null');
    expect(compileShop({ waitPolicy: { kind: 'fixed', seconds: 0.5 } })).toThrow('waitPolicy.seconds: must be a number of seconds, at least 1, not 0.5');
  });

  it('that grows exponentially has a factor of 1 or more, and a maximum of at least a second', () => {
    const exponential = { kind: 'exponential', initialSeconds: 2, maxSeconds: 60 } as const;
    expect(compileShop({ waitPolicy: { ...exponential, factor: 1 } })).not.toThrow();
    expect(compileShop({ waitPolicy: { ...exponential, factor: 2 } })).not.toThrow();
    expect(compileShop({ waitPolicy: { ...exponential } as never })).toThrow('deployment option waitPolicy.factor: must be 1 or more');
    expect(compileShop({ waitPolicy: { ...exponential, factor: 0.99 } })).toThrow('waitPolicy.factor: must be 1 or more');
    expect(compileShop({ waitPolicy: { ...exponential, factor: 2, maxSeconds: 0 } })).toThrow('deployment option waitPolicy.maxSeconds: must be a number of seconds, at least 1, not 0');
  });
});

describe('callbacks', () => {
  it('must say where the request carries the callback URL', () => {
    expect(compileOrders({ callbacks: { wakes: 'awaitConfirmation' } as never })).toThrow('deployment option callbacks.url: must say where the request carries the callback URL, e.g. { "step": "submit", "in": "body", "name": "/callbacks/0/url" }');
    expect(compileOrders({ callbacks: { ...CALLBACKS, url: { ...CALLBACKS.url, in: 'cookie' as 'body' } } })).toThrow("deployment option callbacks.url.in: must be header, query or body, not 'cookie'");
    expect(compileOrders({ callbacks: { ...CALLBACKS, url: { ...CALLBACKS.url, name: '' } } })).toThrow('deployment option callbacks.url.name: must name the header, the query parameter, or (in: body) a JSON Pointer');
    expect(compileOrders({ callbacks: { ...CALLBACKS, url: { ...CALLBACKS.url, name: 'notifyUrl' } } })).toThrow("callbacks.url.name: must be a JSON Pointer such as /callbacks/0/url for in: body, not 'notifyUrl'");
    expect(compileOrders({ callbacks: { ...CALLBACKS, url: { ...CALLBACKS.url, in: 'header', name: 'X-Callback' } } })).not.toThrow();
  });

  it('must wake a step that loops back on itself: one without onSuccess actions does not', () => {
    expect(compileOrders({ callbacks: { ...CALLBACKS, wakes: 'place' } })).toThrow("deployment option callbacks.wakes: names step 'place', which has no goto action back to itself");
  });

  it('must wake a step that loops back on itself: a goto to another step or an end does not; the workflow\'s own goto does', () => {
    const waking = (onSuccess: unknown[], successActions?: unknown[]) => () => {
      const loaded = loadArazzo(shop);
      const workflow = loaded.document.workflows[0]!;
      workflow.steps.find((step) => step.stepId === 'poll')!.onSuccess = onSuccess as never;
      if (successActions) workflow.successActions = successActions as never;
      return compileWorkflow(loaded, { callbacks: { url: { step: 'create', in: 'header', name: 'X-Callback' }, wakes: 'poll' } });
    };
    const refusal = "deployment option callbacks.wakes: names step 'poll', which has no goto action back to itself";
    expect(waking([{ name: 'shipped', type: 'goto', stepId: 'receipt' }, { name: 'rejected', type: 'end' }])).toThrow(refusal);
    // stepId matters only to a goto (Arazzo 1.0.1 § Success Action Object): an end that names the step does not loop.
    expect(waking([{ name: 'stop', type: 'end', stepId: 'poll' }])).toThrow(refusal);
    const { definition } = waking([{ name: 'pending', type: 'goto', stepId: 'poll' }])();
    // The console shows which step's request carried the URL that can end the wait early.
    expect(definition.States['Wait before poll']).toMatchObject({
      Comment: "Seconds chosen by the step runner (as a Wait), ended early by a callback to this run's URL (sent by create).",
    });
    expect(waking([], [{ name: 'pending', type: 'goto', stepId: 'poll' }])).not.toThrow();
  });

  it('in a workflow with a receive step must wake that step, even when the step it names polls', () => {
    const pollsItself = (steps: Array<Record<string, unknown>>) => {
      steps[2]!.onSuccess = [{ name: 'again', type: 'goto', stepId: 'readOrder', criteria: [{ condition: '$statusCode == 202' }] }];
    };
    expect(compileOrders({ callbacks: { ...CALLBACKS, wakes: 'readOrder' } }, pollsItself)).toThrow(
      "deployment option callbacks.wakes: names step 'readOrder', but the callback must wake the receive step 'awaitConfirmation'",
    );
  });

  it('can wake only one receive step: a workflow with two is told to split', () => {
    const twoReceives = (steps: Array<Record<string, unknown>>) => {
      steps.push({ ...steps[1]!, stepId: 'awaitShipping', onFailure: [] });
    };
    expect(compileOrders({}, twoReceives)).toThrow(
      'deployment option callbacks.wakes: the workflow has 2 receive steps (awaitConfirmation, awaitShipping); a run has one callback URL, so it can wait for one receive step: split the workflow',
    );
  });
});
