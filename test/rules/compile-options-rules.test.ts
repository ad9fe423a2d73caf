/**
 * Deployment options the compiler refuses, naming the option and the fix, and what it makes of action names
 * and parameters. Observed on the compiled plans and state machine.
 */
import { describe, expect, it } from 'vitest';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { SuccessAction } from '../../lib/arazzo/types.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import { compileFile, fixture } from '../support/compile-fixture.ts';

const shop = fixture('shop-order.arazzo.yml');
const compileWith = (options: CompileOptions) => () => compileFile(shop, options);

describe('a deployment option is refused, naming it and the fix, when', () => {
  it('an idempotency key goes somewhere a request cannot carry it', () => {
    expect(compileWith({ idempotency: { create: { in: 'cookie' as 'header', name: 'k' } } })).toThrow(/idempotency\.create\.in.*must be header, query or body, not 'cookie'/);
    expect(compileWith({ idempotency: { create: { in: 'body', name: 'clientRef' } } })).toThrow(/idempotency\.create\.name.*must be a JSON Pointer such as \/clientReference for in: body/);
    expect(compileWith({ idempotency: { nope: { in: 'header', name: 'k' } } })).toThrow(/idempotency\.nope.*names step 'nope', which the workflow does not have; steps: create, poll, receipt/);
  });

  it('the loop limit is not a whole number of at least 1', () => {
    expect(compileWith({ loopLimit: { maxIterations: 0, maxTotalWaitSeconds: 60 } })).toThrow(/loopLimit\.maxIterations.*must be a whole number of at least 1/);
    expect(compileWith({ loopLimit: { maxIterations: 2.5, maxTotalWaitSeconds: 60 } })).toThrow(/loopLimit\.maxIterations/);
    expect(compileWith({ loopLimit: { maxIterations: 5, maxTotalWaitSeconds: 0 } })).toThrow(/loopLimit\.maxTotalWaitSeconds.*must be a whole number of seconds, at least 1/);
    // The outage budget must fit in the loop limit too, so the smallest loop limit takes the smallest budget.
    expect(compileWith({ loopLimit: { maxIterations: 1, maxTotalWaitSeconds: 1 }, transientRetry: { budgetSeconds: 1 } })).not.toThrow();
  });

  it('the request timeout is outside 100 ms to 60 s or not whole', () => {
    for (const requestTimeoutMs of [99, 60_001, 150.5]) {
      expect(compileWith({ requestTimeoutMs }), String(requestTimeoutMs)).toThrow(/requestTimeoutMs.*must be whole milliseconds between 100 and 60000/);
    }
    for (const requestTimeoutMs of [100, 60_000]) expect(compileWith({ requestTimeoutMs }), String(requestTimeoutMs)).not.toThrow();
  });

  it('a wait policy has no kind', () => {
    expect(compileWith({ waitPolicy: { seconds: 5 } as never })).toThrow(/waitPolicy\.kind.*must be fixed, exponential or proportional, not missing/);
  });

  it('a per-step wait policy names a step the workflow does not have', () => {
    expect(compileWith({ stepWaitPolicies: { nope: { kind: 'fixed', seconds: 1 } } })).toThrow(/stepWaitPolicies\.nope.*names step 'nope'/);
  });

  it('a server URL still has a {variable}', () => {
    expect(compileWith({ serverUrls: { shop: 'https://{region}.shop.test' } })).toThrow(
      /deployment option serverUrls\.shop is 'https:\/\/\{region\}\.shop\.test', which still has a server variable placeholder; set the deployment option serverUrls\.shop/,
    );
  });
});

describe('compiled plans', () => {
  it('keep each action\'s route distinct from the built-in routes and from one another', () => {
    const { plans } = compileFile(shop);
    const routes = plans.flatMap((p) => [...p.onSuccess, ...p.onFailure].map((a) => a.route));
    for (const plan of plans) {
      const own = [...plan.onSuccess, ...plan.onFailure].map((a) => a.route);
      expect(new Set(own).size, plan.stepId).toBe(own.length);
      expect(own.filter((r) => ['next', 'transientRetry', 'stepFailed', 'loopLimitExceeded', 'invalidInputs'].includes(r))).toEqual([]);
    }
    expect(routes.length).toBeGreaterThan(3);
  });

  it('give an action named like a built-in route, or like another action of the step, a route of its own', () => {
    const loaded = loadArazzo(shop);
    const poll = loaded.document.workflows[0].steps.find((s) => s.stepId === 'poll')!;
    const extra: SuccessAction[] = [
      { name: 'next', type: 'end', criteria: [{ condition: "$response.body#/state == 'x'" }] },
      { name: 'pending', type: 'end', criteria: [{ condition: "$response.body#/state == 'y'" }] },
      { name: 'pending', type: 'end', criteria: [{ condition: "$response.body#/state == 'z'" }] },
    ];
    poll.onSuccess = [...(poll.onSuccess ?? []), ...extra];
    const { plans, definition } = compileWorkflow(loaded, {});
    const routes = plans.find((p) => p.stepId === 'poll')!.onSuccess.map((a) => a.route);
    expect(routes).toEqual(['pending', 'rejected', 'shipped', 'abandoned', 'action:next', 'pending#2', 'pending#3']);
    const after = definition.States['After poll'] as { Choices: Array<{ StringEquals?: string; Next: string }> };
    const target = (route: string) => after.Choices.find((c) => c.StringEquals === route)?.Next;
    expect(target('action:next')).toBe('poll: next');
    expect(target('next')).toBe('receipt');
    expect(target('pending#2')).toBe('poll: pending');
    expect(target('pending')).toBe('Wait before poll');
  });

  it('join a server URL and a path with exactly one slash', () => {
    const { plans } = compileWith({ serverUrls: { shop: 'https://shop.test/api///' } })();
    expect(plans.every((p) => p.request.url.startsWith('https://shop.test/api/') && !p.request.url.includes('api//'))).toBe(true);
  });
});
