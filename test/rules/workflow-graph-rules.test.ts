/**
 * Rules of the workflows a workflow runs (workflow-graph.ts) and of the outputs a workflow step exposes
 * (workflow-checks.ts), on documents built inside each test.
 */
import { describe, expect, it } from 'vitest';
import type { LoadedArazzo } from '../../lib/arazzo/load.ts';
import type { Step, Workflow } from '../../lib/arazzo/types.ts';
import { buildWorkflowGraph } from '../../lib/arazzo/workflow-graph.ts';
import { stepOutputNames } from '../../lib/arazzo/workflow-checks.ts';

const documentOf = (workflows: Array<Partial<Workflow>>): LoadedArazzo =>
  ({
    file: 'flow.arazzo.yml',
    document: { arazzo: '1.1.0', info: { title: 't', version: '1' }, sourceDescriptions: [], workflows },
    sources: {},
  }) as unknown as LoadedArazzo;

describe('the edges of a workflow', () => {
  it('say how each workflow is run: dependsOn, a step, or a goto action of a step or of the workflow', () => {
    const loaded = documentOf([
      {
        workflowId: 'root',
        dependsOn: ['first'],
        steps: [{ stepId: 'call', workflowId: 'child', onSuccess: [{ name: 'on', type: 'goto', workflowId: 'next' }] } as Step],
        failureActions: [{ name: 'fallback', type: 'goto', workflowId: 'rescue' }],
      },
      { workflowId: 'first', steps: [] },
      { workflowId: 'child', steps: [] },
      { workflowId: 'next', steps: [] },
      { workflowId: 'rescue', steps: [] },
    ]);
    const edges = buildWorkflowGraph(loaded, 'root').nodes.get('root')!.edges;
    expect(edges).toEqual([
      { kind: 'dependsOn', target: 'first', where: 'flow.arazzo.yml › workflows[root] › dependsOn[0]' },
      { kind: 'step', target: 'child', where: 'flow.arazzo.yml › workflows[root] › steps[call] › workflowId', stepId: 'call' },
      { kind: 'goto', target: 'next', where: 'flow.arazzo.yml › workflows[root] › steps[call] › onSuccess[0] › workflowId', stepId: 'call' },
      { kind: 'goto', target: 'rescue', where: 'flow.arazzo.yml › workflows[root] › failureActions[0] › workflowId' },
    ]);
  });
});

describe('the outputs a workflow step exposes', () => {
  it('are the called workflow outputs when the step declares none', () => {
    const loaded = documentOf([
      { workflowId: 'root', steps: [] },
      { workflowId: 'child', steps: [], outputs: { id: '$inputs.id', total: '$inputs.total' } },
    ]);
    expect(stepOutputNames(loaded, { stepId: 'call', workflowId: 'child' } as Step)).toEqual(['id', 'total']);
  });

  it('are none, not a throw, when the called workflow cannot be found', () => {
    const loaded = documentOf([{ workflowId: 'root', steps: [] }]);
    expect(stepOutputNames(loaded, { stepId: 'call', workflowId: 'missing' } as Step)).toEqual([]);
  });
});
