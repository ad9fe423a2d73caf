/**
 * Arazzo 1.1 step dependsOn as Step Functions Parallel branches: steps that do not depend on each other run at
 * once, a step that depends on several runs after the join and reads all their outputs, a failure in a branch
 * fails the run as Arazzo says, and the shapes a Parallel cannot run are refused at synth, naming the step.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { AslBranch, AslState } from '../lib/compile/asl.ts';
import type { CompileOptions } from '../lib/compile/compile-options.ts';
import { aslToMermaid } from '../lib/compile/mermaid.ts';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { definitionText } from '../lib/arazzo-workflow.ts';
import { ArazzoWorkflowStack } from '../lib/arazzo-workflow-stack.ts';
import { STEP_RUNNER_PLACEHOLDER } from '../lib/compile/compile-options.ts';
import { unacknowledgedNagFindings } from './support/nag.ts';
import { layoutSteps, stateShares, type LayoutEntry } from '../lib/compile/step-layout.ts';
import { Errors, initialRunState, type BranchResult, type RunState, type StepPlan } from '../lib/compile/step-plan.ts';
import { MAX_STATE_BYTES, runStep } from '../lib/runtime/run-step.ts';
import { staticSecretSource } from '../lib/runtime/secrets.ts';
import { deployedFor } from './support/deployed.ts';
import { projectRoot, validateAsl } from './support/compile-fixture.ts';
import { reply, testServerPerFile, type ReceivedRequest, type Responder } from './support/http-server.ts';
import { compileFor, runDocument } from './support/run-document.ts';

const specFixtures = path.join(projectRoot, 'test/fixtures/spec');
const petReport = path.join(specFixtures, 'pet-parallel-1-1.arazzo.yml');
const petStore = path.join(specFixtures, 'pet-store.openapi.yml');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests

const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-steps-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let variants = 0;

/** The pet report fixture with one edit, in a scratch directory. */
function variant(edit: (document: Json) => void): string {
  const document = parse(readFileSync(petReport, 'utf8')) as Json;
  document.sourceDescriptions[0].url = `file://${petStore}`;
  edit(document);
  const file = path.join(scratch, `variant-${++variants}.arazzo.yml`);
  writeFileSync(file, stringify(document));
  return file;
}

const steps = (document: Json) => Object.fromEntries((document.workflows[0].steps as Json[]).map((step) => [step.stepId as string, step]));

/**
 * findPets and countInventory answer only once both requests have arrived: run one after the other, the first
 * would wait for an answer that never comes (its step timeout fails it). So a success proves they ran at once.
 */
function petStoreTogether(): Responder {
  const waiting: Array<() => void> = [];
  const together = (answer: (response: ServerResponse) => void): Responder => (_request, response) => {
    waiting.push(() => answer(response));
    if (waiting.length === 2) waiting.splice(0).forEach((send) => send());
  };
  return (request, response) => {
    if (request.path === '/pet/findByStatus') return together((r) => reply(r, 200, [{ id: 7, name: 'Rex' }]))(request, response);
    if (request.path === '/inventory') return together((r) => reply(r, 200, { available: 12 }))(request, response);
    if (request.path === '/reports') return reply(response, 201, { id: 'rep-1' });
    return reply(response, 404, { error: 'no route' });
  };
}

const server = testServerPerFile({ beforeAll, afterAll, beforeEach }, petStoreTogether());
const paths = (received: ReceivedRequest[]) => received.map((r) => r.path);

function taskPlan(states: Record<string, AslState>, name: string): StepPlan {
  const task = states[name];
  if (task?.Type !== 'Task') throw new Error(`${name} is not a Task`);
  return JSON.parse((task.Parameters.Payload as { plan: string }).plan) as StepPlan;
}

function branchesOf(states: Record<string, AslState>, name: string): AslBranch[] {
  const state = states[name];
  if (state?.Type !== 'Parallel') throw new Error(`${name} is not a Parallel`);
  return state.Branches;
}

