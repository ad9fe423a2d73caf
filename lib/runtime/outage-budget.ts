/**
 * Transient retries budgeted in time. A step in transient trouble (network, timeout, 429, 5xx) is in an
 * outage from its first failed call; it keeps retrying, with the backoff of `transientRetrySeconds`, until
 * the outage has lasted the policy's `budgetSeconds`. The last call is made when the budget ends, so an
 * outage shorter than the budget is always ridden out.
 */
import { DEFAULT_TRANSIENT_RETRY } from '../compile/compile-options.ts';
import type { OutageRecord, TransientRetryPolicy } from '../compile/step-plan.ts';
import { MIN_WAIT_SECONDS, transientRetrySeconds } from './wait-policy.ts';

/**
 * A step that runs this long after its Wait should have released it is being restarted (a redrive of a run
 * that failed here, hours later): its outage budget starts over. Task retries of Lambda errors and slow
 * invocations stay far below it.
 */
export const RESTART_GAP_MS = 15 * 60 * 1000;

export type TransientDecision =
  | { kind: 'retry'; waitSeconds: number; outage: OutageRecord }
  | { kind: 'spent'; outage: OutageRecord; budgetSeconds: number };

export interface FailedCall {
  /** Epoch ms, after the call failed. */
  now: number;
  /** "HTTP 503", "timeout (no answer within 10000 ms)". */
  described: string;
  retryAfterSeconds: number | undefined;
  /** Epoch ms at which the Wait before this call was due to end (previous failure + its wait). */
  resumeDueAt: number | undefined;
}

/** Whether to call again after this failed call, and after how long; or that the outage outlasted the budget. */
export function decideTransient(
  /** A plan written before a field existed gets its default. */
  planned: Partial<TransientRetryPolicy>,
  previous: { transient: number; outage?: OutageRecord },
  call: FailedCall,
  random: () => number,
): TransientDecision {
  const policy = { ...DEFAULT_TRANSIENT_RETRY, ...planned };
  const restarted = call.resumeDueAt !== undefined && call.now - call.resumeDueAt > RESTART_GAP_MS;
  const ongoing = restarted ? undefined : previous.outage;
  const outage: OutageRecord = {
    since: ongoing?.since ?? call.now,
    lastAt: call.now,
    firstError: ongoing?.firstError ?? call.described,
    lastError: call.described,
    failures: (ongoing?.failures ?? 0) + 1,
  };
  const retriesTaken = ongoing === undefined ? 0 : previous.transient;
  const elapsedSeconds = Math.max(0, (call.now - outage.since) / 1000);
  const wait = transientRetrySeconds(policy, retriesTaken, call.retryAfterSeconds, random);
  if (elapsedSeconds + wait <= policy.budgetSeconds) return { kind: 'retry', waitSeconds: wait, outage };
  // The last call lands when the budget ends, so an outage that ends inside the budget is always seen to end.
  const remaining = Math.floor(policy.budgetSeconds - elapsedSeconds);
  if (remaining >= Math.max(MIN_WAIT_SECONDS, policy.minSeconds)) return { kind: 'retry', waitSeconds: remaining, outage };
  return { kind: 'spent', outage, budgetSeconds: policy.budgetSeconds };
}

/** The outage as a Fail cause tells it: what failed first and last, when, and for how long. */
export function describeOutage(outage: OutageRecord, budgetSeconds: number): Record<string, unknown> {
  return {
    firstError: outage.firstError,
    lastError: outage.lastError,
    startedAt: new Date(outage.since).toISOString(),
    lastErrorAt: new Date(outage.lastAt).toISOString(),
    lastedSeconds: Math.round((outage.lastAt - outage.since) / 1000),
    failedCalls: outage.failures,
    budgetSeconds,
  };
}

/**
 * Transient retries one outage of the full budget costs when waits are their average (half the backoff
 * ceiling, at least the floor): what the compiler counts against the loop limit.
 */
export function expectedRetriesPerBudget(planned: Partial<TransientRetryPolicy>): number {
  const policy = { ...DEFAULT_TRANSIENT_RETRY, ...planned };
  const floor = Math.max(MIN_WAIT_SECONDS, policy.minSeconds);
  let elapsed = 0;
  let retries = 0;
  while (elapsed < policy.budgetSeconds) {
    const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(retries, 1000));
    elapsed += Math.max(floor, ceiling / 2);
    retries += 1;
  }
  return retries;
}
