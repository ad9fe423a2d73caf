/**
 * Wait policies for loop-backs: the values they give, the bounds of their jitter, Retry-After winning, whole
 * seconds, the poll streak they grow from, and the deployment checks that refuse a policy that would misbehave.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT_POLICY } from '../lib/compile/compile-options.ts';
import { initialRunState, PLAN_VERSION, Route, type PlannedAction, type RunControl, type StepPlan, type WaitPolicy } from '../lib/compile/step-plan.ts';
import type { StepCounters } from '../lib/runtime/choose-route.ts';
import { takeRoute } from '../lib/runtime/loop-control.ts';
import { loopBackSeconds } from '../lib/runtime/wait-policy.ts';
import { compileFile, fixture } from './support/compile-fixture.ts';

const never = () => {
  throw new Error('a policy without jitter must not draw a random number');
};
const proportional = (extra: Partial<WaitPolicy> = {}): WaitPolicy => ({ kind: 'proportional', ratio: 0.1, minSeconds: 2, maxSeconds: 60, ...extra });
const afterWaiting = (waitedSeconds: number) => ({ loops: 0, waitedSeconds });

/** Poll times of one streak under a policy, from the first poll at 0 s until a job ending at `jobSeconds` is seen. */
function pollStreak(policy: WaitPolicy, jobSeconds: number): { polls: number; lagSeconds: number } {
  let at = 0;
  let loops = 0;
  while (at < jobSeconds) {
    at += loopBackSeconds(policy, { loops, waitedSeconds: at }, undefined, () => 0.5);
    loops += 1;
  }
  return { polls: loops + 1, lagSeconds: at - jobSeconds };
}

describe('a proportional wait', () => {
  it('is a tenth of the seconds already waited in the streak, rounded up, between its minimum and maximum', () => {
    const policy = proportional();
    expect(loopBackSeconds(policy, afterWaiting(0), undefined, never)).toBe(2);
    expect(loopBackSeconds(policy, afterWaiting(20), undefined, never)).toBe(2);
    expect(loopBackSeconds(policy, afterWaiting(25), undefined, never)).toBe(3);
    expect(loopBackSeconds(policy, afterWaiting(100), undefined, never)).toBe(10);
    expect(loopBackSeconds(policy, afterWaiting(599), undefined, never)).toBe(60);
    expect(loopBackSeconds(policy, afterWaiting(3600), undefined, never)).toBe(60);
  });

  it('does not depend on how many loop-backs made up the time waited', () => {
    const policy = proportional();
    expect(loopBackSeconds(policy, { loops: 3, waitedSeconds: 70 }, undefined, never)).toBe(7);
    expect(loopBackSeconds(policy, { loops: 30, waitedSeconds: 70 }, undefined, never)).toBe(7);
  });

  it('with jitter waits between (1 - jitter) and all of the wait, never under the minimum', () => {
    const policy = proportional({ jitter: 0.2 });
    expect(loopBackSeconds(policy, afterWaiting(300), undefined, () => 0)).toBe(24);
    expect(loopBackSeconds(policy, afterWaiting(300), undefined, () => 0.999)).toBe(30);
    for (let i = 0; i < 100; i++) {
      const wait = loopBackSeconds(policy, afterWaiting(300), undefined, () => i / 100);
      expect(wait).toBeGreaterThanOrEqual(24);
      expect(wait).toBeLessThanOrEqual(30);
    }
    expect(loopBackSeconds(proportional({ jitter: 1 }), afterWaiting(10), undefined, () => 0)).toBe(2);
  });
});

