/**
 * Rules of steps that run at once (Arazzo 1.1 step dependsOn compiled as Parallel branches), observed on the
 * compiled definition and by running its join plans through the step runner. Everything is built inside each
 * test (mutation testing credits no code run in beforeAll or a describe body).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { everyState, type AslState } from '../../lib/compile/asl.ts';
import { INPUTS_GATE_STATE } from '../../lib/compile/parallel-states.ts';
import { initialRunState, type BranchResult, type RunState, type StepPlan } from '../../lib/compile/step-plan.ts';
import { compileFor } from '../support/run-document.ts';
import { projectRoot } from '../support/compile-fixture.ts';
import { causeOf, runPlan } from './step-harness.ts';

const specFixtures = path.join(projectRoot, 'test/fixtures/spec');
const petReport = path.join(specFixtures, 'pet-parallel-1-1.arazzo.yml');
const scratch = mkdtempSync(path.join(tmpdir(), 'parallel-step-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** a, then b after a; x beside them; j after b and x: a Parallel whose first branch runs two steps. */
function twoStepBranch(): string {
  copyFileSync(path.join(specFixtures, 'pet-store.openapi.yml'), path.join(scratch, 'pet-store.openapi.yml'));
  const step = (stepId: string, operationId: string, dependsOn: string[]) => ({ stepId, operationId, dependsOn });
  const file = path.join(scratch, 'two-step-branch.arazzo.yml');
  writeFileSync(file, stringify({
    arazzo: '1.1.0',
    info: { title: 'two-step branch', version: '1.0.0' },
    sourceDescriptions: [{ name: 'petStore', url: './pet-store.openapi.yml', type: 'openapi' }],
    workflows: [{ workflowId: 'branchy', steps: [step('a', 'findPetsByStatus', []), step('b', 'getInventory', ['a']), step('x', 'getInventory', []), step('j', 'createReport', ['b', 'x'])] }],
  }));
  return file;
}

function planOf(states: Record<string, AslState>, name: string): StepPlan {
  const state = everyState(states).find(([stateName]) => stateName === name)?.[1];
  if (state?.Type !== 'Task') throw new Error(`${name} is not a Task of the definition`);
  return JSON.parse((state.Parameters.Payload as { plan: string }).plan) as StepPlan;
}

const branch = (state: RunState, stepId: string, outputs: Record<string, unknown>): BranchResult => ({ steps: { [stepId]: outputs }, control: state.control });

describe('steps that run at once', () => {
  it('checks the run\'s inputs once, before the first Parallel: the join after it carries no copy of the input schema', () => {
    const { States } = compileFor(petReport, 'https://pets.example.test').definition;
    expect(planOf(States, INPUTS_GATE_STATE)).toMatchObject({ index: 0, inputSchema: { properties: { status: { type: 'string', maxLength: 20 } } } });
    const join = planOf(States, 'Join findPets + countInventory');
    expect(join.index).toBeGreaterThan(0);
    expect(join).not.toHaveProperty('inputSchema');
  });

  it('a join not inside a branch has the whole state budget: outputs that pass it fail the run against the 200 KiB budget, not a branch\'s share', async () => {
    const { States } = compileFor(petReport, 'https://pets.example.test').definition;
    const join = planOf(States, 'Join findPets + countInventory');
    const before = initialRunState({});
    const half = 'R'.repeat(110 * 1024);
    const { state } = await runPlan(join, [], { state: { ...before, join: [branch(before, 'findPets', { firstPetName: half }), branch(before, 'countInventory', { available: half })] } });
    expect(state.control.route).toBe('stepFailed');
    expect(causeOf(state).message).toMatch(/^the joined outputs of findPets, countInventory make the run state \d+ KiB, over the 200 KiB budget this runner allows/);
  });

  it("ends each branch with a Pass whose comment names every step of the branch, the steps whose outputs it hands to the join", () => {
    const { States } = compileFor(twoStepBranch(), 'https://pets.example.test').definition;
    const ends = everyState(States).filter(([, state]) => state.Type === 'Pass' && state.End === true).map(([, state]) => state);
    expect(ends.map((state) => state.Comment)).toEqual([
      'What this branch adds to the run: the outputs of a, b and its counters; the join merges the branches.',
      'What this branch adds to the run: the outputs of x and its counters; the join merges the branches.',
    ]);
    expect(ends[0]).toMatchObject({ Parameters: { steps: { 'a.$': "$.steps['a']", 'b.$': "$.steps['b']" }, 'control.$': '$.control' } });
  });
});
