/**
 * The join after a Parallel of steps (see lib/compile/parallel-states.ts): the branches' results, which the
 * Parallel left in `state.join`, merged back into one run state.
 *
 * - steps: each branch's steps' outputs (a branch reports only its own steps, so none overwrites another's);
 * - counters: loop-backs and waits are the run's, so each branch's are added (what it did beyond the state it
 *   started from); the loop limit, checked in each branch on its own, is checked again on the sum;
 * The workflow outputs are then recomputed by the step runner's `finish`, from every branch's steps.
 */
import type { ExpressionContext } from '../arazzo/expressions.ts';
import { Route, type BranchResult, type RunState, type StepPlan } from '../compile/step-plan.ts';
import type { RouteTaken } from './loop-control.ts';
import type { WorkflowCallDeps } from './workflow-call.ts';

export function joinBranches(plan: StepPlan, state: RunState, branches: BranchResult[] | undefined, context: ExpressionContext, finish: WorkflowCallDeps['finish']): RunState {
  const expected = plan.join!.branches;
  if ((branches?.length ?? 0) !== expected.length) {
    throw new Error(`join ${plan.stepId} expected ${expected.length} branch results in state.join, found ${branches?.length ?? 0}; the definition and the step runner do not match`);
  }
  const before = state.control;
  let { iterations, totalWaitSeconds } = before;
  let attempts = before.attempts;
  let steps = state.steps;
  for (const branch of branches ?? []) {
    iterations += branch.control.iterations - before.iterations;
    totalWaitSeconds += branch.control.totalWaitSeconds - before.totalWaitSeconds;
    attempts = { ...attempts, ...branch.control.attempts };
    steps = { ...steps, ...branch.steps };
  }
  const { maxIterations, maxTotalWaitSeconds } = plan.loopLimit;
  const over =
    iterations > maxIterations
      ? `the branches made ${iterations} iterations together, over loopLimit.maxIterations (${maxIterations})`
      : totalWaitSeconds > maxTotalWaitSeconds
        ? `the branches waited ${totalWaitSeconds} s together, over loopLimit.maxTotalWaitSeconds (${maxTotalWaitSeconds})`
        : undefined;
  const route: RouteTaken = {
    route: over === undefined ? Route.next : Route.loopLimitExceeded,
    waitSeconds: 0,
    iterations,
    totalWaitSeconds,
    counters: { transient: 0, retries: 0, loops: 0 },
    ...(over === undefined ? {} : { failure: `${plan.stepId}: loop limit exceeded: ${over}` }),
  };
  const merged: RunState = { ...state, steps, control: { ...before, attempts } };
  const joined = finish(merged, plan, { route, statusCode: null, responseContext: { ...context, steps } });
  // A join is not a step: it leaves no $steps entry and no counters of its own.
  const { [plan.stepId]: _notAStep, ...joinedSteps } = joined.steps;
  const { [plan.stepId]: _noCounters, ...joinedAttempts } = joined.control.attempts;
  return { ...joined, steps: joinedSteps, control: { ...joined.control, attempts: joinedAttempts } };
}
