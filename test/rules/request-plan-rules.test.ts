/**
 * What a step's plan asks of its request, observed on the compiled plans: its timeout, its body, its parameters,
 * its base URL, whether it may be repeated; and where a refusal points in the document.
 */
import { describe, expect, it } from 'vitest';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { Step } from '../../lib/arazzo/types.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import { fixture } from '../support/compile-fixture.ts';

const shop = fixture('shop-order.arazzo.yml');
/** The shop workflow with one edit to a step of its loaded document. */
const compileShop = (options: CompileOptions = {}, stepId = 'poll', edit: (step: Step) => void = () => undefined) => () => {
  const loaded = loadArazzo(shop);
  // Step timeouts are Arazzo 1.1.
  loaded.document.arazzo = '1.1.0';
  edit(loaded.document.workflows[0]!.steps.find((step) => step.stepId === stepId)!);
  return compileWorkflow(loaded, options);
};
const planOf = (stepId: string, compiled: ReturnType<ReturnType<typeof compileShop>>) => compiled.plans.find((plan) => plan.stepId === stepId)!;

describe("a step's timeout", () => {
  it("may equal the deployment's requestTimeoutMs, and then fails the step when it runs over", () => {
    const request = planOf('poll', compileShop({ requestTimeoutMs: 5000 }, 'poll', (step) => void (step.timeout = 5000))()).request;
    expect(request).toMatchObject({ timeoutMs: 5000, timeoutFailsStep: true });
    expect(compileShop({ requestTimeoutMs: 5000 }, 'poll', (step) => void (step.timeout = 5001))).toThrow(/steps\[poll\] › timeout: 5001 ms is longer than the deployment's requestTimeoutMs \(5000 ms\)/);
  });
});

describe('a JSON request body given as text', () => {
  it('that is not JSON is refused, pointing at the payload', () => {
    const broken = (step: Step) => void (step.requestBody = { contentType: 'application/json', payload: '{"item": ' });
    expect(compileShop({}, 'create', broken)).toThrow(/workflows\[place-order\] › steps\[create\] › requestBody › payload: /);
  });
});

describe('nonIdempotentSteps', () => {
  it('marks the requests of the steps it names, and only those, as not to be repeated', () => {
    const compiled = compileShop({ nonIdempotentSteps: ['poll'] })();
    expect(compiled.plans.map((plan) => [plan.stepId, plan.request.nonIdempotent])).toEqual([
      ['create', undefined],
      ['poll', true],
      ['receipt', undefined],
    ]);
  });
});

describe('a server URL from the deployment', () => {
  it('that is not an absolute http(s) URL is refused, naming the option', () => {
    expect(compileShop({ serverUrls: { shop: 'ftp://shop.test' } })).toThrow("deployment option serverUrls.shop is 'ftp://shop.test', not an absolute http(s) URL");
  });
});

describe("the workflow's own actions", () => {
  it('refused for a reference that names nothing, pointing at the workflow, not at the step', () => {
    const loaded = loadArazzo(shop);
    loaded.document.workflows[0]!.successActions = [{ reference: '$components.successActions.nope' }];
    expect(() => compileWorkflow(loaded, {})).toThrow(/workflows\[place-order\] › successActions\[0\]/);
  });
});
