import { createHash } from 'node:crypto';

/**
 * The idempotency key for one step of one run. It is derived, not stored, so every retry of the step in
 * the same execution (transient retries, Arazzo retries, a Lambda retried by the Task) sends the same key
 * and the API can recognise the repeat. 40 hex characters keep it well inside the common
 * `[A-Za-z0-9_-]{1,128}` limit while remaining collision-free in practice.
 */
export function idempotencyKey(executionId: string, stepId: string): string {
  const digest = createHash('sha256').update(`${executionId}:${stepId}`).digest('hex');
  return `arazzo-${digest.slice(0, 40)}`;
}
