/**
 * Rules of the step runner that small plausible bugs used to slip past: each test runs `runStep` on a plan
 * and states the rule in its name.
 */
import { describe, expect, it } from 'vitest';
import { compileFile, fixture } from '../support/compile-fixture.ts';
import { initialRunState, Route, type RunState, type WaitPolicy } from '../../lib/compile/step-plan.ts';
import { action, causeOf, runPlan, stepPlan } from './step-harness.ts';

const always = [{ condition: '$statusCode == 200' }];
const bodyIs = (state: string) => [{ condition: `$response.body#/state == '${state}'` }];

/** A state in which the step has already looped back `loops` times, waiting `waited` seconds in the run. */
function afterLoops(control: Partial<RunState['control']>, counters: RunState['control']['attempts'][string] = { transient: 0, retries: 0, loops: 0, waitedSeconds: 0 }): RunState {
  const state = initialRunState({});
  state.control = { ...state.control, ...control, attempts: { poll: counters } };
  return state;
}

describe('routing', () => {
  it('takes the first success action whose criteria hold, in document order, when several hold', async () => {
    const plan = stepPlan({ onSuccess: [action('first', 'goto', { stepId: 'a', criteria: always }), action('second', 'goto', { stepId: 'b', criteria: always })] });
    expect((await runPlan(plan, { status: 200 })).state.control.route).toBe('first');
  });

  it('takes the first failure action whose criteria hold, in document order, when several hold', async () => {
    const plan = stepPlan({
      onFailure: [action('skipped', 'goto', { stepId: 'a', criteria: bodyIs('other') }), action('chosen', 'end', { criteria: [] }), action('later', 'end')],
    });
    const { state } = await runPlan(plan, { status: 404, body: { state: 'gone' } });
    expect(state.control.route).toBe('chosen');
  });

  it('passes to the next step when no success action matches', async () => {
    const plan = stepPlan({ onSuccess: [action('done', 'goto', { stepId: 'a', criteria: bodyIs('done') })] });
    expect((await runPlan(plan, { status: 200, body: { state: 'running' } })).state.control.route).toBe(Route.next);
  });

  it('obeys an onFailure action with criteria that handles a 429 instead of retrying it as transient', async () => {
    const plan = stepPlan({ onFailure: [action('throttled', 'end', { criteria: [{ condition: '$statusCode == 429' }] })] });
    const { state, sent } = await runPlan(plan, { status: 429 });
    expect(state.control.route).toBe('throttled');
    expect(sent).toHaveLength(1);
  });

  it('retries transient trouble even when an onFailure action without criteria would match it', async () => {
    const plan = stepPlan({ onFailure: [action('anyFailure', 'end')] });
    expect((await runPlan(plan, { status: 503 })).state.control.route).toBe(Route.transientRetry);
    const handled = stepPlan({ onFailure: [action('notThis', 'end', { criteria: [{ condition: '$statusCode == 500' }] }), action('anyFailure', 'end')] });
    expect((await runPlan(handled, { status: 503 })).state.control.route).toBe(Route.transientRetry);
  });

  it('takes the failure action once the outage budget is spent, and says "1 failed call" for one', async () => {
    const noBudget = { budgetSeconds: 0, baseSeconds: 1, maxSeconds: 1, minSeconds: 1 };
    const spent = await runPlan(stepPlan({ transientRetry: noBudget, onFailure: [action('giveUp', 'end')] }), { status: 503 });
    expect(spent.state.control.route).toBe('giveUp');
    const unhandled = await runPlan(stepPlan({ transientRetry: noBudget }), { status: 503 }).catch((error: unknown) => error as Error);
    expect(unhandled).toMatchObject({ name: 'Arazzo.OutageBudgetSpent' });
    expect((JSON.parse((unhandled as Error).message) as { message: string }).message).toBe(
      'step poll gave up after an outage of 0 s (1 failed call, first HTTP 503, last HTTP 503); its outage budget is 0 s (transientRetry.budgetSeconds)',
    );
  });

  it('ends the run in failure with an end action the deployment declares a failure, naming the action and the answer', async () => {
    const plan = stepPlan({ onSuccess: [action('failed', 'end', { criteria: bodyIs('failed'), endsInFailure: true })] });
    const { state } = await runPlan(plan, { status: 200, body: { state: 'failed' } });
    expect(state.control.route).toBe('failed');
    expect(causeOf(state).message).toBe('step poll ended the run with failed (HTTP 200)');
  });

  it('ends the run in failure with a matching onFailure end action, but not with a success end action', async () => {
    const failing = await runPlan(stepPlan({ onFailure: [action('gone', 'end')] }), { status: 410 });
    expect(causeOf(failing.state).message).toBe('step poll ended the run with gone (HTTP 410)');
    const succeeding = await runPlan(stepPlan({ onSuccess: [action('finished', 'end')] }), { status: 200 });
    expect(succeeding.state.control).toMatchObject({ route: 'finished', cause: '' });
  });
});

