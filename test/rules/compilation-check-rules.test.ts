/**
 * The checks a loaded document passes before it compiles: every problem is collected (not just the first), names
 * its document path, and says the fix. One in-memory edit of a sound document per case.
 */
import { describe, expect, it } from 'vitest';
import { ArazzoDocumentError, loadArazzo, validateForCompilation, type LoadedArazzo } from '../../lib/arazzo/load.ts';
import type { Step, Workflow } from '../../lib/arazzo/types.ts';
import { fixture } from '../support/compile-fixture.ts';

function problemsAfter(edit: (workflow: Workflow, step: (id: string) => Step) => void): string[] {
  const loaded: LoadedArazzo = loadArazzo(fixture('shop-order.arazzo.yml'));
  const workflow = loaded.document.workflows[0];
  edit(workflow, (id) => workflow.steps.find((s) => s.stepId === id)!);
  try {
    validateForCompilation(loaded);
    return [];
  } catch (error) {
    if (!(error instanceof ArazzoDocumentError)) throw error;
    return error.problems.map((p) => p.replace(/^.*?workflows\[place-order\] › /, ''));
  }
}

describe('a document that compiles', () => {
  it('has no problem', () => {
    expect(problemsAfter(() => undefined)).toEqual([]);
  });
});

describe('problems', () => {
  it('are all collected: an unknown operation does not hide the next problem', () => {
    const problems = problemsAfter((w, step) => {
      step('create').operationId = 'nope';
      w.outputs = { ...w.outputs, lost: '$outputs.missing' };
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^steps\[create\] › operationId: "nope" is not an operationId in shop/);
    expect(problems[1]).toMatch(/^outputs › lost: "\$outputs\.missing": workflow place-order declares no output "missing"; its outputs are "orderId", "state", "total", "lost"/);
  });

  it('a replacement target that is not a JSON Pointer', () => {
    for (const target of ['items/0', '/a~2b', '/a~']) {
      const problems = problemsAfter((_w, step) => (step('create').requestBody = { payload: {}, replacements: [{ target, value: 1 }] }));
      expect(problems, target).toEqual([
        `steps[create] › requestBody › replacements[0] › target: "${target}" is not a JSON Pointer; write it as /path/to/field, with ~1 for "/" and ~0 for "~" inside names (an XML payload takes an XPath target)`,
      ]);
    }
    for (const target of ['', '/', '/a/0/b', '/a~1b~0c', '/a//b']) {
      expect(problemsAfter((_w, step) => (step('create').requestBody = { payload: {}, replacements: [{ target, value: 1 }] })), target).toEqual([]);
    }
  });

  it('a replacement value with an expression that names no step, listing the steps', () => {
    const problems = problemsAfter((_w, step) => (step('create').requestBody = { payload: {}, replacements: [{ target: '/a', value: '$steps.ghost.outputs.x' }] }));
    expect(problems).toEqual([
      'steps[create] › requestBody › replacements[0] › value: "$steps.ghost.outputs.x" names step "ghost", which is not in workflow place-order; steps are "create", "poll", "receipt"',
    ]);
  });

  it('a workflow output that reads another workflow output the workflow does not declare', () => {
    expect(problemsAfter((w) => (w.outputs = { a: '$outputs.b' }))).toEqual([
      'outputs › a: "$outputs.b": workflow place-order declares no output "b"; its outputs are "a"',
    ]);
    expect(problemsAfter((w) => (w.outputs = { a: '$steps.create.outputs.orderId', b: '$outputs.a' }))).toEqual([]);
  });
});
