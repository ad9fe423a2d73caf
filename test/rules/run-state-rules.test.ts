/**
 * What the step runner writes into the run's state: a cause Step Functions accepts however large the outputs,
 * and a complete control block whatever state it was handed.
 */
import { describe, expect, it } from 'vitest';
import { Route, type RunState } from '../../lib/compile/step-plan.ts';
import { runStep } from '../../lib/runtime/run-step.ts';
import { deployedFor } from '../support/deployed.ts';
import { action, runPlan, stepPlan } from './step-harness.ts';

describe('the cause of a failed run', () => {
  it('fits the 32,768 characters Step Functions allows: step outputs are left out first (the workflow outputs, with the remote ids, stay), then the message is cut', async () => {
    const bulky = stepPlan({ outputs: { blob: '$response.body#/blob' }, onSuccess: [action('stop', 'end', { endsInFailure: true })] });
    const { state } = await runPlan(bulky, { status: 200, body: { blob: 'x'.repeat(40_000) } });
    expect(state.control.cause.length).toBeLessThanOrEqual(32_768);
    const cause = JSON.parse(state.control.cause) as { message: string; outputs: unknown; steps: unknown; lastStep: { outputs: unknown } };
    expect(cause.message).toBe('step poll ended the run with stop (HTTP 200)');
    expect(cause.outputs).toEqual({});
    expect(cause.steps).toBe('omitted: the cause would exceed the Step Functions limit of 32768 characters');
    expect(cause.lastStep.outputs).toBe('omitted: the cause would exceed the Step Functions limit of 32768 characters');

    const small = await runPlan(stepPlan({ onSuccess: [action('stop', 'end', { endsInFailure: true })] }), { status: 200 });
    expect(JSON.parse(small.state.control.cause)).toMatchObject({ outputs: {}, lastStep: { outputs: {} } });
  });
});

describe('a state handed to the step runner', () => {
  it('that is missing, or lacks control fields, comes back with every control field filled', async () => {
    const text = JSON.stringify(stepPlan());
    const deps = {
      deployed: deployedFor(text),
      secrets: { get: async () => ({}) },
      fetch: (async () => new Response(null, { status: 200 })) as typeof fetch,
      random: () => 0.5,
      log: () => undefined,
    };
    const fromNothing = await runStep({ plan: text, state: undefined as unknown as RunState, executionId: 'e' }, deps);
    expect(fromNothing).toEqual({
      inputs: {},
      steps: { poll: {} },
      outputs: {},
      control: {
        route: Route.next,
        waitSeconds: 0,
        iterations: 0,
        totalWaitSeconds: 0,
        attempts: { poll: { transient: 0, retries: 0, loops: 0, waitedSeconds: 0 } },
        lastStep: { stepId: 'poll', statusCode: 200, outputs: {} },
        cause: '',
      },
    });
    const partial = { inputs: { a: 1 }, control: { iterations: 3 } } as unknown as RunState;
    const fromPartial = await runStep({ plan: text, state: partial, executionId: 'e' }, deps);
    expect(fromPartial.control).toMatchObject({ iterations: 3, totalWaitSeconds: 0, cause: '' });
    expect(fromPartial.inputs).toEqual({ a: 1 });
  });
});

describe('a plan from a newer compiler', () => {
  it('with a wait policy this runner does not know fails loudly, asking for a redeploy', async () => {
    const plan = stepPlan({ waitPolicy: { kind: 'linear' as 'fixed' }, onSuccess: [action('again', 'goto', { stepId: 'poll', loopsBack: true })] });
    await expect(runPlan(plan, { status: 200 })).rejects.toThrow(
      'waitPolicy.kind is "linear"; this step runner knows fixed, exponential and proportional. Redeploy so the compiler checks the policy',
    );
  });
});
