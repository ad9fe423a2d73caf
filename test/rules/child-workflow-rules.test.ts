/**
 * Rules of workflows that run workflows (workflow steps, dependsOn, goto to a workflow), observed on the state
 * machines compileWorkflowSet emits: which inputs a called workflow gets, which stay secret, what each state runs.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadArazzo } from '../../lib/arazzo/load.ts';
import type { AslDefinition } from '../../lib/compile/asl.ts';
import { compileWorkflowSet } from '../../lib/compile/compile-document.ts';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import type { StepPlan } from '../../lib/compile/step-plan.ts';
import { documentError } from '../support/document-variant.ts';
import { projectRoot } from '../support/compile-fixture.ts';

const fixtures = join(projectRoot, 'test/fixtures/compose');
const dir = mkdtempSync(join(tmpdir(), 'child-workflow-rules-'));
copyFileSync(join(fixtures, 'pets-openapi.yml'), join(dir, 'pets-openapi.yml'));
copyFileSync(join(fixtures, 'orders.arazzo.yml'), join(dir, 'orders.arazzo.yml'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serverUrls = { pets: 'https://pets.example.test/v1' };
const ordersSource = { name: 'orders', url: './orders.arazzo.yml', type: 'arazzo' };
let count = 0;
function document(workflows: unknown[], sources: unknown[] = []): string {
  const file = join(dir, `doc-${++count}.arazzo.yml`);
  const sourceDescriptions = [{ name: 'pets', url: './pets-openapi.yml', type: 'openapi' }, ...sources];
  writeFileSync(file, stringify({ arazzo: '1.0.1', info: { title: 'rules', version: '1.0.0' }, sourceDescriptions, workflows }));
  return file;
}
const compileSet = (file: string, options: CompileOptions = {}) => compileWorkflowSet(loadArazzo(file), { serverUrls, ...options });

/** The plan a Task state of the definition runs, and the phase it runs it in. */
function taskOf(definition: AslDefinition, state: string): { plan: StepPlan; phase: unknown; comment: string | undefined; functionName: unknown } {
  const task = definition.States[state];
  if (task?.Type !== 'Task') throw new Error(`${state} is not a Task of the definition; states: ${Object.keys(definition.States).join(', ')}`);
  const payload = task.Parameters.Payload as { plan: string; phase?: unknown };
  return { plan: JSON.parse(payload.plan) as StepPlan, phase: payload.phase, comment: task.Comment, functionName: task.Parameters.FunctionName };
}

const lookup = { stepId: 'get', operationId: 'findPets' };
const child = (workflowId: string, inputs?: unknown) => ({ workflowId, ...(inputs === undefined ? {} : { inputs }), steps: [lookup] });
const props = (...names: string[]) => Object.fromEntries(names.map((name) => [name, { type: 'string' }]));
const callerInputs = { type: 'object', properties: props('tag', 'apiKey') };
/** A caller whose first step finds a pet and has an output named like its secret input. */
const caller = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  workflowId: 'caller',
  inputs: callerInputs,
  ...extra,
  steps: [
    { stepId: 'find', operationId: 'findPets', parameters: [{ name: 'X-Api-Key', in: 'header', value: '$inputs.apiKey' }], outputs: { apiKey: '$response.body#/0/id' } },
    ...steps,
  ],
});
const callStep = (stepId: string, workflowId: string, parameters: unknown[]) => ({ stepId, workflowId, parameters });

const keyed = child('keyed', { type: 'object', properties: props('apiKey', 'token') });
const passing = (parameter: Record<string, unknown>) => document([caller([callStep('to-keyed', 'keyed', [parameter])]), keyed]);

