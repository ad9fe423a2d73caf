import { describe, expect, it } from 'vitest';
import type { AslChoiceRule, AslState } from '../lib/compile/asl.ts';
import { Errors, Route, type StepPlan } from '../lib/compile/step-plan.ts';
import { compileFile, fixture, validateAsl } from './support/compile-fixture.ts';

const shop = fixture('shop-order.arazzo.yml');
const choice = (states: Record<string, AslState>, name: string) => {
  const state = states[name];
  if (state?.Type !== 'Choice') throw new Error(`${name} is not a Choice`);
  return state;
};
const ruleFor = (rules: AslChoiceRule[], route: string) => rules.find((r) => r.StringEquals === route);
const planOf = (states: Record<string, AslState>, stepId: string): StepPlan => {
  const task = states[stepId];
  if (task?.Type !== 'Task') throw new Error(`${stepId} is not a Task`);
  return JSON.parse((task.Parameters.Payload as { plan: string }).plan) as StepPlan;
};

describe('compileWorkflow on a document it has never seen', () => {
  const { definition, publicInputSchema } = compileFile(shop, { secretInputs: ['token'] });
  const { States } = definition;

  it('makes one Lambda task per step, named by its stepId, after a Start state', () => {
    const tasks = Object.entries(States).filter(([, s]) => s.Type === 'Task').map(([name]) => name);
    expect(tasks).toEqual(['create', 'poll', 'receipt']);
    expect(definition.StartAt).toBe('Start');
    expect(States.Start).toMatchObject({ Type: 'Pass', Next: 'create' });
  });

  it('is valid ASL', () => {
    expect(validateAsl(definition)).toEqual([]);
  });

  it('routes each step with a Choice whose rules carry the action names in their Comment', () => {
    const rules = choice(States, 'After poll').Choices;
    expect(ruleFor(rules, 'pending')).toMatchObject({ Comment: 'pending', Next: 'Wait before poll' });
    expect(ruleFor(rules, 'rejected')).toMatchObject({ Comment: 'rejected', Next: 'poll: rejected' });
    expect(ruleFor(rules, 'shipped')).toMatchObject({ Comment: 'shipped', Next: 'receipt' });
    expect(ruleFor(rules, Route.next)?.Next).toBe('receipt');
    expect(rules.every((r) => r.Variable === '$.control.route' && typeof r.Comment === 'string')).toBe(true);
  });

  it('sends a loop-back through a Wait whose seconds come from the step runner', () => {
    expect(States['Wait before poll']).toEqual(
      expect.objectContaining({ Type: 'Wait', SecondsPath: '$.control.waitSeconds', Next: 'poll' }),
    );
  });

  it('runs a retry action through the Wait before the same step, with the spec default retryLimit when absent', () => {
    const rules = choice(States, 'After create').Choices;
    expect(ruleFor(rules, 'tryAgain')).toMatchObject({ Comment: 'tryAgain', Next: 'Wait before create' });
    const retry = planOf(States, 'create').onFailure.find((a) => a.name === 'tryAgain');
    expect(retry).toMatchObject({ type: 'retry', retryAfter: 3, retryLimit: 2, loopsBack: true });
    const retryOnce = planOf(States, 'poll').onFailure.find((a) => a.name === 'retryOnce');
    expect(retryOnce).toMatchObject({ type: 'retry', retryAfter: 0, retryLimit: 1, loopsBack: true });
  });

  it('ends a success end action in a Succeed with the workflow outputs, and a failure end action in a Fail named after it', () => {
    expect(States['poll: rejected']).toEqual(expect.objectContaining({ Type: 'Succeed', OutputPath: '$.outputs' }));
    expect(States['poll: giveUp']).toEqual(
      expect.objectContaining({ Type: 'Fail', Error: 'giveUp', CausePath: '$.control.cause' }),
    );
  });

  it('marks a success end action as a failure when the deployment says so, a referenced one too', () => {
    const { definition: d } = compileFile(shop, { failureEnds: { poll: ['rejected', 'abandoned'] } });
    expect(d.States['poll: rejected']).toEqual(expect.objectContaining({ Type: 'Fail', Error: 'rejected' }));
    expect(d.States['poll: abandoned']).toEqual(expect.objectContaining({ Type: 'Fail', Error: 'abandoned' }));
  });

  it('refuses a server that is not an absolute URL unless the deployment gives one', () => {
    const relative = fixture('relative-server.arazzo.yml');
    expect(() => compileFile(relative)).toThrow(/first server of source description api is '\/api', not an absolute http\(s\) URL; set the deployment option serverUrls\.api/);
    expect(compileFile(relative, { serverUrls: { api: 'https://api.example.test' } }).plans[0]!.request.url).toBe('https://api.example.test/things');
  });

  it('ends running off the last step in Succeeded with the workflow outputs', () => {
    expect(ruleFor(choice(States, 'After receipt').Choices, Route.next)?.Next).toBe('Succeeded');
    expect(States.Succeeded).toEqual(expect.objectContaining({ Type: 'Succeed', OutputPath: '$.outputs' }));
  });

  it('fails unmatched failures, exceeded loops and bad input with named errors', () => {
    expect(States.StepFailed).toMatchObject({ Type: 'Fail', Error: Errors.stepFailed });
    expect(States.LoopLimitExceeded).toMatchObject({ Type: 'Fail', Error: Errors.loopLimitExceeded });
    expect(States.InvalidInputs).toMatchObject({ Type: 'Fail', Error: Errors.invalidInputs });
    expect(ruleFor(choice(States, 'After create').Choices, Route.invalidInputs)?.Next).toBe('InvalidInputs');
    expect(ruleFor(choice(States, 'After poll').Choices, Route.invalidInputs)).toBeUndefined();
    for (const stepId of ['create', 'poll', 'receipt']) {
      expect(ruleFor(choice(States, `After ${stepId}`).Choices, Route.loopLimitExceeded)?.Next).toBe('LoopLimitExceeded');
    }
  });

  it('retries the Lambda service errors, TooManyRequests included, with full jitter', () => {
    const task = States.poll;
    if (task?.Type !== 'Task') throw new Error('poll is not a Task');
    expect(task.Retry?.[0]).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2 });
    expect(task.Retry?.[0]?.ErrorEquals).toContain('Lambda.TooManyRequestsException');
  });

  it('embeds a plan with the operation resolved, workflow parameters merged and the server overridable', () => {
    const plan = compileFile(shop, { serverUrls: { shop: 'http://127.0.0.1:9/base/' } }).plans[1]!;
    expect(plan.request).toMatchObject({ method: 'GET', url: 'http://127.0.0.1:9/base/orders/{orderId}' });
    expect(plan.request.parameters).toEqual(
      expect.arrayContaining([
        { name: 'X-Token', in: 'header', value: '$inputs.token' },
        { name: 'orderId', in: 'path', value: '$steps.create.outputs.orderId' },
      ]),
    );
    expect(planOf(States, 'create').request.url).toBe('https://shop.example.test/api/orders');
  });

  it('checks the public inputs, without the secret ones, before the first step', () => {
    expect(publicInputSchema).toMatchObject({ required: ['item'] });
    expect(Object.keys(publicInputSchema.properties as object)).toEqual(['item', 'count']);
    expect(planOf(States, 'create').inputSchema).toEqual(publicInputSchema);
    expect(planOf(States, 'poll').inputSchema).toBeUndefined();
    expect(planOf(States, 'create').secretInputs).toEqual(['token']);
  });

  it('reads only paths that the Start state already writes', () => {
    const start = States.Start;
    if (start?.Type !== 'Pass') throw new Error('Start is not a Pass');
    const written = { ...start.Parameters, inputs: {} } as Record<string, unknown>;
    const read = Object.values(States).flatMap((s) => [
      ...(s.Type === 'Choice' ? s.Choices.map((r) => r.Variable) : []),
      ...(s.Type === 'Wait' ? [s.SecondsPath] : []),
      ...(s.Type === 'Fail' && s.CausePath ? [s.CausePath] : []),
      ...(s.Type === 'Succeed' && s.OutputPath ? [s.OutputPath] : []),
    ]);
    for (const p of new Set(read)) {
      const value = p.slice(2).split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], written);
      expect(value, p).not.toBeUndefined();
    }
  });

  it('lets whatever the step runner throws fail the run at the step\'s Task, so a redrive runs the step again', () => {
    const task = States.poll;
    if (task?.Type !== 'Task') throw new Error('poll is not a Task');
    expect(task.Retry?.map((r) => r.ErrorEquals).flat()).toEqual(expect.arrayContaining(['Arazzo.SecretUnavailable', 'Sandbox.Timedout']));
    expect(task.Retry?.map((r) => r.ErrorEquals).flat()).not.toContain('Arazzo.OutageBudgetSpent');
    // A Catch into a Fail state would make a redrive re-enter that Fail state instead of the step.
    expect(task.Catch).toBeUndefined();
  });

  it('bounds every loop under the history limit, and refuses a bound that would not fit', () => {
    expect(planOf(States, 'poll').loopLimit.maxIterations * 9).toBeLessThan(25_000);
    expect(() => compileFile(shop, { loopLimit: { maxIterations: 5000 } })).toThrow(/loopLimit\.maxIterations.*at most \d+/);
  });

  it('refuses deployment options that name steps or actions the workflow does not have', () => {
    expect(() => compileFile(shop, { failureEnds: { poll: ['nope'] } })).toThrow(/failureEnds\.poll.*'nope'.*end actions: rejected, abandoned/);
    expect(() => compileFile(shop, { idempotency: { nope: { in: 'header', name: 'Idempotency-Key' } } })).toThrow(/idempotency\.nope.*steps: create, poll, receipt/);
  });

  it('passes the idempotency setting to the step it names only', () => {
    const { plans } = compileFile(shop, { idempotency: { create: { in: 'body', name: '/clientRef' } } });
    expect(plans[0]!.idempotency).toEqual({ in: 'body', name: '/clientRef' });
    expect(plans[1]!.idempotency).toBeUndefined();
  });
});