describe('steps with dependsOn, compiled', () => {
  const compiled = compileFor(petReport, 'https://pets.example.test');
  const { States } = compiled.definition;
  const parallel = 'Parallel findPets + countInventory';
  const join = 'Join findPets + countInventory';

  it('is valid ASL', () => {
    expect(validateAsl(compiled.definition)).toEqual([]);
  });

  it('checks the inputs first, then runs the two independent steps as branches of one Parallel, then the step that depends on both', () => {
    expect(States.Start).toMatchObject({ Type: 'Pass', Next: 'Check inputs' });
    expect(taskPlan(States, 'Check inputs')).toMatchObject({ index: 0, join: { branches: [] }, inputSchema: { type: 'object' } });
    expect(States[parallel]).toMatchObject({ Type: 'Parallel', ResultPath: '$.join', Next: join });
    expect(branchesOf(States, parallel).map((branch) => branch.StartAt)).toEqual(['findPets', 'countInventory']);
    expect(taskPlan(States, join).join).toEqual({ branches: [['findPets'], ['countInventory']] });
    expect(States[`After ${join}`]).toMatchObject({ Type: 'Choice', Choices: expect.arrayContaining([expect.objectContaining({ StringEquals: 'next', Next: 'report' })]) });
    expect(States['After report']).toMatchObject({ Choices: expect.arrayContaining([expect.objectContaining({ StringEquals: 'next', Next: 'Succeeded' })]) });
    // No step checks the inputs again, and none in a branch has the invalid-inputs route.
    expect(['findPets', 'countInventory', 'report'].map((id) => taskPlan({ ...States, ...branchesOf(States, parallel)[0]!.States, ...branchesOf(States, parallel)[1]!.States }, id).inputSchema)).toEqual([undefined, undefined, undefined]);
  });

  it('ends each branch with a Pass that returns only its own steps\' outputs and its counters, and gives its steps a third of the state budget', () => {
    const [pets, inventory] = branchesOf(States, parallel);
    expect(pets!.States['End of branch findPets']).toEqual(
      expect.objectContaining({ Type: 'Pass', End: true, Parameters: { steps: { 'findPets.$': "$.steps['findPets']" }, 'control.$': '$.control' } }),
    );
    expect(inventory!.States['End of branch countInventory']).toMatchObject({ Parameters: { steps: { 'countInventory.$': "$.steps['countInventory']" } } });
    // The Parallel's output holds the state it started from and both branches' additions.
    expect(taskPlan(pets!.States, 'findPets').stateBudgetShare).toBeCloseTo(1 / 3);
    expect(taskPlan(States, 'report').stateBudgetShare).toBeUndefined();
  });

  it('routes a failing step in a branch to a Fail state of that branch, with the same error and cause as anywhere else', () => {
    const [pets] = branchesOf(States, parallel);
    expect(pets!.States['After findPets']).toMatchObject({ Default: 'StepFailed in branch findPets' });
    expect(pets!.States['StepFailed in branch findPets']).toEqual({ Type: 'Fail', Error: Errors.stepFailed, CausePath: '$.control.cause' });
    // No Catch on the Parallel: a failed branch fails the run, visibly.
    expect(States[parallel]).not.toHaveProperty('Catch');
  });

  it('lets a failure end in a branch fail the run from a Fail state of that branch', () => {
    const file = variant((d) => {
      steps(d).countInventory!.onFailure = [{ name: 'noInventory', type: 'end' }];
    });
    const { States: states } = compileFor(file, 'https://pets.example.test', {}, [scratch, specFixtures]).definition;
    const [, inventory] = branchesOf(states, parallel);
    expect(inventory!.States['countInventory: noInventory']).toMatchObject({ Type: 'Fail', Error: 'noInventory', CausePath: '$.control.cause' });
  });

  it("deploys with the step runner's ARN substituted in the Tasks inside branches too", () => {
    // CloudFormation substitutes only the placeholders the compiler wrote; any other `${` is escaped as \u0024{.
    const text = definitionText(compiled.definition);
    const substituted = text.split(`"FunctionName": "${STEP_RUNNER_PLACEHOLDER}"`).length - 1;
    expect(substituted).toBe(['Check inputs', 'findPets', 'countInventory', join, 'report'].length);
    expect(text).not.toContain('\\u0024{StepRunnerFunctionArn}');
  });

  it('synthesizes in the stack with no unacknowledged cdk-nag finding', () => {
    const synth = (app: App) =>
      new ArazzoWorkflowStack(app, 'PetReport', { env: { account: '123456789012', region: 'eu-west-1' }, workflow: { documentPath: petReport, serverUrls: { petStore: 'https://pets.example.test' } } });
    Template.fromStack(synth(new App())).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(unacknowledgedNagFindings((app) => void synth(app))).toBe('');
  });

  it('draws the branches as subgraphs that join into the state after the Parallel', () => {
    const diagram = aslToMermaid(compiled.definition);
    expect(diagram).toContain('subgraph asl_branch_1 ["Parallel findPets + countInventory: branch 1"]');
    expect(diagram).toContain('s_Parallel_findPets___countInventory --> s_findPets');
    expect(diagram).toContain('s_Parallel_findPets___countInventory --> s_countInventory');
    expect(diagram).toContain('s_End_of_branch_findPets -->|"joined"| s_Join_findPets___countInventory');
    expect(diagram).not.toContain('s_Parallel_findPets___countInventory --> s_Join');
  });
});