describe('transient trouble', () => {
  it('waits as long as a Retry-After asks, even beyond the transient retry cap', async () => {
    const plan = stepPlan({ transientRetry: { budgetSeconds: 3600, baseSeconds: 2, maxSeconds: 30, minSeconds: 1 } });
    const { state } = await runPlan(plan, { status: 503, headers: { 'retry-after': '120' } });
    expect(state.control).toMatchObject({ route: Route.transientRetry, waitSeconds: 120, iterations: 1, totalWaitSeconds: 120 });
  });

  const NOW = Date.parse('2026-01-01T00:00:00Z');
  /** Counters `transient` retries into an outage that began `sinceSeconds` ago. */
  const inOutage = (transient: number, sinceSeconds: number) => ({
    transient,
    retries: 0,
    loops: 0,
    waitedSeconds: 0,
    outage: { since: NOW - sinceSeconds * 1000, lastAt: NOW, firstError: 'HTTP 502', lastError: 'HTTP 502', failures: transient + 1 },
  });

  it('backs off within base * 2^retries, capped at maxSeconds, and at least a second', async () => {
    const plan = stepPlan({ transientRetry: { budgetSeconds: 3600, baseSeconds: 2, maxSeconds: 30, minSeconds: 1 } });
    const retried = (transient: number, random: number) =>
      runPlan(plan, { status: 500 }, { state: afterLoops({}, inOutage(transient, 10)), random: () => random, now: () => NOW });
    expect((await retried(0, 0.999)).state.control.waitSeconds).toBe(2);
    expect((await retried(2, 0.999)).state.control.waitSeconds).toBe(8);
    expect((await retried(6, 0.999)).state.control.waitSeconds).toBe(30);
    expect((await retried(6, 0.5)).state.control.waitSeconds).toBe(15);
    expect((await retried(0, 0)).state.control.waitSeconds).toBe(1);
  });

  it('gives up with Arazzo.OutageBudgetSpent once the outage has lasted budgetSeconds, the last call landing when it ends', async () => {
    const plan = stepPlan({ transientRetry: { budgetSeconds: 120, baseSeconds: 1, maxSeconds: 5, minSeconds: 1 } });
    const last = await runPlan(plan, { status: 502 }, { state: afterLoops({}, inOutage(20, 118)), now: () => NOW, random: () => 0.999 });
    expect(last.state.control).toMatchObject({ route: Route.transientRetry, waitSeconds: 2, attempts: { poll: { transient: 21 } } });
    const spent = await runPlan(plan, { status: 502 }, { state: afterLoops({}, inOutage(21, 120)), now: () => NOW }).catch((error: unknown) => error as Error);
    expect(spent).toMatchObject({ name: 'Arazzo.OutageBudgetSpent' });
    expect(JSON.parse((spent as Error).message)).toMatchObject({ outage: { lastedSeconds: 120, failedCalls: 23, budgetSeconds: 120, firstError: 'HTTP 502' } });
  });
});

describe('the wait before a poll', () => {
  const polling = (waitPolicy: WaitPolicy) =>
    stepPlan({ waitPolicy, onSuccess: [action('again', 'goto', { stepId: 'poll', loopsBack: true, criteria: bodyIs('running') })] });

  it('keeps to a proportional policy\'s own maximum and minimum, not the defaults', async () => {
    const plan = polling({ kind: 'proportional', ratio: 0.1, minSeconds: 3, maxSeconds: 10 });
    const long = await runPlan(plan, { status: 200, body: { state: 'running' } }, { state: afterLoops({}, { transient: 0, retries: 0, loops: 40, waitedSeconds: 500 }) });
    expect(long.state.control.waitSeconds).toBe(10);
    const fresh = await runPlan(plan, { status: 200, body: { state: 'running' } });
    expect(fresh.state.control.waitSeconds).toBe(3);
  });

  it('waits as long as a Retry-After on the poll asks, even beyond the policy\'s maximum', async () => {
    const plan = polling({ kind: 'proportional', ratio: 0.1, minSeconds: 2, maxSeconds: 60 });
    const { state } = await runPlan(plan, { status: 200, body: { state: 'running' }, headers: { 'retry-after': '90' } });
    expect(state.control.waitSeconds).toBe(90);
  });
});