describe('every wait policy', () => {
  const policies: WaitPolicy[] = [
    { kind: 'fixed', seconds: 2.5 },
    { kind: 'exponential', initialSeconds: 1.5, factor: 1.3, maxSeconds: 47.5, jitter: 0.3 },
    proportional({ ratio: 0.13, jitter: 0.4 }),
  ];

  it('gives whole seconds, whatever the fractions in the policy and the random draw', () => {
    for (const policy of policies) {
      for (let loops = 0; loops < 40; loops++) {
        const wait = loopBackSeconds(policy, { loops, waitedSeconds: loops * 7 }, undefined, () => (loops * 0.37) % 1);
        expect(Number.isInteger(wait), `${policy.kind} after ${loops} loop-backs gave ${wait}`).toBe(true);
        expect(wait).toBeGreaterThan(0);
      }
    }
  });

  it('yields to a server that says Retry-After, longer or shorter than the policy would wait, and beyond its maximum', () => {
    for (const policy of policies) {
      expect(loopBackSeconds(policy, { loops: 5, waitedSeconds: 200 }, 1, never)).toBe(1);
      expect(loopBackSeconds(policy, { loops: 5, waitedSeconds: 200 }, 300, never)).toBe(300);
    }
  });
});

describe('the default wait policy', () => {
  it('notices a finished job within max(2 s, 10 % of its duration), for every whole-second length up to 20 minutes', () => {
    for (let jobSeconds = 1; jobSeconds <= 1200; jobSeconds++) {
      const { lagSeconds } = pollStreak(DEFAULT_WAIT_POLICY, jobSeconds);
      expect(lagSeconds, `job of ${jobSeconds} s`).toBeLessThanOrEqual(Math.max(2, jobSeconds / 10));
    }
  });
  // What it costs in state transitions, and the waits it gives, are measured on real runs: test/rules/poll-cost.test.ts.
});

describe('a poll streak', () => {
  const stillRunning: PlannedAction = { route: 'stillRunning', name: 'stillRunning', type: 'goto', stepId: 'poll', criteria: [], loopsBack: true };
  const slowDown: PlannedAction = { route: 'slowDown', name: 'slowDown', type: 'retry', criteria: [], loopsBack: true, retryAfter: 30, retryLimit: 3 };
  const plan: StepPlan = {
    version: PLAN_VERSION,
    workflowId: 'w',
    stepId: 'poll',
    index: 1,
    request: { method: 'GET', url: 'http://api.test/jobs/1', parameters: [], timeoutMs: 1000 },
    successCriteria: [],
    outputs: {},
    onSuccess: [stillRunning],
    onFailure: [slowDown],
    workflowOutputs: {},
    secretInputs: [],
    transientRetry: { maxAttempts: 5, baseSeconds: 1, maxSeconds: 60 },
    waitPolicy: proportional(),
    loopLimit: { maxIterations: 100, maxTotalWaitSeconds: 10_000 },
  };
  const control = (): RunControl => initialRunState().control;
  const poll = (counters: StepCounters, retryAfter?: number) =>
    takeRoute(plan, { kind: 'action', action: stillRunning }, control(), counters, retryAfter, never);

  it('counts the seconds it has waited, so the proportional wait grows with them', () => {
    let counters: StepCounters = { transient: 0, retries: 0, loops: 0, waitedSeconds: 0 };
    const waits: number[] = [];
    for (let i = 0; i < 16; i++) {
      const taken = poll(counters);
      waits.push(taken.waitSeconds);
      counters = taken.counters;
    }
    expect(waits).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4]);
    expect(counters).toEqual({ transient: 0, retries: 0, loops: 16, waitedSeconds: 39 });
  });

  it('counts a Retry-After, a transient retry and an Arazzo retry as time waited in the streak', () => {
    const afterRetryAfter = poll({ transient: 0, retries: 0, loops: 2, waitedSeconds: 4 }, 40);
    expect(afterRetryAfter).toMatchObject({ waitSeconds: 40, counters: { loops: 3, waitedSeconds: 44 } });
    expect(poll(afterRetryAfter.counters).waitSeconds).toBe(5);

    const transient = takeRoute(plan, { kind: 'transientRetry' }, control(), afterRetryAfter.counters, 7, never);
    expect(transient).toMatchObject({ route: Route.transientRetry, waitSeconds: 7, counters: { transient: 1, loops: 3, waitedSeconds: 51 } });

    const retried = takeRoute(plan, { kind: 'action', action: slowDown }, control(), transient.counters, undefined, never);
    expect(retried).toMatchObject({ route: 'slowDown', waitSeconds: 30, counters: { retries: 1, loops: 3, waitedSeconds: 81 } });
  });

  it('starts over when the step moves on', () => {
    const moved = takeRoute(plan, { kind: 'next' }, control(), { transient: 0, retries: 0, loops: 9, waitedSeconds: 300 }, undefined, never);
    expect(moved.counters).toEqual({ transient: 0, retries: 0, loops: 0, waitedSeconds: 0 });
  });

  it('reads counters written before the waited seconds were kept as nothing waited yet', () => {
    const taken = poll({ transient: 0, retries: 0, loops: 40 });
    expect(taken).toMatchObject({ waitSeconds: 2, counters: { loops: 41, waitedSeconds: 2 } });
  });
});

