/**
 * Composed workflows at synth: what the compiler refuses (cycles, chains too deep, secrets inside values,
 * inputs the called workflow lacks) and what the construct deploys (one state machine per workflow, the IAM
 * `.sync` needs, cdk-nag clean).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ArazzoWorkflowStack } from '../lib/arazzo-workflow-stack.ts';
import { compileWorkflowSet } from '../lib/compile/compile-document.ts';
import { loadArazzo } from '../lib/arazzo/load.ts';
import { compileFile, projectRoot, validateAsl } from './support/compile-fixture.ts';
import { unacknowledgedNagFindings } from './support/nag.ts';

const compose = (name: string) => path.join(projectRoot, 'test/fixtures/compose', name);
const serverUrls = { pets: 'https://pets.example.test/v1' };

const copies: string[] = [];
afterAll(() => copies.forEach((file) => rmSync(file, { force: true })));

/** A copy of the pet-shop document with one text replaced, next to the original (so its source resolves). */
function petShopWith(from: string, to: string): string {
  const text = readFileSync(compose('pet-shop.arazzo.yml'), 'utf8');
  if (!text.includes(from)) throw new Error(`pet-shop.arazzo.yml has no "${from}"`);
  const file = compose(`.tmp-${process.pid}-${Math.random().toString(36).slice(2)}.arazzo.yml`);
  writeFileSync(file, text.replace(from, to));
  copies.push(file);
  return file;
}

describe('composed workflows at synth', () => {
  it('compiles each called workflow into its own valid definition, started by a .sync:2 Task', () => {
    const set = compileWorkflowSet(loadArazzo(compose('pet-shop.arazzo.yml')), { secretInputs: ['apiKey'], serverUrls });
    expect(set.root.key).toBe('buy-pet');
    expect(set.children.map((child) => child.key)).toEqual(['place-order', 'read-receipt']);
    expect(set.root.calls).toEqual(['place-order', 'read-receipt']);
    for (const compiled of [set.root, ...set.children]) expect(validateAsl(compiled.definition)).toEqual([]);
    expect(set.root.definition.States['Run place-order for order']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: '${WorkflowArn_place_2dorder}', Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' } },
    });
    // A child reads the secret its caller passes from the secret store, and is started with { inputs }.
    expect(set.children[0]!.secretInputs).toEqual(['apiKey']);
    expect(set.children[0]!.publicInputSchema.properties).not.toHaveProperty('apiKey');
    expect(set.children[0]!.definition.States.Start).toMatchObject({ Parameters: { 'inputs.$': '$.inputs' } });
    // The parent's time budget covers the children it waits for.
    const childBudget = set.children.reduce((sum, child) => sum + child.definition.TimeoutSeconds!, 0);
    expect(set.root.definition.TimeoutSeconds).toBe(set.children[0]!.definition.TimeoutSeconds! + childBudget);
  });

  it('refuses a cycle of workflows, naming it', () => {
    expect(() => compileFile(compose('cycle.arazzo.yml'), { serverUrls })).toThrow(
      /steps\[back-to-a\] › workflowId: workflow cycle a → b → c → a: a workflow may not run itself/,
    );
  });

  it('refuses workflows nested deeper than maxWorkflowDepth, naming the chain', () => {
    expect(() => compileFile(compose('chain.arazzo.yml'), { serverUrls, maxWorkflowDepth: 1 })).toThrow(
      /workflows nest 2 deep \(top → middle → bottom\), deeper than maxWorkflowDepth 1/,
    );
    expect(compileFile(compose('chain.arazzo.yml'), { serverUrls, maxWorkflowDepth: 2 }).calls).toEqual(['middle']);
  });

  it('refuses a secret input passed inside a value, which would put it in the child run\'s input', () => {
    const file = petShopWith('{ name: apiKey, value: $inputs.apiKey }', '{ name: apiKey, value: "Bearer {$inputs.apiKey}" }');
    expect(() => compileFile(file, { secretInputs: ['apiKey'], serverUrls })).toThrow(
      /parameters\[2\] › value: passes the secret input "apiKey" to workflow place-order inside a value; a secret never enters a run's input/,
    );
  });

  it("refuses a parameter that is not an input of the called workflow, listing its inputs", () => {
    const file = petShopWith('{ name: coupon_code, value: $inputs.coupon }', '{ name: coupon, value: $inputs.coupon }');
    expect(() => compileFile(file, { secretInputs: ['apiKey'], serverUrls })).toThrow(
      /"coupon" is not an input of workflow place-order; its inputs are "pet_id", "coupon_code", "apiKey"/,
    );
  });

  it('reads an arazzo source description only inside the document\'s tree, like every file it names', () => {
    expect(() => compileFile(compose('nested/escape.arazzo.yml'))).toThrow(/sourceDescriptions\[0\] › url: .*outside/);
  });

  it("refuses outputs a called workflow does not have, and HTTP expressions on a step that makes no call", () => {
    const missing = petShopWith('orderId: $outputs.order_id', 'orderId: $outputs.orderNumber');
    expect(() => compileFile(missing, { serverUrls })).toThrow(/"\$outputs.orderNumber": workflow place-order declares no output "orderNumber"/);
    const http = petShopWith('orderId: $outputs.order_id', 'orderId: $response.body#/id');
    expect(() => compileFile(http, { serverUrls })).toThrow(/a step that runs workflow place-order makes no HTTP call/);
    const undeclared = petShopWith('total: $steps.receipt.outputs.total', 'total: $steps.receipt.outputs.amount');
    expect(() => compileFile(undeclared, { serverUrls })).toThrow(/step receipt declares no output "amount"; its outputs are "total", "currency"/);
  });
});

describe('the construct for a composed document', () => {
  const synth = (app: App) =>
    new ArazzoWorkflowStack(app, 'PetShop', {
      env: { account: '123456789012', region: 'eu-west-1' },
      workflow: { documentPath: compose('pet-shop.arazzo.yml'), secretInputs: ['apiKey'], serverUrls },
    });

  it('deploys one state machine per workflow; the parent may start, describe and stop its children, with the events rule .sync needs', () => {
    const template = Template.fromStack(synth(new App()));
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
    }>).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action === 'states:StartExecution').length).toBeGreaterThanOrEqual(2);
    expect(actions).toEqual(expect.arrayContaining(['states:DescribeExecution', 'states:StopExecution', 'events:PutTargets', 'events:PutRule', 'events:DescribeRule']));
    const events = statements.find((statement) => [statement.Action].flat().includes('events:PutRule'))!;
    expect(JSON.stringify(events.Resource)).toContain('rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, { Properties: { DefinitionSubstitutions: Record<string, unknown> } }>;
    const parent = Object.values(machines).find((machine) => 'WorkflowArn_place_2dorder' in machine.Properties.DefinitionSubstitutions)!;
    expect(parent.Properties.DefinitionSubstitutions.WorkflowArn_place_2dorder).toEqual({ Ref: expect.stringMatching(/^WorkflowWorkflowplaceorder/) });
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedNagFindings((app) => void synth(app))).toBe('');
  });
});
