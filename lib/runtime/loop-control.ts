import { Route, type RunControl, type StepPlan } from '../compile/step-plan.ts';
import type { RouteChoice, StepCounters } from './choose-route.ts';
import { arazzoRetrySeconds, loopBackSeconds } from './wait-policy.ts';

/** The route taken, with the wait and counters it implies. */
export interface RouteTaken {
  route: string;
  waitSeconds: number;
  iterations: number;
  totalWaitSeconds: number;
  counters: StepCounters;
  /** Set when the route fails the run: what to say in the cause. */
  failure?: string;
}

/**
 * Turns a route choice into the route taken. Routes that come back to a step (a goto to this or an earlier
 * step, an Arazzo retry, a transient retry) pass through a Wait, count as an iteration and add to the total
 * wait, and are refused with `loopLimitExceeded` once the run's loop limit would be crossed.
 *
 * The step's counters:
 * - `transient`: transient retries in a row; anything else resets it. `outage` likewise: when the outage began,
 *   its first and last error (see `outage-budget.ts`).
 * - `retries`: Arazzo retries in a row (transient retries in between keep the count); anything else resets it.
 * - `loops`: loop-backs this step has made in its current streak; kept across retries, reset when the step
 *   routes anywhere that does not come back. It is kept on the step that loops back, not on the target,
 *   because only that step knows when the streak ends: in a loop A → B → (back to A), A moving on to B is
 *   part of the streak, B moving past the loop ends it. So exponential backoff restarts for each poll streak.
 * - `waitedSeconds`: seconds waited in that same streak, whatever the route that waited (a poll, a retry, a
 *   transient retry: time passes for the remote job all the same); reset with `loops`. A proportional wait
 *   policy grows from it.
 */
export function takeRoute(
  plan: StepPlan,
  choice: RouteChoice,
  control: RunControl,
  counters: StepCounters,
  retryAfterSeconds: number | undefined,
  random: () => number,
): RouteTaken {
  const fresh: StepCounters = { transient: 0, retries: 0, loops: 0, waitedSeconds: 0 };
  const waited = counters.waitedSeconds ?? 0;
  const passing = { iterations: control.iterations, totalWaitSeconds: control.totalWaitSeconds, waitSeconds: 0 };

  if (choice.kind === 'next') return { route: Route.next, ...passing, counters: fresh };
  if (choice.kind === 'failed') return { route: Route.stepFailed, ...passing, counters: fresh, failure: choice.message };
  if (choice.kind === 'outageBudgetSpent') {
    return { route: Route.outageBudgetSpent, ...passing, counters: { ...counters, outage: choice.outage }, failure: choice.message };
  }

  if (choice.kind === 'transientRetry') {
    const { waitSeconds, outage } = choice;
    return loopBack(plan, control, Route.transientRetry, waitSeconds, {
      ...counters,
      // A new outage (the first failure, or a restart long after the last) backs off from the start again.
      transient: counters.outage?.since === outage.since ? counters.transient + 1 : 1,
      waitedSeconds: waited + waitSeconds,
      outage,
    });
  }

  const { action } = choice;
  // A retry always comes back, whatever its flag says, so it always counts against the limits.
  if (action.type === 'retry') {
    const waitSeconds = arazzoRetrySeconds(action.retryAfter, retryAfterSeconds);
    return loopBack(plan, control, action.route, waitSeconds, {
      transient: 0,
      retries: counters.retries + 1,
      loops: counters.loops,
      waitedSeconds: waited + waitSeconds,
    });
  }
  if (!action.loopsBack) {
    return { route: action.route, ...passing, counters: fresh };
  }
  const waitSeconds = loopBackSeconds(plan.waitPolicy, { loops: counters.loops, waitedSeconds: waited }, retryAfterSeconds, random);
  return loopBack(plan, control, action.route, waitSeconds, {
    transient: 0,
    retries: 0,
    loops: counters.loops + 1,
    waitedSeconds: waited + waitSeconds,
  });
}

function loopBack(plan: StepPlan, control: RunControl, route: string, waitSeconds: number, counters: StepCounters): RouteTaken {
  const iterations = control.iterations + 1;
  const totalWaitSeconds = control.totalWaitSeconds + waitSeconds;
  const { maxIterations, maxTotalWaitSeconds } = plan.loopLimit;
  const refuse = (reason: string): RouteTaken => ({
    route: Route.loopLimitExceeded,
    waitSeconds: 0,
    iterations: control.iterations,
    totalWaitSeconds: control.totalWaitSeconds,
    counters,
    failure: `step ${plan.stepId}: loop limit exceeded: ${reason}`,
  });
  if (iterations > maxIterations) {
    return refuse(`iteration ${iterations} would exceed loopLimit.maxIterations (${maxIterations})`);
  }
  if (totalWaitSeconds > maxTotalWaitSeconds) {
    return refuse(
      `waiting ${waitSeconds} s more would bring the run's total wait to ${totalWaitSeconds} s, over loopLimit.maxTotalWaitSeconds (${maxTotalWaitSeconds})`,
    );
  }
  return { route, waitSeconds, iterations, totalWaitSeconds, counters };
}
