/**
 * Rules of a step that runs another workflow, phase finish, through the step runner's public function: how the
 * child's failure (what Step Functions leaves in `state.call.error`) is described in the run's cause, and which
 * routes end the run as a failure. Built inside each test (mutation testing credits no code run outside an `it`).
 */
import { describe, expect, it } from 'vitest';
import { initialRunState, type RunState, type WorkflowCallState } from '../../lib/compile/step-plan.ts';
import { describeChildFailure } from '../../lib/runtime/workflow-call.ts';
import { action, causeOf, runPlan, stepPlan } from './step-harness.ts';

const callPlan = (overrides: Parameters<typeof stepPlan>[0] = {}) =>
  stepPlan({ stepId: 'order', workflowCall: { kind: 'step', workflow: 'child', inputs: {}, secretInputs: [] }, ...overrides });

/** The state the finish phase reads: what the start phase wrote, and what the Task left. */
const after = (left: Omit<WorkflowCallState, 'input'> | undefined): RunState => ({
  ...initialRunState({}),
  ...(left === undefined ? {} : { call: { input: { inputs: {} }, ...left } }),
});

/** The Task's error when the child execution failed: States.TaskFailed, its Cause the child's description as JSON. */
const childFailed = (description: Record<string, unknown>) => ({ error: { Error: 'States.TaskFailed', Cause: JSON.stringify(description) } });

async function failureMessage(left: Omit<WorkflowCallState, 'input'> | undefined): Promise<string> {
  const { state } = await runPlan(callPlan(), { status: 200 }, { state: after(left) });
  return causeOf(state).message;
}

describe("a called workflow's failure, as the calling step describes it", () => {
  it('a child that failed is "failed with" its own error and the message inside its cause', async () => {
    const cause = JSON.stringify({ errorType: 'Arazzo.StepFailed', message: 'step get failed: HTTP 404' });
    expect(await failureMessage(childFailed({ Error: 'Arazzo.StepFailed', Cause: cause, Status: 'FAILED' }))).toBe(
      'step order failed: workflow child failed with Arazzo.StepFailed: step get failed: HTTP 404 and no onFailure action matched',
    );
  });

  it('a child description with an Error but no Status or Cause reads "failed with" that error and nothing after it', async () => {
    expect(await failureMessage(childFailed({ Error: 'Arazzo.StepFailed' }))).toBe(
      'step order failed: workflow child failed with Arazzo.StepFailed and no onFailure action matched',
    );
  });

  it("a child that timed out or was aborted (a Status and no Error) reads as that status in words, with the Task's error", async () => {
    expect(await failureMessage(childFailed({ Status: 'TIMED_OUT' }))).toBe(
      'step order failed: workflow child timed out with States.TaskFailed and no onFailure action matched',
    );
    expect(describeChildFailure(childFailed({ Status: 'ABORTED', Cause: 'stopped by an operator' }).error)).toBe('aborted with States.TaskFailed: stopped by an operator');
  });

  it('a child that could not be started reads "could not be run" with the Task\'s error and cause as given, or "error" when it names none', async () => {
    expect(await failureMessage({ error: { Error: 'States.Runtime', Cause: 'StateMachineDoesNotExist' } })).toBe(
      'step order failed: workflow child could not be run: States.Runtime: StateMachineDoesNotExist and no onFailure action matched',
    );
    expect(await failureMessage({ error: { Error: 'States.Runtime' } })).toBe('step order failed: workflow child could not be run: States.Runtime and no onFailure action matched');
    expect(await failureMessage({ error: {} })).toBe('step order failed: workflow child could not be run: error and no onFailure action matched');
  });

  it('a Task that left neither an output nor an error reads "ended without an output"', async () => {
    expect(await failureMessage({})).toBe('step order failed: workflow child ended without an output and no onFailure action matched');
    expect(await failureMessage(undefined)).toBe('step order failed: workflow child ended without an output and no onFailure action matched');
  });
});

describe("a workflow step's end actions", () => {
  it('an onFailure end ends the run as a failure, its cause naming the action and why the child failed', async () => {
    const plan = callPlan({ onFailure: [action('stop', 'end')] });
    const { state } = await runPlan(plan, { status: 200 }, { state: after(childFailed({ Error: 'Arazzo.StepFailed' })) });
    expect(state.control.route).toBe('stop');
    expect(causeOf(state).message).toBe('step order ended the run with stop (workflow child failed with Arazzo.StepFailed)');
  });

  it('an onSuccess end ends the run without a failure cause, and so does an onFailure goto', async () => {
    const succeeded = after({ result: { output: {}, executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:child:c-1' } });
    const done = await runPlan(callPlan({ onSuccess: [action('done', 'end')] }), { status: 200 }, { state: succeeded });
    expect(done.state.control).toMatchObject({ route: 'done', cause: '' });
    const recover = await runPlan(callPlan({ onFailure: [action('recover', 'goto')] }), { status: 200 }, { state: after(childFailed({ Error: 'Arazzo.StepFailed' })) });
    expect(recover.state.control).toMatchObject({ route: 'recover', cause: '' });
  });
});
