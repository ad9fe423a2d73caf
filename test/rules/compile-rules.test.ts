/**
 * Compiler rules observed on what it emits: the state machine's states and the plans the step runner runs.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import { everyState, type AslState } from '../../lib/compile/asl.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import { deployedPlans, deployedPlansDefine, MAX_DEPLOYED_PLANS_TEXT, parseDeployedPlans, planDigest, planOrigin } from '../../lib/compile/plan-digests.ts';
import { compileFile, fixture, projectRoot } from '../support/compile-fixture.ts';
import { initialRunState } from '../../lib/compile/step-plan.ts';
import { causeOf, runPlan } from './step-harness.ts';

const withWorkflowActions = fixture('shop-order-workflow-actions.arazzo.yml');

describe('a workflow-level end action', () => {
  it('that the deployment declares a failure for the whole workflow ("*") ends every step\'s run in a Fail named after it', async () => {
    const { definition, plans } = compileFile(withWorkflowActions, { failureEnds: { '*': ['closed'] } });
    for (const step of ['create', 'poll', 'receipt']) {
      expect(definition.States[`${step}: closed`], step).toMatchObject({ Type: 'Fail', Error: 'closed', CausePath: '$.control.cause' });
    }
    const poll = plans.find((p) => p.stepId === 'poll')!;
    const state = initialRunState({ token: 't', item: 'i' });
    state.steps = { create: { orderId: 'o-1' } };
    const { state: after } = await runPlan(poll, { status: 200, body: { state: 'closed' } }, { state });
    expect(after.control.route).toBe('closed');
    expect(causeOf(after).message).toBe('step poll ended the run with closed (HTTP 200)');
  });

  it('that the deployment does not declare a failure ends the run in success', () => {
    const { definition } = compileFile(withWorkflowActions);
    expect(definition.States['poll: closed']).toMatchObject({ Type: 'Succeed', OutputPath: '$.outputs' });
  });

  it('named in failureEnds["*"] must be one of the workflow\'s end actions', () => {
    expect(() => compileFile(withWorkflowActions, { failureEnds: { '*': ['rejected'] } })).toThrow(
      /failureEnds\.\*.*names 'rejected', which is not an end action of the workflow; end actions: closed/,
    );
  });
});

describe('the plans a deployment may run (plan-digests.ts)', () => {
  it('refuses a set too large for the bundling command line, giving its size and the limit in KiB', () => {
    const many = { digests: Array.from({ length: 2000 }, (_, i) => planDigest(String(i))), origins: [] };
    expect(() => deployedPlansDefine(many)).toThrow('the step runner would carry 2000 plan digests (131 KiB), more than the 96 KiB its bundling command line can hold');
  });

  it('reads only the strings of what was baked in: anything else allows nothing', () => {
    expect(parseDeployedPlans('{"digests":["ab",1,null,{}],"origins":"https://api.test"}')).toEqual({ digests: ['ab'], origins: [] });
  });

  it('refuses a step plan without a request URL, saying so', () => {
    expect(() => planOrigin('{"request":{}}')).toThrow('a step plan in the definition has no request.url');
  });

  it('defines the identifier the step runner reads, as a JavaScript string literal of the JSON text', () => {
    const handler = readFileSync(path.join(projectRoot, 'lambdas/step-runner/handler.ts'), 'utf8');
    const plans = { digests: ['ab'], origins: ['https://api.test'] };
    expect(deployedPlansDefine(plans)).toEqual({ __ARAZZO_DEPLOYED_PLANS__: JSON.stringify(JSON.stringify(plans)) });
    expect(handler).toContain('declare const __ARAZZO_DEPLOYED_PLANS__: string | undefined;');
  });

  it('holds a set whose text is exactly the limit, and refuses one character more', () => {
    const withOrigin = (length: number) => ({ digests: [], origins: ['o'.repeat(length)] });
    const room = MAX_DEPLOYED_PLANS_TEXT - JSON.stringify(withOrigin(0)).length;
    expect(JSON.stringify(withOrigin(room))).toHaveLength(96 * 1024);
    expect(() => deployedPlansDefine(withOrigin(room))).not.toThrow();
    expect(() => deployedPlansDefine(withOrigin(room + 1))).toThrow(/more than the 96 KiB/);
  });

  it('reads only text: the same JSON in an array or a String object allows nothing', () => {
    const text = '{"digests":["ab"],"origins":["https://api.test"]}';
    expect(parseDeployedPlans(text)).toEqual({ digests: ['ab'], origins: ['https://api.test'] });
    for (const wrapped of [[text], new String(text)]) expect(parseDeployedPlans(wrapped)).toEqual({ digests: [], origins: [] });
  });

  it('refuses a step plan without a request, saying so', () => {
    expect(() => planOrigin('{}')).toThrow('a step plan in the definition has no request.url');
  });

  it('reads the origin of a URL template with each {placeholder} filled by a plain name, so one left in the host still gives an origin', () => {
    expect(planOrigin('{"request":{"url":"https://{tenant}.api.test:8443/v1/items/{id}"}}')).toBe('https://x.api.test:8443');
    expect(planOrigin('{"request":{"url":"https://api.test/v1/items/{id}?q={q}"}}')).toBe('https://api.test');
  });

  it("bakes in only the plans of Task states: a Pass carrying a plan-like payload and a Task without Parameters add nothing", () => {
    const { definition } = compileFile(fixture('shop-order.arazzo.yml'), { secretInputs: ['token'], serverUrls: { shop: 'https://shop.example.com/v1' } });
    const plan = JSON.stringify({ request: { url: 'https://elsewhere.test/x' } });
    const extra = {
      decoy: { Type: 'Pass', Parameters: { Payload: { plan } }, Next: 'bare' },
      bare: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true },
    } as unknown as Record<string, AslState>;
    expect(deployedPlans([{ ...definition, States: { ...definition.States, ...extra } }])).toEqual(deployedPlans([definition]));
  });

  it('finds no plan in a Parallel branch without states, and still reads the others', () => {
    const { definition } = compileFile(fixture('shop-order.arazzo.yml'), { secretInputs: ['token'], serverUrls: { shop: 'https://shop.example.com/v1' } });
    const fan = { Type: 'Parallel', Branches: [{ StartAt: 'x' }, { StartAt: 'y', States: definition.States }], Next: 'x' } as unknown as AslState;
    expect(deployedPlans([{ StartAt: 'fan', States: { fan } }])).toEqual(deployedPlans([definition]));
  });
});

describe('steps that run at once', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'compile-rules-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  copyFileSync(path.join(projectRoot, 'test/fixtures/spec/pet-store.openapi.yml'), path.join(scratch, 'pet-store.openapi.yml'));
  /** a; then b and c, each after a; x beside them; j after b, c and x: a Parallel inside a branch of a Parallel. */
  const nested = () => {
    const step = (stepId: string, operationId: string, dependsOn: string[]) => ({ stepId, operationId, dependsOn });
    const file = path.join(scratch, 'nested.arazzo.yml');
    writeFileSync(file, stringify({
      arazzo: '1.1.0',
      info: { title: 'nested', version: '1.0.0' },
      sourceDescriptions: [{ name: 'petStore', url: './pet-store.openapi.yml', type: 'openapi' }],
      workflows: [{ workflowId: 'nested', steps: [step('a', 'findPetsByStatus', []), step('b', 'getInventory', ['a']), step('c', 'getInventory', ['a']), step('x', 'findPetsByStatus', []), step('j', 'createReport', ['b', 'c', 'x'])] }],
    }));
    return compileWorkflow(loadArazzo(file), { serverUrls: { petStore: 'https://pets.example.test' } });
  };

  it('lists every state once with its name, those inside Parallel branches included (everyState)', () => {
    const { definition } = nested();
    const states = everyState(definition.States);
    expect(states.every((entry) => entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'object')).toBe(true);
    expect(states.map(([name]) => name)).toEqual(expect.arrayContaining(['Start', 'a', 'b', 'c', 'x', 'j', 'Join b + c']));
    expect(new Set(states.map(([name]) => name)).size).toBe(states.length);
  });

  it('gives the join of a Parallel inside a branch the share of the state budget its branch has', () => {
    const joinOfBranch = everyState(nested().definition.States).find(([name]) => name === 'Join b + c')![1];
    const plan = JSON.parse(((joinOfBranch as unknown as { Parameters: { Payload: { plan: string } } }).Parameters.Payload.plan)) as { stateBudgetShare?: number };
    expect(plan.stateBudgetShare).toBeCloseTo(1 / 3);
  });
});

