import { createHash } from 'node:crypto';

/**
 * The idempotency key for one step of one run. It is derived, not stored, so every retry of the step in
 * the same execution (transient retries, Arazzo retries, a Lambda retried by the Task, a redrive) sends the
 * same key and the API can recognise the repeat. The execution's start time, fixed when it starts, makes a
 * later execution that reuses the name a different run with a different key, which never adopts the first
 * run's remote job. 40 hex characters keep it well inside the common `[A-Za-z0-9_-]{1,128}` limit while
 * remaining collision-free in practice.
 */
export function idempotencyKey(executionId: string, stepId: string, executionStartTime?: string): string {
  const run = executionStartTime === undefined ? executionId : `${executionId}@${executionStartTime}`;
  const digest = createHash('sha256').update(`${run}:${stepId}`).digest('hex');
  return `arazzo-${digest.slice(0, 40)}`;
}