describe("a workflow step's parameters are the called workflow's inputs", () => {
  it('a called workflow whose inputs list no properties, or allow others (additionalProperties, patternProperties), takes any parameter name', () => {
    const open = {
      'no-properties': { type: 'object' },
      'additional-true': { type: 'object', properties: props('a'), additionalProperties: true },
      'additional-schema': { type: 'object', properties: props('a'), additionalProperties: { type: 'string' } },
      'pattern': { type: 'object', properties: props('a'), patternProperties: { '^x-': { type: 'string' } } },
    };
    const file = document([
      caller(Object.keys(open).map((name) => callStep(`to-${name}`, name, [{ name: 'x-extra', value: 'v' }]))),
      ...Object.entries(open).map(([name, inputs]) => child(name, inputs)),
    ]);
    const { root } = compileSet(file);
    for (const name of Object.keys(open)) {
      expect(taskOf(root.definition, `to-${name}`).plan.workflowCall, name).toMatchObject({ inputs: { 'x-extra': 'v' }, secretInputs: [] });
    }
  });

  it("refuses a parameter a closed inputs schema does not list, at the parameter's name", () => {
    const file = document([caller([callStep('to-closed', 'closed', [{ name: 'x-extra', value: 'v' }])]), child('closed', { type: 'object', properties: props('a') })]);
    expect(documentError(() => compileSet(file)).message).toMatch(/steps\[to-closed\] › parameters\[0\] › name: "x-extra" is not an input of workflow closed; its inputs are "a"/);
  });

  it('passes a secret input whole, under its own name, from the secret store: never in the child run\'s input', () => {
    const set = compileSet(passing({ name: 'apiKey', value: '$inputs.apiKey ' }), { secretInputs: ['apiKey'] });
    expect(taskOf(set.root.definition, 'to-keyed').plan.workflowCall).toMatchObject({ inputs: {}, secretInputs: ['apiKey'] });
    expect(set.children[0]!.secretInputs).toEqual(['apiKey']);
  });

  it('passes no inputs for a step without parameters, even to a workflow whose inputs are closed', () => {
    const { root } = compileSet(document([caller([{ stepId: 'to-keyed', workflowId: 'keyed' }]), keyed]));
    expect(taskOf(root.definition, 'to-keyed').plan.workflowCall).toMatchObject({ workflow: 'keyed', secretInputs: [] });
    expect(taskOf(root.definition, 'to-keyed').plan.workflowCall!.inputs).toEqual({});
  });

  it('refuses a secret input passed under another name, in braces, or inside an object', () => {
    for (const value of ['$inputs.apiKey', '{ $inputs.apiKey }', { header: '$inputs.apiKey' }]) {
      const name = value === '$inputs.apiKey' ? 'token' : 'apiKey';
      const error = documentError(() => compileSet(passing({ name, value }), { secretInputs: ['apiKey'] }));
      expect(error.message, JSON.stringify(value)).toMatch(/parameters\[0\] › value: passes the secret input "apiKey" to workflow keyed inside a value/);
    }
  });

  it("passes a step's output or another root's expression named like a secret input as a plain value", () => {
    const set = compileSet(passing({ name: 'token', value: '$steps.find.outputs.apiKey' }), { secretInputs: ['apiKey'] });
    expect(taskOf(set.root.definition, 'to-keyed').plan.workflowCall).toMatchObject({ inputs: { token: '$steps.find.outputs.apiKey' }, secretInputs: [] });
    expect(set.children[0]!.secretInputs).toEqual([]);
    const other = compileSet(passing({ name: 'token', value: '$workflows.caller.inputs.apiKey' }), { secretInputs: ['apiKey'] });
    expect(taskOf(other.root.definition, 'to-keyed').plan.workflowCall).toMatchObject({ inputs: { token: '$workflows.caller.inputs.apiKey' } });
  });

  it('keeps a secret input secret however deep it is passed: the workflow a called workflow calls reads it from the secret store too', () => {
    const middle = { workflowId: 'middle', inputs: { type: 'object', properties: props('apiKey') }, steps: [callStep('to-keyed', 'keyed', [{ name: 'apiKey', value: '$inputs.apiKey' }])] };
    const set = compileSet(document([caller([callStep('to-middle', 'middle', [{ name: 'apiKey', value: '$inputs.apiKey' }])]), middle, keyed]), { secretInputs: ['apiKey'] });
    const byId = Object.fromEntries(set.children.map((compiled) => [compiled.workflowId, compiled]));
    expect(byId.middle!.secretInputs).toEqual(['apiKey']);
    expect(byId.keyed!.secretInputs).toEqual(['apiKey']);
    expect(taskOf(byId.middle!.definition, 'to-keyed').plan.workflowCall).toMatchObject({ inputs: {}, secretInputs: ['apiKey'] });
  });

  it('refuses a value one caller passes and another reads from the secret store, naming the caller', () => {
    const file = document([
      caller([callStep('secret', 'keyed', [{ name: 'apiKey', value: '$inputs.apiKey' }]), callStep('plain', 'keyed', [{ name: 'apiKey', value: 'literal' }])]),
      keyed,
    ]);
    expect(documentError(() => compileSet(file, { secretInputs: ['apiKey'] })).message).toMatch(
      /steps\[plain\] › workflowId: passes "apiKey" to workflow keyed as a value, but another caller passes it from the secret store/,
    );
  });

  it('runs the step in three states: the start phase builds the input, the Run Task names the workflow, the finish phase judges the outcome', () => {
    const { root } = compileSet(passing({ name: 'token', value: 'x' }));
    expect(taskOf(root.definition, 'to-keyed').phase).toBe('start');
    expect(taskOf(root.definition, 'Outcome of to-keyed').phase).toBe('finish');
    const ready = root.definition.States['Input for to-keyed'];
    expect(ready).toMatchObject({ Type: 'Choice', Choices: [{ Next: 'Run keyed for to-keyed', Comment: expect.stringContaining('keyed') }] });
    expect(root.definition.States['Run keyed for to-keyed']?.Comment).toMatch(/to-keyed.*keyed/);
  });
});

