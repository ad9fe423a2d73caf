/**
 * Compiler rules observed on what it emits: the state machine's states and the plans the step runner runs.
 */
import { describe, expect, it } from 'vitest';
import { compileFile, fixture } from '../support/compile-fixture.ts';
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
