/**
 * Which actions a dependsOn layout can run, observed on the compiler: a goto may go back (a poll) but never into,
 * out of or forward inside a Parallel branch, a forward goto in the workflow's own sequence may skip only steps
 * nothing after depends on, and a branch may not end the run or hand it to another workflow.
 * Every document is compiled inside its test, so the test is what covers the check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { CompileOptions } from '../../lib/compile/compile-options.ts';
import { projectRoot } from '../support/compile-fixture.ts';
import { compileFor } from '../support/run-document.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form document edits in tests

const specFixtures = path.join(projectRoot, 'test/fixtures/spec');
const receiveFixtures = path.join(projectRoot, 'test/fixtures/receive');
const scratch = mkdtempSync(path.join(tmpdir(), 'step-layout-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let written = 0;

/** A fixture with one edit, written to the scratch directory with its source descriptions made absolute. */
function variant(fixture: string, edit: (document: Json, steps: Record<string, Json>) => void): string {
  const directory = path.dirname(fixture);
  const document = parse(readFileSync(fixture, 'utf8')) as Json;
  for (const source of document.sourceDescriptions as Json[]) source.url = `file://${path.resolve(directory, source.url as string)}`;
  edit(document, Object.fromEntries((document.workflows[0].steps as Json[]).map((step) => [step.stepId as string, step])));
  const out = path.join(scratch, `variant-${++written}.arazzo.yml`);
  writeFileSync(out, stringify(document));
  return out;
}
const petReport = (edit: (document: Json, steps: Record<string, Json>) => void) => variant(path.join(specFixtures, 'pet-parallel-1-1.arazzo.yml'), edit);
/** A workflow of GET steps on the pet store, each depending on the one before: x → y → z → w. */
const chain = (ids: string[], gotoFromFirstTo: string) =>
  petReport((document) => {
    document.workflows[0].steps = ids.map((stepId, i) => ({
      stepId,
      operationId: 'getInventory',
      dependsOn: i === 0 ? [] : [ids[i - 1]],
      ...(i === 0 ? { onSuccess: [{ name: 'skipAhead', type: 'goto', stepId: gotoFromFirstTo }] } : {}),
    }));
    document.workflows[0].outputs = {};
  });
const compile = (file: string, options: CompileOptions = {}) => compileFor(file, 'https://api.example.test', options, [scratch, specFixtures, receiveFixtures]);
const refusal = (file: string, options: CompileOptions = {}) => {
  try {
    compile(file, options);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the compiler to refuse the document');
};
const orInOrder = 'or drop dependsOn (steps then run in document order)';

describe('a goto in a dependsOn layout', () => {
  it('back to its own step inside a branch (a poll) compiles into a loop within that branch', () => {
    const file = petReport((_, steps) => {
      steps.countInventory!.onSuccess = [{ name: 'again', type: 'goto', stepId: 'countInventory', criteria: [{ condition: '$statusCode == 202' }] }];
    });
    const { definition } = compile(file);
    const branch = (definition.States['Parallel findPets + countInventory'] as { Branches: Array<{ States: Record<string, unknown> }> }).Branches[1]!;
    expect(Object.keys(branch.States)).toContain('Wait before countInventory');
  });

  it('from a step after the join into a branch is refused: no state can jump into a Parallel branch', () => {
    const file = petReport((_, steps) => {
      steps.report!.onFailure = [{ name: 'again', type: 'goto', stepId: 'findPets' }];
    });
    expect(refusal(file)).toContain(
      `steps[report]: action again goes to step findPets, which runs in a parallel branch (branch findPets); no state can jump into or out of a Parallel branch. Make the two steps depend on each other, ${orInOrder}`,
    );
  });

  it('is the only action a layout places: a step after the join may end the workflow or hand the run to another workflow', () => {
    const file = petReport((document, steps) => {
      document.workflows.push({ workflowId: 'count', steps: [{ stepId: 'inventory', operationId: 'getInventory' }] });
      steps.report!.onSuccess = [
        { name: 'handOff', type: 'goto', workflowId: 'count', criteria: [{ condition: '$statusCode == 202' }] },
        { name: 'done', type: 'end' },
      ];
    });
    const after = compile(file).definition.States['After report'] as { Choices: Array<{ StringEquals: string; Next: string }> };
    expect(after.Choices.map((choice) => choice.StringEquals)).toEqual(expect.arrayContaining(['handOff', 'done']));
  });

  it('forward to the very next step of the workflow skips nothing and compiles', () => {
    const { definition } = compile(chain(['x', 'y'], 'y'));
    expect(definition.States['After x']).toMatchObject({ Choices: expect.arrayContaining([expect.objectContaining({ StringEquals: 'skipAhead', Next: 'y' })]) });
  });

  it('forward over steps is refused naming the skipped step a later step depends on, not one only skipped steps need', () => {
    // y is needed only by z, which is skipped too; z is needed by w, which runs.
    expect(refusal(chain(['x', 'y', 'z', 'w'], 'w'))).toContain(
      'steps[x]: action skipAhead goes to step w, skipping step z, which step w depends on (dependsOn or a $steps read); a step runs only after the steps it depends on',
    );
  });
});

describe('a step in a parallel branch', () => {
  it('may not hand the run to another workflow: that would stop only its branch', () => {
    const file = petReport((document, steps) => {
      document.workflows.push({ workflowId: 'count', steps: [{ stepId: 'inventory', operationId: 'getInventory' }] });
      steps.findPets!.onSuccess = [{ name: 'handOff', type: 'goto', workflowId: 'count' }];
    });
    expect(refusal(file)).toContain(
      `steps[findPets]: action handOff hands the run to workflow count, but findPets runs in a parallel branch (branch findPets), where that would stop only its branch; do it from a step that depends on findPets, ${orInOrder}`,
    );
  });

  it('may not be a receive step: its wait for the callback would be abandoned if another branch fails', () => {
    const file = variant(path.join(receiveFixtures, 'order-confirmation.arazzo.yml'), (document, steps) => {
      // audit runs beside place → awaitConfirmation; readOrder joins them.
      const audit = { stepId: 'audit', operationId: '$sourceDescriptions.orders.getOrder', dependsOn: [], parameters: [{ name: 'orderId', in: 'path', value: 'o-1' }] };
      steps.readOrder!.dependsOn = ['awaitConfirmation', 'audit'];
      steps.awaitConfirmation!.onFailure = [];
      document.workflows[0].steps.push(audit);
    });
    const options: CompileOptions = { callbacks: { url: { step: 'place', in: 'body', name: '/notifyUrl' }, wakes: 'awaitConfirmation' }, idempotency: { place: { in: 'header', name: 'Idempotency-Key' } } };
    expect(refusal(file, options)).toContain(
      `steps[awaitConfirmation]: awaitConfirmation runs in a parallel branch (branch place), but a receive step cannot: its wait for the run's callback would be abandoned if another branch fails; make the steps beside it depend on awaitConfirmation, ${orInOrder}`,
    );
  });
});
