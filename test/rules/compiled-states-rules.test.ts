/**
 * Rules of the states compileWorkflow emits: state names Step Functions accepts, the inputs checked by the first
 * thing that runs, and the wake-up waits calling the deployment's callback registrar. Each document is compiled
 * inside its test.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { SuccessAction } from '../../lib/arazzo/types.ts';
import type { AslBranch, AslState } from '../../lib/compile/asl.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { compileWorkflow } from '../../lib/compile/compile-workflow.ts';
import type { StepPlan } from '../../lib/compile/step-plan.ts';
import { compileFile, fixture, projectRoot } from '../support/compile-fixture.ts';
import { RENDER_CALLBACKS } from '../support/render-farm.ts';
import { compileFor } from '../support/run-document.ts';

const shop = fixture('shop-order.arazzo.yml');
const REGISTRAR = 'arn:aws:lambda:eu-west-1:123456789012:function:registrar';
const functionName = (state: AslState | undefined) => (state as { Parameters?: { FunctionName?: string } } | undefined)?.Parameters?.FunctionName;
const taskPlan = (state: AslState | undefined): StepPlan => JSON.parse((state as unknown as { Parameters: { Payload: { plan: string } } }).Parameters.Payload.plan) as StepPlan;

describe('state names', () => {
  it('longer than 80 characters are refused, naming the state and the fix', () => {
    const loaded = loadArazzo(shop);
    const poll = loaded.document.workflows[0]!.steps.find((step) => step.stepId === 'poll')!;
    const name = 'n'.repeat(76);
    poll.onSuccess = [...(poll.onSuccess ?? []), { name, type: 'end', criteria: [{ condition: '$statusCode == 299' }] } as SuccessAction];
    expect(() => compileWorkflow(loaded, {})).toThrow(`state name 'poll: ${name}' is longer than 80 characters; shorten the stepId or action name`);
    (poll.onSuccess[poll.onSuccess.length - 1] as SuccessAction).name = 'n'.repeat(74);
    expect(() => compileWorkflow(loaded, {})).not.toThrow();
  });

  it('that two states would share are refused: a step named like a state of the machine', () => {
    const loaded = loadArazzo(shop);
    const workflow = loaded.document.workflows[0]!;
    const receipt = workflow.steps.find((step) => step.stepId === 'receipt')!;
    receipt.stepId = 'Succeeded';
    const shipped = workflow.steps.find((step) => step.stepId === 'poll')!.onSuccess!.find((action) => 'name' in action && action.name === 'shipped') as SuccessAction;
    shipped.stepId = 'Succeeded';
    workflow.outputs = { total: '$steps.Succeeded.outputs.total' };
    expect(() => compileWorkflow(loaded, {})).toThrow("two states would be named 'Succeeded'; rename a step or action");
  });
});

describe('the workflow inputs', () => {
  const petReport = path.join(projectRoot, 'test/fixtures/spec/pet-parallel-1-1.arazzo.yml');
  const specFixtures = path.join(projectRoot, 'test/fixtures/spec');

  it('are checked by the first step of a dependsOn layout that starts with a step, and by no other step', () => {
    const loaded = loadArazzo(petReport, { allowRoots: [specFixtures] });
    const steps = loaded.document.workflows[0]!.steps;
    // findPets first; countInventory and then report depend on it.
    steps.find((step) => step.stepId === 'countInventory')!.dependsOn = ['findPets'];
    const { plans } = compileWorkflow(loaded, { serverUrls: { petStore: 'https://pets.example.test' } });
    expect(plans.map((plan) => [plan.stepId, plan.inputSchema?.type])).toEqual([
      ['findPets', 'object'],
      ['countInventory', undefined],
      ['report', undefined],
    ]);
  });

  it('are checked by a state of their own before a first Parallel, and by none of its steps', () => {
    const { plans, definition } = compileFor(petReport, 'https://pets.example.test', {}, [specFixtures]);
    expect(plans.filter((plan) => plan.inputSchema !== undefined)).toEqual([]);
    expect(taskPlan(definition.States['Check inputs']).inputSchema).toMatchObject({ type: 'object' });
    const branches = (definition.States['Parallel findPets + countInventory'] as { Branches: AslBranch[] }).Branches;
    expect(branches.map((branch) => taskPlan(branch.States[branch.StartAt]).inputSchema)).toEqual([undefined, undefined]);
  });
});

describe('a wake-up wait', () => {
  const withRegistrar: CompileOptions = { callbackRegistrarArn: REGISTRAR };

  it("of a receive step calls the deployment's callback registrar when it names one", () => {
    const document = path.join(projectRoot, 'test/fixtures/receive/order-confirmation.arazzo.yml');
    const callbacks: CompileOptions['callbacks'] = { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' };
    const { definition } = compileWorkflow(loadArazzo(document), { serverUrls: { orders: 'https://orders.example.test' }, callbacks, ...withRegistrar });
    expect(functionName(definition.States['Receive awaitConfirmation'])).toBe(REGISTRAR);
  });

  it("of a callback-woken poll calls the deployment's callback registrar when it names one", () => {
    const document = path.join(projectRoot, 'test/fixtures/callbacks/render.arazzo.yml');
    const { definition } = compileFile(document, { serverUrls: { farm: 'http://127.0.0.1:1' }, callbacks: RENDER_CALLBACKS, ...withRegistrar });
    expect(functionName(definition.States['Wait before checkRender'])).toBe(REGISTRAR);
  });
});