describe('the layout of a dependency graph', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([id, on]) => [id, new Set(on)]));
  const shape = (entries: LayoutEntry[]): unknown[] => entries.map((entry) => ('step' in entry ? entry.step : entry.branches.map((branch) => shape(branch.entries))));

  it('runs a diamond as first step, two branches, then the step that joins them', () => {
    const layout = layoutSteps(['d', 'a', 'b', 'c'], graph({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }));
    expect(shape(layout.entries)).toEqual(['a', [['b'], ['c']], 'd']);
    expect(layout.order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps chains together in one branch each, and nests a fork inside a branch', () => {
    expect(shape(layoutSteps(['a1', 'a2', 'b1', 'b2', 'j'], graph({ a1: [], a2: ['a1'], b1: [], b2: ['b1'], j: ['a2', 'b2'] })).entries)).toEqual([
      [['a1', 'a2'], ['b1', 'b2']],
      'j',
    ]);
    const nested = layoutSteps(['a', 'b', 'c', 'x', 'j'], graph({ a: [], b: ['a'], c: ['a'], x: [], j: ['b', 'c', 'x'] }));
    expect(shape(nested.entries)).toEqual([[['a', [['b'], ['c']]], ['x']], 'j']);
    // A step of the nested Parallel has a third of its branch's third.
    expect(stateShares(nested.entries).get('b')).toBeCloseTo(1 / 9);
  });

  it('waits for every first step when the graph is not series-parallel, which keeps each dependency', () => {
    // c needs a and b; d needs b only: d also waits for a.
    expect(shape(layoutSteps(['a', 'b', 'c', 'd'], graph({ a: [], b: [], c: ['a', 'b'], d: ['b'] })).entries)).toEqual([[['a'], ['b']], [['c'], ['d']]]);
  });
});

describe('steps with dependsOn, run locally against a server on 127.0.0.1', () => {
  it('runs both independent steps at once, then the joined step reads both their outputs', async () => {
    const result = await runDocument(petReport, server.current.baseUrl, { input: { status: 'available' }, allowRoots: [specFixtures] });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toEqual({ reportId: 'rep-1', firstPet: 'Rex', available: 12 });
    expect(paths(server.current.received).slice(0, 2).sort()).toEqual(['/inventory', '/pet/findByStatus']);
    const report = server.current.received.find((r) => r.path === '/reports')!;
    expect(JSON.parse(report.body)).toEqual({ firstPet: 'Rex', available: 12 });
    const branchEvents = result.events.filter((e) => e.type === 'ParallelBranchSucceeded');
    expect(branchEvents).toHaveLength(2);
  });

  it('fails the run before any call when the inputs break their schema', async () => {
    const result = await runDocument(petReport, server.current.baseUrl, { input: { status: 'x'.repeat(21) }, allowRoots: [specFixtures] });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(Errors.invalidInputs);
    expect(server.current.received).toEqual([]);
  });

  it('fails the run with the failing branch step\'s error and cause, and the joined step never runs', async () => {
    server.current.respondWith((request, response) =>
      request.path === '/inventory' ? reply(response, 404, { error: 'no inventory' }) : reply(response, request.path === '/reports' ? 201 : 200, [{ id: 7, name: 'Rex' }]),
    );
    const result = await runDocument(petReport, server.current.baseUrl, { input: {}, allowRoots: [specFixtures] });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(Errors.stepFailed);
    expect(JSON.parse(result.cause!)).toMatchObject({ step: 'countInventory', statusCode: 404 });
    expect(result.events.some((e) => e.type === 'ParallelBranchFailed')).toBe(true);
    expect(paths(server.current.received)).not.toContain('/reports');
  });

  it("applies a branch step's onFailure retry inside its branch, then joins", async () => {
    const file = variant((d) => {
      steps(d).countInventory!.onFailure = [{ name: 'again', type: 'retry', retryAfter: 1, retryLimit: 2 }];
    });
    let inventoryCalls = 0;
    server.current.respondWith((request, response) => {
      if (request.path === '/inventory' && ++inventoryCalls === 1) return reply(response, 404, { error: 'not yet' });
      if (request.path === '/inventory') return reply(response, 200, { available: 3 });
      if (request.path === '/pet/findByStatus') return reply(response, 200, [{ id: 7, name: 'Rex' }]);
      return reply(response, 201, { id: 'rep-2' });
    });
    const result = await runDocument(file, server.current.baseUrl, { input: {}, allowRoots: [scratch, specFixtures] });
    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ available: 3, firstPet: 'Rex' });
    expect(inventoryCalls).toBe(2);
  });
});

