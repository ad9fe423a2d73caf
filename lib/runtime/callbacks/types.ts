/**
 * The contract of the durable wake-up wait (see lib/compile/wake-wait.ts and docs/callbacks.md), shared by the
 * Lambdas and the local runner. Nothing here knows AWS or any particular API.
 */

/** What the compiled wake-up wait Task sends the registrar. */
export interface WakeWaitEvent {
  /** `$$.Task.Token`: SendTaskSuccess with it ends the wait. Never logged. */
  taskToken: string;
  /** `$$.Execution.Id`. */
  executionId: string;
  /** Which wait of the run (a poll loop's target step, a receive step). */
  waitId: string;
  /** The most seconds the wait lasts (its TimeoutSecondsPath). */
  timeoutSeconds: number;
}

/** The wait a callback token (or a correlated message) wakes. */
export interface WakeTarget {
  executionId: string;
  waitId: string;
}

/** What a wake hands the waiting Task (its output, as JSON): the callback's body and headers. */
export interface WakeMessage {
  payload: unknown;
  headers: Record<string, string>;
}

/** SendTaskSuccess. `stale`: nothing waits on that token any more (timed out, run finished); anything else throws. */
export interface TaskTokenSender {
  succeed(taskToken: string, output: WakeMessage): Promise<'sent' | 'stale'>;
}