describe('a deployment wait policy', () => {
  const shop = fixture('shop-order.arazzo.yml');
  const compileWith = (waitPolicy: unknown) => () => compileFile(shop, { waitPolicy: waitPolicy as WaitPolicy });

  it('that is proportional and complete compiles into every step plan, and a per-step one into its step only', () => {
    const policy = proportional({ jitter: 0.1 });
    expect(compileFile(shop, { waitPolicy: policy }).plans.map((p) => p.waitPolicy)).toEqual([policy, policy, policy]);
    const perStep = compileFile(shop, { stepWaitPolicies: { poll: { kind: 'fixed', seconds: 30 } } }).plans;
    expect(perStep.map((p) => p.waitPolicy)).toEqual([DEFAULT_WAIT_POLICY, { kind: 'fixed', seconds: 30 }, DEFAULT_WAIT_POLICY]);
  });

  it('is refused, naming the field and the fix, when', () => {
    expect(compileWith({ kind: 'linear', seconds: 5 })).toThrow(/waitPolicy\.kind: must be fixed, exponential or proportional, not "linear"/);
    expect(compileWith({ kind: 'proportional', ratio: 10, minSeconds: 2, maxSeconds: 60 })).toThrow(/waitPolicy\.ratio: must be a fraction above 0 and at most 1, e\.g\. 0\.1/);
    expect(compileWith({ kind: 'proportional', ratio: 0.1, minSeconds: 0, maxSeconds: 60 })).toThrow(/waitPolicy\.minSeconds: must be a whole number of seconds, at least 1/);
    expect(compileWith({ kind: 'proportional', ratio: 0.1, minSeconds: 1.5, maxSeconds: 60 })).toThrow(/waitPolicy\.minSeconds: must be a whole number/);
    expect(compileWith({ kind: 'proportional', ratio: 0.1, minSeconds: 10, maxSeconds: 5 })).toThrow(/waitPolicy\.maxSeconds: must be a whole number of seconds, at least 10/);
    expect(compileWith({ kind: 'proportional', ratio: 0.1, minSeconds: 2, maxSecond: 60 })).toThrow(
      /waitPolicy\.maxSecond: is not a setting of a proportional wait policy; its settings: kind, ratio, minSeconds, maxSeconds, jitter/,
    );
    expect(compileWith({ kind: 'exponential', initialSeconds: 2, factor: 2, maxSeconds: 60, jitter: 1.5 })).toThrow(/waitPolicy\.jitter: must be a fraction from 0/);
    expect(compileWith({ kind: 'exponential', initialSeconds: 2, factor: 0.5, maxSeconds: 60 })).toThrow(/waitPolicy\.factor: must be 1 or more/);
    expect(compileWith({ kind: 'fixed', seconds: -1 })).toThrow(/waitPolicy\.seconds: must be a number of seconds, 0 or more/);
    expect(compileWith(5)).toThrow(/waitPolicy: must be an object such as/);
    expect(() => compileFile(shop, { stepWaitPolicies: { poll: { kind: 'proportional', ratio: 0.1 } } })).toThrow(/stepWaitPolicies\.poll\.minSeconds/);
  });
});