describe('a receive step', () => {
  const receiveFixtures = path.join(projectRoot, 'test/fixtures/receive');
  const compileReceive = (edit: (text: string) => string = (text) => text) => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'receive-rules-'));
    for (const name of readdirSync(receiveFixtures)) copyFileSync(path.join(receiveFixtures, name), path.join(scratch, name));
    const file = path.join(scratch, 'order-confirmation.arazzo.yml');
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    try {
      return compileWorkflow(loadArazzo(file), { serverUrls: { orders: 'https://orders.example.test' }, callbacks: { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' } });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };

  it('named by channelPath waits on that channel', () => {
    const { plans } = compileReceive((text) => text.replace('operationId: $sourceDescriptions.orderEvents.sendOrderEvent', "channelPath: '{$sourceDescriptions.orderEvents.url}#/channels/orderEvents'"));
    expect(plans.find((plan) => plan.stepId === 'awaitConfirmation')!.receive!.channel).toBe('orderEvents#/channels/orderEvents');
  });

  it('is the only step whose Choice sends the run back to a wait for a message', () => {
    const { definition } = compileReceive();
    const waitsAgain = Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Choice' && state.Choices.some((rule) => typeof rule !== 'object' || rule.StringEquals === 'awaitMessage'))
      .map(([name]) => name);
    expect(waitsAgain).toEqual(['Ready to receive awaitConfirmation', 'After awaitConfirmation']);
  });
});