describe('shapes a Parallel cannot run, refused at synth naming the step', () => {
  const where = (file: string, step: string) => `${file} › workflows[petReport] › steps[${step}]`;
  const compileError = (file: string, options: CompileOptions = {}) => {
    try {
      compileFor(file, 'https://pets.example.test', options, [scratch, specFixtures]);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the compiler to refuse the document');
  };

  it('a POST without an idempotency key in a branch, which a stopped branch and a redrive could send twice; with a key it runs there', () => {
    const file = variant((d) => {
      d.workflows[0].steps.push({ stepId: 'audit', operationId: 'createReport', dependsOn: [] });
      steps(d).report!.dependsOn.push('audit');
    });
    expect(compileError(file)).toBe(
      `${where(file, 'audit')}: audit runs in a parallel branch (branch audit), but its POST has no idempotency key: if another branch fails meanwhile, the call is abandoned and a redrive sends it again; set the deployment option idempotency.audit, make the steps beside it depend on audit, or drop dependsOn (steps then run in document order)`,
    );
    const keyed = compileFor(file, 'https://pets.example.test', { idempotency: { audit: { in: 'header', name: 'Idempotency-Key' } } }, [scratch, specFixtures]);
    expect(branchesOf(keyed.definition.States, 'Parallel findPets + countInventory + audit').map((branch) => branch.StartAt)).toEqual(['findPets', 'countInventory', 'audit']);
  });

  it('a workflow step in a branch, whose child run a failing sibling would stop midway', () => {
    const file = variant((d) => {
      d.workflows.push({ workflowId: 'count', steps: [{ stepId: 'inventory', operationId: 'getInventory' }] });
      d.workflows[0].steps.push({ stepId: 'recount', workflowId: 'count', dependsOn: [] });
      steps(d).report!.dependsOn.push('recount');
    });
    expect(compileError(file)).toBe(
      `${where(file, 'recount')}: recount runs in a parallel branch (branch recount), but a workflow step cannot: if another branch fails, its child run is stopped midway and a redrive starts it again; make the steps beside it depend on recount, or drop dependsOn (steps then run in document order)`,
    );
  });

  it('a goto from a branch to a step outside it', () => {
    const file = variant((d) => {
      steps(d).findPets!.onFailure = [{ name: 'toReport', type: 'goto', stepId: 'report' }];
    });
    expect(compileError(file)).toBe(
      `${where(file, 'findPets')}: action toReport goes to step report, which runs outside the parallel branches, while findPets runs in a parallel branch (branch findPets); no state can jump into or out of a Parallel branch. Make the two steps depend on each other, or drop dependsOn (steps then run in document order)`,
    );
  });

  it('an end in a branch, which would stop only that branch', () => {
    const file = variant((d) => {
      steps(d).countInventory!.onSuccess = [{ name: 'enough', type: 'end' }];
    });
    expect(compileError(file)).toBe(
      `${where(file, 'countInventory')}: action enough ends the workflow, but countInventory runs in a parallel branch (branch countInventory), where that would stop only its branch; do it from a step that depends on countInventory, or drop dependsOn (steps then run in document order)`,
    );
  });

  it('a goto forward inside a branch, which would skip a step the join reads', () => {
    const file = variant((d) => {
      const all = steps(d);
      all.petById = { stepId: 'petById', operationId: 'getPetById', dependsOn: ['findPets'], parameters: [{ name: 'petId', in: 'path', value: 7 }] };
      all.findPets!.onSuccess = [{ name: 'skip', type: 'goto', stepId: 'petCheck' }];
      all.petCheck = { stepId: 'petCheck', operationId: 'getPetById', dependsOn: ['petById'], parameters: [{ name: 'petId', in: 'path', value: 8 }] };
      all.report!.dependsOn.push('petCheck');
      d.workflows[0].steps = Object.values(all);
    });
    expect(compileError(file)).toContain(`${where(file, 'findPets')}: action skip goes forward to step petCheck, but findPets runs in a parallel branch (branch findPets), which joins only when all its steps have run`);
  });

  it('a goto that skips a step another step depends on', () => {
    const file = variant((d) => {
      const all = steps(d);
      all.login = { stepId: 'login', operationId: 'loginUser', onSuccess: [{ name: 'skipAhead', type: 'goto', stepId: 'report' }] };
      all.findPets!.dependsOn = ['login'];
      all.countInventory!.dependsOn = ['login'];
      d.workflows[0].steps = [all.login, ...Object.values(all).filter((step) => step !== all.login)];
    });
    expect(compileError(file)).toContain(`${where(file, 'login')}: action skipAhead goes to step report, skipping step findPets, which step report depends on`);
  });
});

describe('the step runner at a join and in a branch', () => {
  const compiled = compileFor(petReport, 'http://127.0.0.1:9');
  const { States } = compiled.definition;
  const [pets] = branchesOf(States, 'Parallel findPets + countInventory');
  const joinPlan = taskPlan(States, 'Join findPets + countInventory');
  const findPets = taskPlan(pets!.States, 'findPets');
  const run = (plan: StepPlan, state: RunState, fetch: typeof globalThis.fetch = () => Promise.reject(new Error('no call expected'))) =>
    runStep(
      { plan: JSON.stringify(plan), state, executionId: 'arn:aws:states:local:0:execution:m:e' },
      { deployed: deployedFor(plan), secrets: staticSecretSource({}), fetch, random: () => 0.5, log: () => undefined },
    );
  const branch = (state: RunState, stepId: string, outputs: Record<string, unknown>, loops: { iterations: number; totalWaitSeconds: number }): BranchResult => ({
    steps: { [stepId]: outputs },
    control: { ...state.control, ...loops, attempts: { [stepId]: { transient: 0, retries: loops.iterations - state.control.iterations, loops: 0 } } },
  });

  it("merges the branches' outputs and adds their loop-backs and waits to the run's, then recomputes the workflow outputs", async () => {
    const before: RunState = { ...initialRunState({}), control: { ...initialRunState().control, iterations: 2, totalWaitSeconds: 10 } };
    const joined = await run(joinPlan, {
      ...before,
      join: [branch(before, 'findPets', { firstPetName: 'Rex' }, { iterations: 3, totalWaitSeconds: 15 }), branch(before, 'countInventory', { available: 12 }, { iterations: 5, totalWaitSeconds: 40 })],
    });
    expect(joined.steps).toEqual({ findPets: { firstPetName: 'Rex' }, countInventory: { available: 12 } });
    expect(joined.control).toMatchObject({ route: 'next', iterations: 2 + 1 + 3, totalWaitSeconds: 10 + 5 + 30, cause: '' });
    expect(Object.keys(joined.control.attempts).sort()).toEqual(['countInventory', 'findPets']);
    expect(joined.outputs).toEqual({ reportId: null, firstPet: 'Rex', available: 12 });
    expect(joined).not.toHaveProperty('join');
  });

  it('fails the run at the join when the branches together pass the loop limit, though each stayed under it', async () => {
    const limit = joinPlan.loopLimit.maxIterations;
    const half = Math.ceil(limit / 2) + 1;
    const before = initialRunState({});
    const joined = await run(joinPlan, { ...before, join: [branch(before, 'findPets', {}, { iterations: half, totalWaitSeconds: 0 }), branch(before, 'countInventory', {}, { iterations: half, totalWaitSeconds: 0 })] });
    expect(joined.control.route).toBe('loopLimitExceeded');
    expect(JSON.parse(joined.control.cause).message).toContain(`the branches made ${2 * half} iterations together, over loopLimit.maxIterations (${limit})`);
  });

  it("fails a branch step whose outputs would pass its share of the state budget, before the Parallel's output passes 256 KiB", async () => {
    const body = JSON.stringify([{ id: 7, name: 'R'.repeat(Math.ceil(MAX_STATE_BYTES / 2)) }]);
    const fetch = (() => Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }))) as typeof globalThis.fetch;
    const result = await run({ ...findPets, request: { ...findPets.request, maxResponseBytes: 1024 * 1024 } }, initialRunState({}), fetch);
    expect(result.control.route).toBe('stepFailed');
    expect(JSON.parse(result.control.cause).message).toMatch(
      /^step findPets's outputs make the run state \d+ KiB, over the 66 KiB budget of a step in a parallel branch \(the branches share 200 KiB\)/,
    );
  });
});