describe('the loop limit', () => {
  const polling = stepPlan({
    waitPolicy: { kind: 'fixed', seconds: 10 },
    loopLimit: { maxIterations: 5, maxTotalWaitSeconds: 100 },
    onSuccess: [action('again', 'goto', { stepId: 'poll', loopsBack: true })],
  });

  it('allows a wait that brings the run\'s total exactly to maxTotalWaitSeconds, and refuses one second more', async () => {
    const fits = await runPlan(polling, { status: 200 }, { state: afterLoops({ iterations: 1, totalWaitSeconds: 90 }) });
    expect(fits.state.control).toMatchObject({ route: 'again', waitSeconds: 10, iterations: 2, totalWaitSeconds: 100 });
    const over = await runPlan(polling, { status: 200 }, { state: afterLoops({ iterations: 1, totalWaitSeconds: 91 }) });
    expect(over.state.control).toMatchObject({ route: Route.loopLimitExceeded, waitSeconds: 0, iterations: 1, totalWaitSeconds: 91 });
    expect(causeOf(over.state).message).toBe(
      "step poll: loop limit exceeded: waiting 10 s more would bring the run's total wait to 101 s, over loopLimit.maxTotalWaitSeconds (100)",
    );
  });

  it('allows iteration maxIterations and refuses the one after', async () => {
    const last = await runPlan(polling, { status: 200 }, { state: afterLoops({ iterations: 4, totalWaitSeconds: 0 }) });
    expect(last.state.control).toMatchObject({ route: 'again', iterations: 5 });
    const over = await runPlan(polling, { status: 200 }, { state: afterLoops({ iterations: 5, totalWaitSeconds: 0 }) });
    expect(over.state.control.route).toBe(Route.loopLimitExceeded);
    expect(causeOf(over.state).message).toBe('step poll: loop limit exceeded: iteration 6 would exceed loopLimit.maxIterations (5)');
  });

  it('counts an Arazzo retry against the limit even when its action does not say it loops back', async () => {
    const plan = stepPlan({ loopLimit: { maxIterations: 1, maxTotalWaitSeconds: 100 }, onFailure: [action('again', 'retry', { retryAfter: 1, retryLimit: 5, loopsBack: false })] });
    const { state } = await runPlan(plan, { status: 404 }, { state: afterLoops({ iterations: 1 }) });
    expect(state.control.route).toBe(Route.loopLimitExceeded);
  });
});

describe('secrets', () => {
  it('redacts a secret that contains another secret whole, not leaving its tail', async () => {
    const plan = stepPlan({ secretInputs: ['short', 'long'], outputs: { echoed: '$response.body#/echo' } });
    const { state, logs } = await runPlan(plan, { status: 200, body: { echo: 'key=abcd1234-extended!' } }, { secrets: { short: 'abcd1234', long: 'abcd1234-extended' } });
    expect(state.steps.poll.echoed).toBe('key=[redacted]!');
    expect(JSON.stringify(logs)).not.toContain('extended');
  });
});

describe('idempotency keys', () => {
  it('differ between two steps of one run, and repeat for the same step of the same run', async () => {
    const keyed = (stepId: string) => stepPlan({ stepId, idempotency: { in: 'header', name: 'Idempotency-Key' } });
    const keyOf = async (stepId: string, executionId?: string) =>
      (await runPlan(keyed(stepId), { status: 200 }, executionId ? { executionId } : {})).sent[0].headers.get('idempotency-key');
    const submit = await keyOf('submit');
    expect(submit).toMatch(/^arazzo-[0-9a-f]{40}$/);
    expect(await keyOf('submit')).toBe(submit);
    expect(await keyOf('confirm')).not.toBe(submit);
    expect(await keyOf('submit', `${'arn:aws:states:eu-west-1:111122223333:execution:rules:run-2'}`)).not.toBe(submit);
  });
});

describe('the run-time input check of a compiled workflow', () => {
  it('refuses an input the workflow does not declare, before any call', async () => {
    const [first] = compileFile(fixture('shop-order.arazzo.yml')).plans;
    expect(first.inputSchema?.additionalProperties).toBe(false);
    const { state, sent } = await runPlan(first, { status: 200 }, { state: initialRunState({ smuggled: true }) });
    expect(state.control.route).toBe(Route.invalidInputs);
    expect(causeOf(state).message).toMatch(/smuggled: is not a declared input/);
    expect(sent).toHaveLength(0);
  });
});
