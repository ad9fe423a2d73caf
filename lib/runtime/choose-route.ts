import { evaluateCriteria } from '../arazzo/criteria.ts';
import type { ExpressionContext } from '../arazzo/expressions.ts';
import type { OutageRecord, PlannedAction, StepPlan } from '../compile/step-plan.ts';
import type { TransientKind } from './http.ts';
import type { TransientDecision } from './outage-budget.ts';

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
  /** Set while the step is in an outage (transient failures in a row). */
  outage?: OutageRecord;
}

export type RouteChoice =
  | { kind: 'next' }
  | { kind: 'action'; action: PlannedAction }
  | { kind: 'transientRetry'; waitSeconds: number; outage: OutageRecord }
  | { kind: 'outageBudgetSpent'; message: string; outage: OutageRecord; budgetSeconds: number }
  | { kind: 'failed'; message: string };

/**
 * Arazzo's action rules plus the transient retry policy:
 * on success, the first success action whose criteria hold, else the next step;
 * on transient trouble, retry after a wait while the step's outage budget lasts (`transient`, decided by the
 * caller), unless the document handles the case with an onFailure action that has criteria (a document that
 * says what to do on 429 is obeyed); once the budget is spent, the document's catch-all failure action, else
 * the step gives up with `outageBudgetSpent`; otherwise the first failure action whose criteria hold, else
 * the step fails.
 */
export function chooseRoute(
  plan: StepPlan,
  outcome: StepOutcome,
  counters: StepCounters,
  context: ExpressionContext,
  transient?: TransientDecision,
): RouteChoice {
  if (outcome.success) {
    const action = firstMatching(plan.onSuccess, context);
    return action === undefined ? { kind: 'next' } : { kind: 'action', action };
  }

  const failureAction = firstMatching(plan.onFailure, context);
  if (outcome.transient !== undefined && transient !== undefined) {
    const documentHandlesIt = plan.onFailure.some((action) => action.criteria.length > 0 && evaluateCriteria(action.criteria, context));
    if (!documentHandlesIt) {
      if (transient.kind === 'retry') return { kind: 'transientRetry', waitSeconds: transient.waitSeconds, outage: transient.outage };
      if (failureAction === undefined) {
        const { outage, budgetSeconds } = transient;
        const lasted = Math.round((outage.lastAt - outage.since) / 1000);
        return {
          kind: 'outageBudgetSpent',
          outage,
          budgetSeconds,
          message:
            `step ${plan.stepId} gave up after an outage of ${lasted} s (${outage.failures} failed call${outage.failures === 1 ? '' : 's'}, ` +
            `first ${outage.firstError}, last ${outage.lastError}); its outage budget is ${budgetSeconds} s (transientRetry.budgetSeconds)`,
        };
      }
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