describe("dependsOn and a goto to a workflow pass the caller's inputs of the same names", () => {
  const dependency = child('dependency', { type: 'object', properties: props('tag', 'limit', 'apiKey') });
  const gotoStep = { stepId: 'hand-over', operationId: 'findPets', onSuccess: [{ name: 'over', type: 'goto', workflowId: 'dependency' }] };

  it('passes the inputs both declare, the secret ones through the secret store; names the caller lacks are not passed', () => {
    const { root } = compileSet(document([caller([gotoStep], { dependsOn: ['dependency'] }), dependency]), { secretInputs: ['apiKey'] });
    for (const state of ['Depends on dependency', 'Go to dependency']) {
      expect(taskOf(root.definition, state).plan.workflowCall, state).toMatchObject({ inputs: { tag: '$inputs.tag' }, secretInputs: ['apiKey'] });
      // limit: the caller declares no such input.
      expect(taskOf(root.definition, state).plan.workflowCall!.inputs, state).toEqual({ tag: '$inputs.tag' });
    }
  });

  it('passes every input the called workflow declares when the caller declares none, and none when the called one declares none', () => {
    const open = { workflowId: 'open', dependsOn: ['dependency', 'any'], steps: [lookup] };
    const { root } = compileSet(document([open, dependency, child('any', { type: 'object' })]));
    expect(taskOf(root.definition, 'Depends on dependency').plan.workflowCall).toMatchObject({ inputs: { tag: '$inputs.tag', limit: '$inputs.limit', apiKey: '$inputs.apiKey' } });
    expect(taskOf(root.definition, 'Depends on any').plan.workflowCall).toMatchObject({ inputs: {}, secretInputs: [] });
    expect(taskOf(root.definition, 'Depends on any').plan.workflowCall!.inputs).toEqual({});
    expect(Object.keys(root.definition.States).filter((name) => name.startsWith('Depends on '))).toEqual(['Depends on dependency', 'Depends on any']);
  });

  it("checks the run's inputs in the dependency, which runs before the first step, and not again in a goto", () => {
    const { root } = compileSet(document([caller([gotoStep], { dependsOn: ['dependency'] }), dependency]));
    const depends = taskOf(root.definition, 'Depends on dependency').plan;
    expect(depends.inputSchema).toMatchObject({ properties: { tag: { type: 'string' } } });
    expect(taskOf(root.definition, 'Go to dependency').plan.inputSchema).toBeUndefined();
    // Its plan describes the call as a workflow step's plan does.
    const step = taskOf(compileSet(passing({ name: 'token', value: 'x' })).root.definition, 'to-keyed').plan;
    expect(depends.request).toEqual({ ...step.request, url: 'workflow:dependency' });
  });

  it("names a dependency's and a goto's states after the workflow's key when it is another document's", () => {
    const source = '$sourceDescriptions.orders.place-order';
    const file = document([caller([{ ...gotoStep, onSuccess: [{ name: 'over', type: 'goto', workflowId: source }] }], { dependsOn: [source] })], [ordersSource]);
    const { root } = compileSet(file);
    expect(root.definition.States).toHaveProperty(['Depends on orders.place-order']);
    expect(root.definition.States).toHaveProperty(['Go to orders.place-order']);
  });
});

describe('a called workflow is compiled with the deployment-wide options', () => {
  it("takes the request timeout, the function, the wait policy, the transient retry and the loop limit; base URLs only for its own document's sources", () => {
    const file = document([caller([callStep('order', '$sourceDescriptions.orders.place-order', [{ name: 'pet_id', value: 1 }])])], [ordersSource]);
    const options: CompileOptions = {
      serverUrls: { ...serverUrls, orders: 'https://orders.example.test' },
      requestTimeoutMs: 4321,
      functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:runner',
      waitPolicy: { kind: 'fixed', seconds: 7 },
      transientRetry: { budgetSeconds: 123 },
      loopLimit: { maxIterations: 17 },
    };
    const set = compileSet(file, options);
    const place = taskOf(set.children[0]!.definition, 'place');
    expect(place.functionName).toBe(options.functionArn);
    expect(place.plan.request).toMatchObject({ url: 'https://pets.example.test/v1/orders', timeoutMs: 4321 });
    expect(place.plan.loopLimit.maxIterations).toBe(17);
    expect(place.plan.transientRetry.budgetSeconds).toBe(123);
    expect(place.plan.waitPolicy).toEqual({ kind: 'fixed', seconds: 7 });
  });

  it("caps a called workflow's responses and string inputs as the caller's: maxResponseBytes and maxStringLength hold for every workflow deployed", () => {
    const file = document([caller([callStep('order', '$sourceDescriptions.orders.place-order', [{ name: 'pet_id', value: 1 }])])], [ordersSource]);
    const set = compileSet(file, { serverUrls: { ...serverUrls, orders: 'https://orders.example.test' }, maxResponseBytes: 2048, maxStringLength: 9000 });
    expect(taskOf(set.root.definition, 'find').plan.request.maxResponseBytes).toBe(2048);
    const place = taskOf(set.children[0]!.definition, 'place').plan;
    expect(place.request.maxResponseBytes).toBe(2048);
    expect(place.inputSchema).toMatchObject({ properties: { apiKey: { type: 'string', maxLength: 9000 } } });
  });
});
