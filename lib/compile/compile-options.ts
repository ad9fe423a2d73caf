import type { IdempotencyPlan, TransientRetryPolicy, WaitPolicy } from './step-plan.ts';

/** How a workflow is compiled: everything here is a deployment choice, not part of the document. */
export interface CompileOptions {
  /** Which workflow of the document. @default the first one */
  workflowId?: string;
  /** Base URL per source description name, overriding the OpenAPI `servers`. @default the description's first server */
  serverUrls?: Record<string, string>;
  /** Inputs resolved inside the step runner from the secret store, never carried in the state. @default [] */
  secretInputs?: string[];
  /**
   * `end` success actions that mean the run failed, by stepId (`'*'` for the workflow's own successActions).
   * They end in a Fail state whose Error is the action's name. Failure actions that `end` always fail the run.
   * @default {}
   */
  failureEnds?: Record<string, string[]>;
  /** Per stepId: where the step runner puts a key derived from the execution, so a retried call is not repeated remotely. @default {} */
  idempotency?: Record<string, IdempotencyPlan>;
  /**
   * Steps whose request acts on each call although its method does not say so (POST and PATCH always count).
   * After an ambiguous failure (reset after sending, timeout, 500/502/504) such a step is retried only when
   * `idempotency` gives it a key; otherwise the run ends with Arazzo.MayHaveTakenEffect. @default []
   */
  nonIdempotentSteps?: string[];
  /** Waits on loop-backs. @default DEFAULT_WAIT_POLICY */
  waitPolicy?: WaitPolicy;
  /** Per stepId (the step that loops back) overrides of `waitPolicy`. @default {} */
  stepWaitPolicies?: Record<string, WaitPolicy>;
  /**
   * Retries of network errors, timeouts, 429 and 5xx that the document does not handle, budgeted in time
   * (`budgetSeconds` of outage per step); fields left out keep their defaults. @default DEFAULT_TRANSIENT_RETRY
   */
  transientRetry?: Partial<TransientRetryPolicy>;
  /** Per stepId overrides of `transientRetry` fields, e.g. `{"checkStatus": {"budgetSeconds": 600}}`. @default {} */
  stepTransientRetries?: Record<string, Partial<TransientRetryPolicy>>;
  /** Bounds on loop-backs and retries of one run. @default DEFAULT_LOOP_LIMIT */
  loopLimit?: { maxIterations?: number; maxTotalWaitSeconds?: number };
  /** HTTP timeout of one API call. @default 10000 */
  requestTimeoutMs?: number;
  /** How deep workflows may run workflows (steps with workflowId, goto to a workflow, dependsOn). @default 4 */
  maxWorkflowDepth?: number;
  /**
   * The `maxLength` given to every string input whose schema (document or overlay) sets none, so the API
   * model and the runner refuse an oversized input before anything is called. @default DEFAULT_MAX_STRING_LENGTH
   */
  maxStringLength?: number;
  /**
   * The most bytes of one response body the step runner reads (after decoding); a larger answer fails the step
   * (Arazzo.ResponseTooLarge in the cause). Between 1 KiB and 64 MiB. @default DEFAULT_MAX_RESPONSE_BYTES (10 MiB)
   */
  maxResponseBytes?: number;
  /** The step runner's ARN (or a substitution placeholder) in each Task. @default STEP_RUNNER_PLACEHOLDER */
  functionArn?: string;
  /** The callback registrar's ARN (or a placeholder) in each wake-up wait Task. @default CALLBACK_REGISTRAR_PLACEHOLDER */
  callbackRegistrarArn?: string;
  /**
   * Callback-woken waits (docs/callbacks.md): one step's request carries a per-run callback URL, and a callback
   * to it ends the wait of a loop early (the run then polls once as usual). @default none: plain polling
   */
  callbacks?: CallbackOptions;
}

/** Where a request carries the run's callback URL, and which loop's wait a callback to it ends. */
export interface CallbackOptions {
  /** The step whose request carries the URL: a header, a query parameter, or a JSON Pointer into its JSON body. */
  url: { step: string; in: 'header' | 'query' | 'body'; name: string };
  /**
   * A step that loops back on itself: its `Wait before` becomes a wait a callback can end early; or an Arazzo 1.1
   * receive step: the callback is the message it waits for.
   */
  wakes: string;
  /** The wait policy of `wakes` while callbacks are on. @default CALLBACK_FALLBACK_WAIT_POLICY */
  waitPolicy?: WaitPolicy;
}

/** 4096 characters: longer than any prompt-like field in practice, and 60 of them still fit in a 256 KiB state. */
export const DEFAULT_MAX_STRING_LENGTH = 4096;

/** Replaced by the construct through `definitionSubstitutions`, so the definition is complete without deploy-time tokens. */
export const STEP_RUNNER_PLACEHOLDER = '${StepRunnerFunctionArn}';

/**
 * Each wait is a tenth of the time already spent polling, between 2 s and 60 s: a job of a few seconds is
 * noticed within 2 s, a job of N minutes within about N × 6 s, and a 10-minute job costs about 40 % of the
 * transitions of polling every 5 s. Measured by `npm run bench`.
 */
export const DEFAULT_WAIT_POLICY: WaitPolicy = {
  kind: 'proportional',
  ratio: 0.1,
  minSeconds: 2,
  maxSeconds: 60,
  jitter: 0,
};

/**
 * The fallback poll of a callback-woken loop: each wait as long as the time already spent polling, between 10 s
 * and 5 minutes. A delivered callback ends the wait at once, so lag no longer depends on it; a lost one is
 * noticed at most the job's own length late (5 minutes at most), and a 10-minute job costs about 8 polls.
 */
export const CALLBACK_FALLBACK_WAIT_POLICY: WaitPolicy = { kind: 'proportional', ratio: 1, minSeconds: 10, maxSeconds: 300, jitter: 0 };

/**
 * Rides out an hour of continuous outage per step: backoff from 2 s doubling to a 360 s cap with full jitter
 * (average 180 s at the cap: about 20 calls an hour, about 27 in the first hour with the ramp-up), the last
 * call when the hour is up. Measured by `npm run bench` (outage soak); see docs/durability.md.
 */
export const DEFAULT_TRANSIENT_RETRY: TransientRetryPolicy = { budgetSeconds: 3600, baseSeconds: 2, maxSeconds: 360, minSeconds: 1 };

export const DEFAULT_LOOP_LIMIT = { maxIterations: 1500, maxTotalWaitSeconds: 6 * 60 * 60 };
/** The default maxIterations with callbacks on: room in the history for the wake-up wait's events (the fallback poll needs few). */
export const CALLBACK_LOOP_MAX_ITERATIONS = 1000;

/**
 * Standard workflows stop at 25,000 history events. One loop iteration costs 9 (Wait 2, Task 5, Choice 2);
 * the limit must leave room for the Task's own Lambda retries and the straight-line steps.
 */
export const HISTORY_EVENT_LIMIT = 25_000;
export const EVENTS_PER_ITERATION = 9;
/** A loop through a wake-up wait Task instead of a Wait: the Task writes 6 events (entered, scheduled, started, submitted, ended, exited). */
export const EVENTS_PER_WAKE_ITERATION = 13;
export const HISTORY_HEADROOM = 0.75;
