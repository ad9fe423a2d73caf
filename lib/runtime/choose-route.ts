import { evaluateCriteria } from '../arazzo/criteria.ts';
import type { ExpressionContext } from '../arazzo/expressions.ts';
import type { PlannedAction, StepPlan } from '../compile/step-plan.ts';
import type { TransientKind } from './http.ts';

/** What the step's call amounted to, as the routing rules need it. */
export interface StepOutcome {
  success: boolean;
  /** Set when the trouble is worth the same call again (network, timeout, 429, 5xx, malformed JSON). */
  transient?: TransientKind;
  /** "HTTP 404", "timeout (no answer within 200 ms)": for messages. */
  described: string;
  /** The call answered but the success criteria did not hold (as opposed to transient trouble). */
  criteriaFailed: boolean;
}

/** The step's counters before this call (see `RunControl.attempts`). */
export interface StepCounters {
  transient: number;
  retries: number;
  loops: number;
  /** Seconds waited in the current streak; absent in a state written by an older step runner. */
  waitedSeconds?: number;
}

export type RouteChoice =
  | { kind: 'next' }
  | { kind: 'action'; action: PlannedAction }
  | { kind: 'transientRetry' }
  | { kind: 'failed'; message: string };

/**
 * Arazzo's action rules plus the transient retry policy:
 * on success, the first success action whose criteria hold, else the next step;
 * on transient trouble, retry after a wait while the step's budget lasts, unless the document handles the
 * case with an onFailure action that has criteria (a document that says what to do on 429 is obeyed);
 * otherwise the first failure action whose criteria hold, else the step fails.
 */
export function chooseRoute(plan: StepPlan, outcome: StepOutcome, counters: StepCounters, context: ExpressionContext): RouteChoice {
  if (outcome.success) {
    const action = firstMatching(plan.onSuccess, context);
    return action === undefined ? { kind: 'next' } : { kind: 'action', action };
  }

  const failureAction = firstMatching(plan.onFailure, context);
  if (outcome.transient !== undefined) {
    const documentHandlesIt = plan.onFailure.some((action) => action.criteria.length > 0 && evaluateCriteria(action.criteria, context));
    const attemptsMade = counters.transient + 1;
    if (!documentHandlesIt && attemptsMade < plan.transientRetry.maxAttempts) return { kind: 'transientRetry' };
    if (failureAction === undefined) {
      return {
        kind: 'failed',
        message: `step ${plan.stepId} failed: ${attemptsMade} transient failure${attemptsMade === 1 ? '' : 's'} (${outcome.described}); retry budget spent (transientRetry.maxAttempts ${plan.transientRetry.maxAttempts})`,
      };
    }
  }

  if (failureAction === undefined) {
    const what = outcome.criteriaFailed ? `${outcome.described} did not meet the successCriteria` : outcome.described;
    return { kind: 'failed', message: `step ${plan.stepId} failed: ${what} and no onFailure action matched` };
  }
  if (failureAction.type === 'retry') {
    const limit = failureAction.retryLimit ?? 1;
    if (counters.retries >= limit) {
      return {
        kind: 'failed',
        message: `step ${plan.stepId} failed: ${outcome.described}; retry action "${failureAction.name}" has used all ${limit} of its retries (retryLimit)`,
      };
    }
  }
  return { kind: 'action', action: failureAction };
}

function firstMatching(actions: PlannedAction[], context: ExpressionContext): PlannedAction | undefined {
  return actions.find((action) => evaluateCriteria(action.criteria, context));
}
